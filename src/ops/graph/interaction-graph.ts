import { Type } from '@sinclair/typebox';
import { defineOp, sparse } from '../types.js';
import { bipartiteAdjacency, uniquePairs } from './user-item-graph.js';

/**
 * The user-item graph of the train interactions, normalised once: Â = D^-1/2 A D^-1/2 over the
 * (users + items) bipartite adjacency, as LightGCN and MMRec build it (degree + 1e-7, duplicates counted once).
 */
export const interactionGraph = defineOp<Record<string, never>>({
  name: 'interaction_graph',
  doc: 'Symmetrically normalised user-item adjacency of the train interactions (constant).',
  category: 'graph',
  params: Type.Object({}),
  inputs: [],
  outputs: [
    { name: 'adj', doc: 'Â over users then items: sparse [users+items, users+items].' },
    { name: 'ui', doc: 'The user-item block of Â (R_norm): sparse [users, items].' },
    { name: 'iu', doc: 'The item-user block of Â (R_normᵀ): sparse [items, users].' },
  ],
  pure: true,
  shape: () => ({
    adj: sparse('users+items', 'users+items'),
    ui: sparse('users', 'items'),
    iu: sparse('items', 'users'),
  }),
  build: (_p, _in, ctx) => {
    // The same construction as ui_graph with norm: symmetric and no self-loops (shared helpers).
    const { users, items } = uniquePairs(ctx.data);
    const { adj, ui, iu } = bipartiteAdjacency(ctx.data.nUsers, ctx.data.nItems, users, items, 'symmetric', false);
    return { run: () => ({ adj, ui, iu }) };
  },
});
