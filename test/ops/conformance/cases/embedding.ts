import type { ConformanceCase } from '../case.js';

/** The table itself; its gradient is w. */
export default {
  op: 'embedding',
  params: { rows: 'users', dim: 3 },
  sizes: { users: 4 },
  types: {},
  inputs: {},
  reference: (_x, v) => ({ out: v.table!.slice() }),
} satisfies ConformanceCase;
