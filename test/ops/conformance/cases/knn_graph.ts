import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { D, dot, normalizeRows, randDense, row } from '../ref.js';

const n = 6;
const k = 3;

/**
 * Cosine similarity of all row pairs, the top k columns per row (self included; ties to the lower column),
 * entries the similarities (weighted), then D^-1/2 A D^-1/2 with D = row sums + 1e-7 on both sides.
 */
export default {
  op: 'knn_graph',
  params: { k, norm: 'symmetric', weighted: true },
  sizes: { items: n, f: 4 },
  types: { in: dense('items', 'f') },
  // Positive features, so every kept similarity and degree is positive.
  inputs: { in: { shape: [n, 4], data: randDense(1, n, 4).data.map((v) => Math.fround(Math.abs(v) + 0.1)) } },
  gradient: 'none',
  note: 'a constant graph built from frozen features: its output is sparse, there is nothing to differentiate',
  reference: (x) => {
    const xn = normalizeRows(D(x.in));
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      const sims = Array.from({ length: n }, (_, j) => dot(row(xn, i), row(xn, j)));
      const top = sims
        .map((s, j) => [s, j] as const)
        .sort((p, q) => q[0] - p[0] || p[1] - q[1])
        .slice(0, k);
      for (const [s, j] of top) a[i * n + j] = s;
    }
    const deg = Array.from({ length: n }, (_, i) => a.subarray(i * n, i * n + n).reduce((s, v) => s + v, 0));
    return { out: a.map((v, e) => v / Math.sqrt(deg[Math.floor(e / n)]! + 1e-7) / Math.sqrt(deg[e % n]! + 1e-7)) };
  },
} satisfies ConformanceCase;
