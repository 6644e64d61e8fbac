import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { D, matmul, randDense, zip } from '../ref.js';

/** y = tanh(x·W + b). */
export default {
  op: 'linear',
  params: { out: 2, activation: 'tanh' },
  sizes: { items: 4, k: 3 },
  types: { in: dense('items', 3) },
  inputs: { in: randDense(1, 4, 3) },
  reference: (x, v) => {
    const y = zip(
      matmul(D(x.in), { shape: [3, 2], data: v['linear/w']! }),
      { shape: [2], data: v['linear/b']! },
      (a, b) => a + b,
    );
    return { out: y.data.map(Math.tanh) };
  },
} satisfies ConformanceCase;
