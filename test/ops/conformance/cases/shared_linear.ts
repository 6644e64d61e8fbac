import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { DL, matmul, randDense, zip, type Dense64 } from '../ref.js';

/** One W, b applied to two inputs of different row counts. */
export default {
  op: 'shared_linear',
  params: { out: 2, activation: 'elu' },
  sizes: { users: 3, items: 4 },
  types: { in: [dense('users', 3), dense('items', 3)] },
  inputs: { in: [randDense(1, 3, 3), randDense(2, 4, 3)] },
  absentOutputs: ['out2', 'out3'],
  note: 'out2 and out3 have no input here: the shape rule types them so that nothing can connect to them',
  reference: (x, v) => {
    const f = (h: Dense64) =>
      zip(
        matmul(h, { shape: [3, 2], data: v['linear/w']! }),
        { shape: [2], data: v['linear/b']! },
        (a, b) => a + b,
      ).data.map((z) => (z > 0 ? z : Math.exp(z) - 1));
    const [a, b] = DL(x.in);
    return { out0: f(a!), out1: f(b!) };
  },
} satisfies ConformanceCase;
