import type { ConformanceCase } from '../case.js';
import { tinyData } from '../../graph-data.js';
import { uniquePairList } from '../ref.js';

const data = tinyData();
const k = 2;

/**
 * c_ij = distinct users who interacted with both i and j; partners j ≠ i with c_ij ≥ min_shared, the top k by
 * c_ij (ties: lower item), plus a self-loop; entries 1, D^-1/2 A D^-1/2 with D = row counts + 1e-7.
 */
export default {
  op: 'co_interaction_graph',
  params: { k, min_shared: 1, self_loop: true },
  sizes: { users: 4, items: 5 },
  data,
  types: {},
  inputs: {},
  gradient: 'none',
  note: 'a constant graph built from the train pairs: its output is sparse, there is nothing to differentiate',
  reference: () => {
    const n = 5;
    const pairs = uniquePairList(data.trainPairs.users, data.trainPairs.items);
    const usersOf = (i: number) => new Set(pairs.filter((p) => p[1] === i).map((p) => p[0]));
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      const ui = usersOf(i);
      const c = Array.from({ length: n }, (_, j) => (j === i ? 0 : [...usersOf(j)].filter((u) => ui.has(u)).length));
      const partners = Array.from({ length: n }, (_, j) => j)
        .filter((j) => j !== i && c[j]! >= 1)
        .sort((p, q) => c[q]! - c[p]! || p - q)
        .slice(0, k);
      a[i * n + i] = 1;
      for (const j of partners) a[i * n + j] = 1;
    }
    const deg = Array.from({ length: n }, (_, i) => a.subarray(i * n, i * n + n).reduce((s, v) => s + v, 0));
    return {
      out: a.map((v, e) => v * Math.pow(deg[Math.floor(e / n)]! + 1e-7, -0.5) * Math.pow(deg[e % n]! + 1e-7, -0.5)),
    };
  },
} satisfies ConformanceCase;
