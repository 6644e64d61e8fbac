import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { DL, randDense } from '../ref.js';

/** out = Σ w_i x_i with convex weights. */
export default {
  op: 'mix',
  params: { weights: [0.75, 0.25] },
  sizes: { items: 5, d: 3 },
  types: { in: [dense('items', 'd'), dense('items', 'd')] },
  inputs: { in: [randDense(1, 5, 3), randDense(2, 5, 3)] },
  reference: (x) => {
    const [a, b] = DL(x.in);
    return { out: a!.data.map((v, i) => 0.75 * v + 0.25 * b!.data[i]!) };
  },
} satisfies ConformanceCase;
