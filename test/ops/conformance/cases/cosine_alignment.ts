import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { D, dot, normalizeRows, randDense, row, scalar } from '../ref.js';

const batch = { users: [0, 1, 2, 1], pos: [0, 1, 2, 3], neg: [4, 2, 0, 1] };

/** 1 − mean_r cos(a[neg_r], b[pos_r]) (both views items here). */
export default {
  op: 'cosine_alignment',
  params: { rows_a: 'neg', rows_b: 'pos' },
  sizes: { users: 3, items: 5, d: 3 },
  types: { a: dense('items', 'd'), b: dense('items', 'd') },
  inputs: { a: randDense(1, 5, 3), b: randDense(2, 5, 3) },
  batch,
  reference: (x) => {
    const a = normalizeRows(D(x.a), 1e-8);
    const b = normalizeRows(D(x.b), 1e-8);
    let s = 0;
    for (let r = 0; r < 4; r++) s += dot(row(a, batch.neg[r]!), row(b, batch.pos[r]!));
    return { loss: scalar(1 - s / 4) };
  },
} satisfies ConformanceCase;
