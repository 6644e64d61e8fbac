import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { distinct, DL, dot, normalizeRows, randDense, row, scalar, softmaxRows, type Dense64 } from '../ref.js';

const batch = { users: [0, 1, 2], pos: [0, 3, 5], neg: [4, 3, 1] };
const tau = 0.5;
const K = 2;
const n = 6;

/** Indices of the k largest of xs not in `skip`, largest first (ties: lower index). */
function topk(xs: number[], k: number, skip = new Set<number>()): number[] {
  return xs
    .map((v, j) => [v, j] as const)
    .filter(([, j]) => !skip.has(j))
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, k)
    .map(([, j]) => j);
}

/**
 * For each view m, over the distinct batch items b: pseudo-positives from the unperturbed views (no gradient):
 * P_v = softmax_j cos(h_v[b], h_v[j]); K "multimodal" = top K of Σ_v P_v + P_m, K "single" = top K of P_m among
 * the rest; loss_m = mean_b −log(S_mm/S_all + 1e-9) − log(S_single/(S_all − S_mm) + 1e-9), S_X = Σ_{j∈X}
 * exp(cos(h_m[b], h_m[j])/τ), S_all over all items; the loss is the mean over views.
 */
export default {
  op: 'neighbor_discrimination',
  params: { tau, positives: K },
  sizes: { users: 3, items: n, d: 3 },
  types: { views: [dense('items', 'd'), dense('items', 'd')] },
  inputs: { views: [randDense(1, n, 3), randDense(2, n, 3)] },
  batch,
  reference: (x, _v, ctx) => {
    const idx = distinct(batch.pos, batch.neg);
    const cosRows = (h: Dense64) => {
      const hn = normalizeRows(h);
      return idx.map((b) => Array.from({ length: n }, (_, j) => dot(row(hn, b), row(hn, j))));
    };
    const probs = DL(ctx.base.inputs.views!).map((h) =>
      softmaxRows({ shape: [idx.length, n], data: Float64Array.from(cosRows(h).flat()) }),
    );
    const terms = DL(x.views).map((h, m) => {
      const c = cosRows(h);
      let s = 0;
      idx.forEach((_, r) => {
        const pm = Array.from(row(probs[m]!, r));
        const score = pm.map((v, j) => v + probs.reduce((acc, p) => acc + p.data[r * n + j]!, 0));
        const mm = topk(score, K);
        const single = topk(pm, K, new Set(mm));
        const e = c[r]!.map((z) => Math.exp(z / tau));
        const all = e.reduce((a, z) => a + z, 0);
        const sMm = mm.reduce((a, j) => a + e[j]!, 0);
        const sSingle = single.reduce((a, j) => a + e[j]!, 0);
        s += -Math.log(sMm / all + 1e-9) - Math.log(sSingle / (all - sMm) + 1e-9);
      });
      return s / idx.length;
    });
    return { loss: scalar((terms[0]! + terms[1]!) / 2) };
  },
} satisfies ConformanceCase;
