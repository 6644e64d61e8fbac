import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { D, randDense } from '../ref.js';

/** Users over items. */
export default {
  op: 'join_ui',
  params: {},
  sizes: { users: 3, items: 4, d: 2 },
  types: { users: dense('users', 'd'), items: dense('items', 'd') },
  inputs: { users: randDense(1, 3, 2), items: randDense(2, 4, 2) },
  reference: (x) => ({ out: Float64Array.from([...D(x.users).data, ...D(x.items).data]) }),
} satisfies ConformanceCase;
