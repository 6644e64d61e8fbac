import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { DL, randDense } from '../ref.js';

/** out = x_1 ⊙ x_2 ⊙ x_3. */
export default {
  op: 'product',
  params: {},
  sizes: { items: 4, d: 3 },
  types: { in: [dense('items', 'd'), dense('items', 'd'), dense('items', 'd')] },
  inputs: { in: [randDense(1, 4, 3), randDense(2, 4, 3), randDense(3, 4, 3)] },
  reference: (x) => {
    const [a, b, c] = DL(x.in);
    return { out: a!.data.map((v, i) => v * b!.data[i]! * c!.data[i]!) };
  },
} satisfies ConformanceCase;
