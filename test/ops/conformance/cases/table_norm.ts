import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { DL, randDense, scalar } from '../ref.js';

/** Σ_k ‖T_k‖_F / rows of the last table. */
export default {
  op: 'table_norm',
  params: {},
  sizes: { users: 3, items: 5, d: 3 },
  types: { in: [dense('users', 'd'), dense('items', 'd')] },
  inputs: { in: [randDense(1, 3, 3), randDense(2, 5, 3)] },
  reference: (x) => {
    const fro = DL(x.in).map((t) => Math.sqrt(t.data.reduce((s, v) => s + v * v, 0)));
    return { loss: scalar((fro[0]! + fro[1]!) / 5) };
  },
} satisfies ConformanceCase;
