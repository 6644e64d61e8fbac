import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { DL, randDense } from '../ref.js';

/** out = Σ w_i x_i. */
export default {
  op: 'sum',
  params: { weights: [1, -0.5, 2] },
  sizes: { items: 5, d: 3 },
  types: { in: [dense('items', 'd'), dense('items', 'd'), dense('items', 'd')] },
  inputs: { in: [randDense(1, 5, 3), randDense(2, 5, 3), randDense(3, 5, 3)] },
  reference: (x) => {
    const [a, b, c] = DL(x.in);
    return { out: a!.data.map((v, i) => v - 0.5 * b!.data[i]! + 2 * c!.data[i]!) };
  },
} satisfies ConformanceCase;
