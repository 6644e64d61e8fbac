import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { D, DL, dot, gatherRows, logSumExp, normalizeRows, randDense, row, scalar, type Dense64 } from '../ref.js';

const batch = { users: [0, 1, 2, 1], pos: [0, 3, 2, 4], neg: [4, 2, 0, 1] };
const tau = 0.3;

/** Σ_v mean_i −log softmax_j(cos(a_i, v_j)/τ)_i on the positives; the anchor detached in the second term. */
export default {
  op: 'infonce',
  params: { tau, stop_grad_anchor: [false, true] },
  sizes: { users: 3, items: 5, d: 3 },
  types: { anchor: dense('items', 'd'), views: [dense('items', 'd'), dense('items', 'd')] },
  inputs: { anchor: randDense(1, 5, 3), views: [randDense(2, 5, 3), randDense(3, 5, 3)] },
  batch,
  reference: (x, _v, ctx) => {
    const term = (anchor: Dense64, view: Dense64) => {
      const a = normalizeRows(gatherRows(anchor, batch.pos));
      const b = normalizeRows(gatherRows(view, batch.pos));
      let s = 0;
      for (let i = 0; i < 4; i++) {
        const logits = Array.from({ length: 4 }, (_, j) => dot(row(a, i), row(b, j)) / tau);
        s += logSumExp(logits) - logits[i]!;
      }
      return s / 4;
    };
    const [v0, v1] = DL(x.views);
    return { loss: scalar(term(D(x.anchor), v0!) + term(D(ctx.base.inputs.anchor!), v1!)) };
  },
} satisfies ConformanceCase;
