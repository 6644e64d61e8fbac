import { sparse } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { tinyData } from '../../graph-data.js';
import { bipartite, fromDense, matmul, S, symNorm, toDense, uniquePairList, type Dense64 } from '../ref.js';

const data = tinyData();
const adj = fromDense(symNorm(bipartite(4, 5, uniquePairList(data.trainPairs.users, data.trainPairs.items))));

/** E = [U; I]; out = mean(E, ÂE, Â²E) split into users and items; the ego tables are U and I. */
export default {
  op: 'lightgcn',
  params: { dim: 3, layers: 2 },
  sizes: { users: 4, items: 5 },
  types: { graph: sparse('users+items', 'users+items') },
  inputs: { graph: adj },
  reference: (x, v) => {
    const a = toDense(S(x.graph));
    const e0: Dense64 = { shape: [9, 3], data: Float64Array.from([...v.user_emb!, ...v.item_emb!]) };
    const e1 = matmul(a, e0);
    const e2 = matmul(a, e1);
    const mean = e0.data.map((z, i) => (z + e1.data[i]! + e2.data[i]!) / 3);
    return {
      users: mean.slice(0, 12),
      items: mean.slice(12),
      user_ego: v.user_emb!.slice(),
      item_ego: v.item_emb!.slice(),
    };
  },
} satisfies ConformanceCase;
