import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { DL, randDense } from '../ref.js';

/** [n, a] ++ [n, b] along the columns; symbolic widths exercise the 'd1+d2' width of the shape rule. */
export default {
  op: 'concat',
  params: {},
  sizes: { items: 4, d1: 2, d2: 3 },
  types: { in: [dense('items', 'd1'), dense('items', 'd2')] },
  inputs: { in: [randDense(1, 4, 2), randDense(2, 4, 3)] },
  reference: (x) => {
    const [a, b] = DL(x.in);
    const out = new Float64Array(4 * 5);
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 2; j++) out[i * 5 + j] = a!.data[i * 2 + j]!;
      for (let j = 0; j < 3; j++) out[i * 5 + 2 + j] = b!.data[i * 3 + j]!;
    }
    return { out };
  },
} satisfies ConformanceCase;
