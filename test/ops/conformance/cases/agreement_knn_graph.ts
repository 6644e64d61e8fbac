import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { D, DL, dot, normalizeRows, randDense, row, type Dense64 } from '../ref.js';

const n = 6;
const k = 2;

/**
 * (i, j) is a candidate where cos_m(i, j) ≥ mean of all cos_m for `in` and every `agree`; each row keeps its top
 * k candidates by the `in` cosine (ties: lower column), entries 1, D^-1/2 A D^-1/2 with D = row counts + 1e-7.
 */
export default {
  op: 'agreement_knn_graph',
  params: { k },
  sizes: { items: n },
  types: { in: dense('items', 4), agree: [dense('items', 3)] },
  inputs: { in: randDense(1, n, 4), agree: [randDense(2, n, 3)] },
  gradient: 'none',
  note: 'a constant graph built from frozen features: its output is sparse, there is nothing to differentiate',
  reference: (x) => {
    const cos = (t: Dense64) => {
      const tn = normalizeRows(t);
      return Array.from({ length: n * n }, (_, e) => dot(row(tn, Math.floor(e / n)), row(tn, e % n)));
    };
    const cs = [cos(D(x.in)), ...DL(x.agree).map(cos)];
    const means = cs.map((c) => c.reduce((s, v) => s + v, 0) / (n * n));
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      const cand = Array.from({ length: n }, (_, j) => j).filter((j) => cs.every((c, m) => c[i * n + j]! >= means[m]!));
      cand.sort((p, q) => cs[0]![i * n + q]! - cs[0]![i * n + p]! || p - q);
      for (const j of cand.slice(0, k)) a[i * n + j] = 1;
    }
    const deg = Array.from({ length: n }, (_, i) => a.subarray(i * n, i * n + n).reduce((s, v) => s + v, 0));
    return {
      out: a.map((v, e) => v * Math.pow(deg[Math.floor(e / n)]! + 1e-7, -0.5) * Math.pow(deg[e % n]! + 1e-7, -0.5)),
    };
  },
} satisfies ConformanceCase;
