import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { D, randDense } from '../ref.js';

/** out = in. */
export default {
  op: 'identity',
  params: {},
  sizes: { items: 5, d: 3 },
  types: { in: dense('items', 'd') },
  inputs: { in: randDense(1, 5, 3) },
  reference: (x) => ({ out: D(x.in).data.slice() }),
} satisfies ConformanceCase;
