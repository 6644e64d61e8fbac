import { defineOp, sparse } from '../types.js';
import { CsrMatrix } from '../sparse.js';

/**
 * The user-item graph of the train interactions, normalised once: Â = D^-1/2 A D^-1/2 over the
 * (users + items) bipartite adjacency, as LightGCN and MMRec build it (degree + 1e-7, duplicates counted once).
 */
export const interactionGraph = defineOp<Record<string, never>>({
  name: 'interaction_graph',
  doc: 'Symmetrically normalised user-item adjacency of the train interactions (constant).',
  category: 'graph',
  params: { type: 'object', properties: {} },
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
    const { nUsers, nItems, trainPairs } = ctx.data;
    const seen = new Set<number>();
    const us: number[] = [];
    const is: number[] = [];
    for (let k = 0; k < trainPairs.users.length; k++) {
      const key = trainPairs.users[k]! * nItems + trainPairs.items[k]!;
      if (seen.has(key)) continue;
      seen.add(key);
      us.push(trainPairs.users[k]!);
      is.push(trainPairs.items[k]!);
    }
    const du = new Float64Array(nUsers);
    const di = new Float64Array(nItems);
    for (let k = 0; k < us.length; k++) {
      du[us[k]!]! += 1;
      di[is[k]!]! += 1;
    }
    const su = du.map((x) => Math.pow(x + 1e-7, -0.5));
    const si = di.map((x) => Math.pow(x + 1e-7, -0.5));
    const n = us.length;
    const r = new Int32Array(2 * n);
    const c = new Int32Array(2 * n);
    const v = new Float32Array(2 * n);
    const ur = new Int32Array(n);
    const uc = new Int32Array(n);
    const uv = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      const u = us[k]!;
      const i = is[k]!;
      const w = su[u]! * si[i]!;
      r[k] = u;
      c[k] = nUsers + i;
      v[k] = w;
      r[n + k] = nUsers + i;
      c[n + k] = u;
      v[n + k] = w;
      ur[k] = u;
      uc[k] = i;
      uv[k] = w;
    }
    const adj = CsrMatrix.fromCoo(nUsers + nItems, nUsers + nItems, r, c, v).markSymmetric();
    const ui = CsrMatrix.fromCoo(nUsers, nItems, ur, uc, uv);
    const iu = ui.transpose();
    return { run: () => ({ adj, ui, iu }) };
  },
});
