import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { D, randDense } from '../ref.js';

export default {
  op: 'stop_gradient',
  params: {},
  sizes: { items: 5, d: 3 },
  types: { in: dense('items', 'd') },
  inputs: { in: randDense(1, 5, 3) },
  gradient: 'none',
  note: 'detach(): the forward is the identity and the gradient into `in` must be absent or zero',
  reference: (x) => ({ out: D(x.in).data.slice() }),
} satisfies ConformanceCase;
