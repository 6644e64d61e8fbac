/**
 * co_interaction_graph: DA-MRS's item-item behaviour graph (build_iib_graph.py, then damrs.py get_session_adj).
 * c_ij = number of distinct train users who interacted with both i and j; pairs with c_ij < min_shared are
 * dropped; each item keeps its top-k partners by c_ij (ties: lower item id) and a self-loop. The entries are 1
 * (the reference stores the counts but its compute_normalized_laplacian replaces the values by ones), normalised
 * D^-1/2 A D^-1/2 with D = row sums + 1e-7. Built once from the train pairs, in O(Σ_u deg(u)²).
 */
import { Type } from '@sinclair/typebox';
import { Defaulted, defineOp, sparse } from '../types.js';
import { binaryLaplacian } from './agreement-knn-graph.js';
import { MAX_NEIGHBOURS } from '../../util/size-limits.js';

/** Per item, its kept partners (self first when selfLoop), from deduplicated train pairs. */
export function coInteractionNeighbours(
  nUsers: number,
  nItems: number,
  users: Int32Array,
  items: Int32Array,
  k: number,
  minShared: number,
  selfLoop: boolean,
): number[][] {
  const seen = new Set<number>();
  const byUser: number[][] = Array.from({ length: nUsers }, () => []);
  const byItem: number[][] = Array.from({ length: nItems }, () => []);
  for (let t = 0; t < users.length; t++) {
    const key = users[t]! * nItems + items[t]!;
    if (seen.has(key)) continue;
    seen.add(key);
    byUser[users[t]!]!.push(items[t]!);
    byItem[items[t]!]!.push(users[t]!);
  }
  const count = new Int32Array(nItems);
  const out: number[][] = [];
  for (let i = 0; i < nItems; i++) {
    const touched: number[] = [];
    for (const u of byItem[i]!)
      for (const j of byUser[u]!) {
        if (j === i) continue;
        if (count[j] === 0) touched.push(j);
        count[j]!++;
      }
    const cand = touched
      .filter((j) => count[j]! >= minShared)
      .sort((a, b) => count[b]! - count[a]! || a - b)
      .slice(0, k);
    for (const j of touched) count[j] = 0;
    out.push(selfLoop ? [i, ...cand] : cand);
  }
  return out;
}

export const coInteractionGraph = defineOp({
  name: 'co_interaction_graph',
  doc: 'Item-item behaviour graph (DA-MRS): top-k partners by shared train users, self-loops, binary, normalised.',
  category: 'graph',
  params: Type.Object({
    k: Defaulted(
      Type.Integer({
        minimum: 1,
        maximum: MAX_NEIGHBOURS,
        default: 2,
        description: 'Partners kept per item (DA-MRS builds item_graph_dict_2: k = 2).',
        examples: [2],
      }),
    ),
    min_shared: Defaulted(
      Type.Integer({
        minimum: 1,
        default: 2,
        description: 'Fewest shared users for a pair to be an edge (build_iib_graph.py keeps counts >= 2).',
        examples: [2],
      }),
    ),
    self_loop: Defaulted(
      Type.Boolean({
        default: true,
        description: 'Add each item to its own row (get_session_adj does).',
        examples: [true],
      }),
    ),
  }),
  inputs: [],
  outputs: [{ name: 'out', doc: 'Sparse [items, items].' }],
  pure: true,
  shape: () => ({ out: sparse('items', 'items') }),
  build: (p, _in, ctx) => {
    const { nUsers, nItems, trainPairs } = ctx.data;
    let g: ReturnType<typeof binaryLaplacian> | undefined;
    return {
      run: () => {
        g ??= binaryLaplacian(
          nItems,
          coInteractionNeighbours(nUsers, nItems, trainPairs.users, trainPairs.items, p.k, p.min_shared, p.self_loop),
        );
        return { out: g };
      },
    };
  },
});
