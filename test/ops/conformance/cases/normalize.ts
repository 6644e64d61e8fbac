import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { D, normalizeRows, randDense } from '../ref.js';

/** x_i / max(‖x_i‖, eps). */
export default {
  op: 'normalize',
  params: {},
  sizes: { items: 5, d: 3 },
  types: { in: dense('items', 'd') },
  inputs: { in: randDense(1, 5, 3) },
  reference: (x) => ({ out: normalizeRows(D(x.in)).data }),
} satisfies ConformanceCase;
