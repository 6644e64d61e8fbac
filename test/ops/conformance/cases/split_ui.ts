import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { D, randDense } from '../ref.js';

/** The first `users` rows, then the rest. */
export default {
  op: 'split_ui',
  params: {},
  sizes: { users: 3, items: 4, d: 2 },
  types: { in: dense('users+items', 'd') },
  inputs: { in: randDense(1, 7, 2) },
  reference: (x) => ({ users: D(x.in).data.slice(0, 6), items: D(x.in).data.slice(6) }),
} satisfies ConformanceCase;
