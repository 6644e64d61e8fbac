import type { ConformanceCase } from '../case.js';
import { tinyData } from '../../graph-data.js';
import { bipartite, row, total, uniquePairList } from '../ref.js';

const data = tinyData();

/** LATTICE's D^-1 (A + I) over the unique train pairs; the ui / iu blocks are its off-diagonal blocks. */
export default {
  op: 'ui_graph',
  params: { norm: 'row', self_loops: true },
  sizes: { users: 4, items: 5 },
  data,
  types: {},
  inputs: {},
  gradient: 'none',
  note: 'a constant graph built from the train pairs: its output is sparse, there is nothing to differentiate',
  reference: () => {
    const a = bipartite(4, 5, uniquePairList(data.trainPairs.users, data.trainPairs.items), true);
    const deg = Array.from({ length: 9 }, (_, i) => total(row(a, i)));
    const adj = a.data.map((v, e) => v / deg[Math.floor(e / 9)]!);
    const ui = new Float64Array(4 * 5);
    const iu = new Float64Array(5 * 4);
    for (let u = 0; u < 4; u++)
      for (let i = 0; i < 5; i++) {
        ui[u * 5 + i] = adj[u * 9 + 4 + i]!;
        iu[i * 4 + u] = adj[(4 + i) * 9 + u]!;
      }
    return { adj, ui, iu };
  },
} satisfies ConformanceCase;
