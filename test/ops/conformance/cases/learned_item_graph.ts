import { dense, sparse } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { D, DL, dot, matmul, normalizeRows, randDense, randSparse, row, SL, toDense, type Dense64 } from '../ref.js';

const n = 5;
const k = 2;
const lambda = 0.4;
const positive = (seed: number, cols: number): Dense64 => ({
  shape: [n, cols],
  data: randDense(seed, n, cols).data.map((v) => Math.fround(Math.abs(v) + 0.2)),
});

/**
 * w = softmax(modal_weight); per modality, S_m = the top k entries per row of cos(P_m) (self included, ties to
 * the lower column) scaled by w_m; A = (1 − λ) D^-1/2 (Σ_m S_m) D^-1/2 + λ Σ_m w_m O_m with D the row sums of
 * Σ_m S_m; out = A·in. The kNN choice has no gradient (it is locally constant); the kept similarities, the
 * weights and `in` do. rebuild: step, so every training run rebuilds it with gradients.
 */
export default {
  op: 'learned_item_graph',
  params: { k, lambda, layers: 1, rebuild: 'step' },
  sizes: { items: n, d: 3 },
  types: {
    features: [dense('items', 2), dense('items', 3)],
    graphs: [sparse('items', 'items'), sparse('items', 'items')],
    in: dense('items', 'd'),
  },
  // Positive projections: all cosines and so all degrees are positive.
  inputs: {
    features: [positive(1, 2), positive(2, 3)],
    graphs: [randSparse(3, n, n, 0.4), randSparse(4, n, n, 0.4)],
    in: randDense(5, n, 3),
  },
  batch: { users: [0], pos: [0], neg: [1] },
  reference: (x, v) => {
    const mw = v.modal_weight!;
    const mx = Math.max(...mw);
    const ez = Array.from(mw, (z) => Math.exp(z - mx));
    const w = ez.map((z) => z / ez.reduce((a, b) => a + b, 0));
    const learned = new Float64Array(n * n);
    DL(x.features).forEach((p, m) => {
      const pn = normalizeRows(p);
      for (let i = 0; i < n; i++) {
        const sims = Array.from({ length: n }, (_, j) => dot(row(pn, i), row(pn, j)));
        const top = sims
          .map((s, j) => [s, j] as const)
          .sort((a, b) => b[0] - a[0] || a[1] - b[1])
          .slice(0, k);
        for (const [s, j] of top) learned[i * n + j]! += s * w[m]!;
      }
    });
    const deg = Array.from({ length: n }, (_, i) => learned.subarray(i * n, i * n + n).reduce((s, z) => s + z, 0));
    const a = learned.map(
      (z, e) =>
        (1 - lambda) *
        z *
        Math.pow(Math.max(deg[Math.floor(e / n)]!, 1e-12), -0.5) *
        Math.pow(Math.max(deg[e % n]!, 1e-12), -0.5),
    );
    SL(x.graphs).forEach((o, m) => toDense(o).data.forEach((z, e) => (a[e]! += lambda * w[m]! * z)));
    return { out: matmul({ shape: [n, n], data: a }, D(x.in)).data };
  },
} satisfies ConformanceCase;
