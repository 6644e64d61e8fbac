import type { ConformanceCase } from '../case.js';
import { tinyData } from '../../graph-data.js';
import { bipartite, symNorm, uniquePairList } from '../ref.js';

const data = tinyData();

/** Â = D^-1/2 A D^-1/2 over the bipartite adjacency of the unique train pairs (D + 1e-7), and its two blocks. */
export default {
  op: 'interaction_graph',
  params: {},
  sizes: { users: 4, items: 5 },
  data,
  types: {},
  inputs: {},
  gradient: 'none',
  note: 'a constant graph built from the train pairs: its output is sparse, there is nothing to differentiate',
  reference: () => {
    const a = symNorm(bipartite(4, 5, uniquePairList(data.trainPairs.users, data.trainPairs.items)));
    const ui = new Float64Array(4 * 5);
    const iu = new Float64Array(5 * 4);
    for (let u = 0; u < 4; u++)
      for (let i = 0; i < 5; i++) {
        ui[u * 5 + i] = a.data[u * 9 + 4 + i]!;
        iu[i * 4 + u] = a.data[(4 + i) * 9 + u]!;
      }
    return { adj: a.data, ui, iu };
  },
} satisfies ConformanceCase;
