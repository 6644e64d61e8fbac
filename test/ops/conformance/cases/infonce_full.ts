import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { D, dot, logSumExp, normalizeRows, randDense, row, scalar } from '../ref.js';

// User 1 twice: a repeated row counts twice.
const batch = { users: [0, 1, 2, 1], pos: [0, 3, 2, 4], neg: [4, 2, 0, 1] };
const tau = 0.25;

/** mean over the batch users b of −log( exp(c(a_b, p_b)/τ) / Σ_j exp(c(a_b, p_j)/τ) ), j over all users. */
export default {
  op: 'infonce_full',
  params: { tau, rows: 'users', reduction: 'mean' },
  sizes: { users: 3, items: 5, d: 3 },
  types: { anchor: dense('users', 'd'), positive: dense('users', 'd') },
  inputs: { anchor: randDense(1, 3, 3), positive: randDense(2, 3, 3) },
  batch,
  reference: (x) => {
    const a = normalizeRows(D(x.anchor));
    const p = normalizeRows(D(x.positive));
    let s = 0;
    for (const b of batch.users) {
      const logits = Array.from({ length: 3 }, (_, j) => dot(row(a, b), row(p, j)) / tau);
      s += logSumExp(logits) - logits[b]!;
    }
    return { loss: scalar(s / batch.users.length) };
  },
} satisfies ConformanceCase;
