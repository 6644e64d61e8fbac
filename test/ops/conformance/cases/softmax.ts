import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { D, randDense, softmaxRows } from '../ref.js';

/** Row-wise softmax over the last axis. */
export default {
  op: 'softmax',
  params: {},
  sizes: { items: 4, d: 5 },
  types: { in: dense('items', 'd') },
  inputs: { in: randDense(1, 4, 5, 2) },
  reference: (x) => ({ out: softmaxRows(D(x.in)).data }),
} satisfies ConformanceCase;
