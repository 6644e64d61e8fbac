/**
 * ui_graph: the user-item graph of the train interactions with a chosen normalisation, for the baselines whose
 * reference code does not use LightGCN's D^-1/2 A D^-1/2 (interaction_graph):
 *  - LATTICE (MMRec lattice.py get_adj_mat): D^-1 (A + I), row-normalised with self-loops (`norm: row, self_loops:
 *  true`);
 *  - LGMRec (lgmrec.py): users as the mean of their items' features, D_u^-1 R (`norm: row`, the `ui` block), and
 *    hyperedge logits summed over a user's items, R itself (`norm: none`, the `ui` block).
 * A is the bipartite (users + items) adjacency with each train pair counted once (MMRec builds it from a dict of
 * pairs); degrees are row sums of A (+ I). 'symmetric' adds 1e-7 to the degree as MMRec does; 'row' gives rows
 * without entries a zero factor (scipy's inf -> 0).
 */
import { Type } from '@sinclair/typebox';
import { Defaulted, defineOp, ShapeError, sparse, StringEnum } from '../types.js';
import { CsrMatrix } from '../sparse.js';
import type { DataAccess } from '../types.js';

export type UserItemNorm = 'symmetric' | 'row' | 'none';

/** The train pairs with duplicates removed, in first-seen order. */
export function uniquePairs(data: DataAccess): { users: Int32Array; items: Int32Array } {
  const { nItems, trainPairs } = data;
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
  return { users: Int32Array.from(us), items: Int32Array.from(is) };
}

/**
 * The (users + items) adjacency over the given pairs, normalised. Returns the full matrix and its two
 * off-diagonal blocks (user rows x item columns and the reverse), which exclude the self-loops.
 */
export function bipartiteAdjacency(
  nUsers: number,
  nItems: number,
  users: Int32Array,
  items: Int32Array,
  norm: UserItemNorm,
  selfLoops: boolean,
): { adj: CsrMatrix; ui: CsrMatrix; iu: CsrMatrix } {
  const N = nUsers + nItems;
  const deg = new Float64Array(N).fill(selfLoops ? 1 : 0);
  const n = users.length;
  for (let k = 0; k < n; k++) {
    deg[users[k]!]! += 1;
    deg[nUsers + items[k]!]! += 1;
  }
  const left = new Float64Array(N);
  const right = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    if (norm === 'symmetric') left[i] = right[i] = Math.pow(deg[i]! + 1e-7, -0.5);
    else if (norm === 'row') {
      left[i] = deg[i]! > 0 ? 1 / deg[i]! : 0;
      right[i] = 1;
    } else left[i] = right[i] = 1;
  }
  const extra = selfLoops ? N : 0;
  const r = new Int32Array(2 * n + extra);
  const c = new Int32Array(2 * n + extra);
  const v = new Float32Array(2 * n + extra);
  const ur = new Int32Array(n);
  const uc = new Int32Array(n);
  const uv = new Float32Array(n);
  const ir = new Int32Array(n);
  const ic = new Int32Array(n);
  const iv = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const u = users[k]!;
    const it = nUsers + items[k]!;
    r[k] = u;
    c[k] = it;
    v[k] = left[u]! * right[it]!;
    r[n + k] = it;
    c[n + k] = u;
    v[n + k] = left[it]! * right[u]!;
    ur[k] = u;
    uc[k] = items[k]!;
    uv[k] = v[k]!;
    ir[k] = items[k]!;
    ic[k] = u;
    iv[k] = v[n + k]!;
  }
  for (let i = 0; i < extra; i++) {
    r[2 * n + i] = i;
    c[2 * n + i] = i;
    v[2 * n + i] = left[i]! * right[i]!;
  }
  const adj = CsrMatrix.fromCoo(N, N, r, c, v);
  if (norm !== 'row') adj.markSymmetric();
  return { adj, ui: CsrMatrix.fromCoo(nUsers, nItems, ur, uc, uv), iu: CsrMatrix.fromCoo(nItems, nUsers, ir, ic, iv) };
}

export const userItemGraph = defineOp({
  name: 'ui_graph',
  doc: 'User-item adjacency of the train interactions with a chosen normalisation (symmetric, row, none) and optional self-loops.',
  category: 'graph',
  params: Type.Object({
    norm: Defaulted(
      StringEnum(['symmetric', 'row', 'none'], {
        default: 'symmetric',
        description:
          "'symmetric': D^-1/2 A D^-1/2 (D + 1e-7); 'row': D^-1 A (LATTICE; LGMRec's mean over a user's items); 'none': A (0/1).",
        examples: ['row'],
      }),
    ),
    self_loops: Defaulted(
      Type.Boolean({
        default: false,
        description:
          'Add the identity before normalising, A + I (LATTICE). The ui / iu blocks never hold the self-loops.',
        examples: [true],
      }),
    ),
  }),
  inputs: [],
  outputs: [
    { name: 'adj', doc: 'The normalised adjacency over users then items: sparse [users+items, users+items].' },
    { name: 'ui', doc: 'Its user-item block: sparse [users, items].' },
    { name: 'iu', doc: 'Its item-user block: sparse [items, users].' },
  ],
  pure: true,
  shape: (p) => {
    if (!['symmetric', 'row', 'none'].includes(p.norm))
      throw new ShapeError(`'norm' must be symmetric, row or none, got ${String(p.norm)}`, { param: 'norm' });
    return { adj: sparse('users+items', 'users+items'), ui: sparse('users', 'items'), iu: sparse('items', 'users') };
  },
  build: (p, _in, ctx) => {
    const { users, items } = uniquePairs(ctx.data);
    const g = bipartiteAdjacency(ctx.data.nUsers, ctx.data.nItems, users, items, p.norm, p.self_loops);
    return { run: () => ({ adj: g.adj, ui: g.ui, iu: g.iu }) };
  },
});
