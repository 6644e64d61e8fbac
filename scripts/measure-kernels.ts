/**
 * Times the wasm hot paths at Baby/LightGCN scale (not a test): spmm forward + backward over the symmetric
 * normalised user-item adjacency, gatherRows forward + backward for a 2048 batch, and full-ranking evaluation.
 *   npx tsx scripts/measure-kernels.ts [--backend wasm|cpu] [--reps N]
 * Prints medians in ms.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { evaluateFullRanking } from '../src/engine/evaluator.js';
import { gatherRows, spmm } from '../src/ops/kernels/index.js';
import { CsrMatrix } from '../src/ops/sparse.js';
import { Rng } from '../src/util/rng.js';
import type { UserItems } from '../src/data/types.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const backend = arg('backend', 'wasm');
const reps = Number(arg('reps', '7'));
tf.enableProdMode();
if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} unavailable`);
await tf.ready();

const N_USERS = 19_445;
const N_ITEMS = 7_050;
const N_EDGES = 237_000;
const D = 64;
const rng = new Rng(2024);

function median(f: () => void, n = reps): number {
  f(); // warm-up
  const ts: number[] = [];
  for (let r = 0; r < n; r++) {
    const t0 = performance.now();
    f();
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  return ts[ts.length >> 1]!;
}

// Random bipartite train graph: every user gets one item, the rest uniformly; duplicates dropped.
const seen = new Set<number>();
const eu: number[] = [];
const ei: number[] = [];
const addEdge = (u: number, i: number) => {
  const key = u * N_ITEMS + i;
  if (seen.has(key)) return;
  seen.add(key);
  eu.push(u);
  ei.push(i);
};
for (let u = 0; u < N_USERS; u++) addEdge(u, rng.int(N_ITEMS));
while (eu.length < N_EDGES) addEdge(rng.int(N_USERS), rng.int(N_ITEMS));

// Symmetric normalised adjacency D^-1/2 [[0, R], [Rᵀ, 0]] D^-1/2 over users then items.
const nNodes = N_USERS + N_ITEMS;
const deg = new Float64Array(nNodes);
for (let e = 0; e < eu.length; e++) {
  deg[eu[e]!]!++;
  deg[N_USERS + ei[e]!]!++;
}
const r: number[] = [];
const c: number[] = [];
const v: number[] = [];
for (let e = 0; e < eu.length; e++) {
  const a = eu[e]!;
  const b = N_USERS + ei[e]!;
  const w = 1 / Math.sqrt(deg[a]! * deg[b]!);
  r.push(a, b);
  c.push(b, a);
  v.push(w, w);
}
const adj = CsrMatrix.fromCoo(nNodes, nNodes, r, c, v).markSymmetric();

const results: Record<string, string> = {};
const x = tf.variable(tf.randomNormal([nNodes, D]) as tf.Tensor2D);
// Nothing is returned out of tf.tidy: returning a large TypedArray from it walks every element.
results['spmm forward'] = median(() => {
  tf.tidy(() => {
    spmm(adj, x).dataSync();
  });
}).toFixed(1);
results['spmm forward+backward'] = median(() =>
  tf.tidy(() => {
    const { grads, value } = tf.variableGrads(() => tf.sum(spmm(adj, x)) as tf.Scalar, [x]);
    grads[x.name]!.dataSync();
    value.dispose();
  }),
).toFixed(1);
results['LightGCN 2 layers + mean, forward+backward'] = median(() =>
  tf.tidy(() => {
    const { grads } = tf.variableGrads(() => {
      const h1 = spmm(adj, x);
      const h2 = spmm(adj, h1);
      return tf.sum(tf.addN([x, h1, h2]).div(3)) as tf.Scalar;
    }, [x]);
    grads[x.name]!.dataSync();
  }),
).toFixed(1);

const batch = Int32Array.from({ length: 2048 }, () => rng.int(nNodes));
const idx = tf.tensor1d(batch, 'int32');
results['gatherRows 2048 of 26,495 x 64, forward+backward'] = median(() =>
  tf.tidy(() => {
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(gatherRows(x, idx, batch))) as tf.Scalar, [x]);
    grads[x.name]!.dataSync();
  }),
).toFixed(1);

// Evaluation: train = the graph's edges, truth = two random non-train items per user.
const byUser: number[][] = Array.from({ length: N_USERS }, () => []);
for (let e = 0; e < eu.length; e++) byUser[eu[e]!]!.push(ei[e]!);
const toUserItems = (lists: number[][]): UserItems => {
  const indptr = new Int32Array(lists.length + 1);
  const out: number[] = [];
  lists.forEach((l, u) => {
    out.push(...l.sort((a, b) => a - b));
    indptr[u + 1] = out.length;
  });
  return { indptr, indices: Int32Array.from(out) };
};
const train = toUserItems(byUser);
const truth = toUserItems(
  byUser.map((l) => {
    const s = new Set<number>();
    while (s.size < 2) {
      const i = rng.int(N_ITEMS);
      if (!l.includes(i)) s.add(i);
    }
    return [...s];
  }),
);
const users = tf.randomNormal([N_USERS, D]) as tf.Tensor2D;
const items = tf.randomNormal([N_ITEMS, D]) as tf.Tensor2D;
const before = tf.memory().numTensors;
for (const batchUsers of [2048, 4096, 8192]) {
  for (const mask of ['scatter', 'dense'] as const) {
    results[`evaluateFullRanking ${N_USERS} x ${N_ITEMS}, batchUsers ${batchUsers}, ${mask} mask`] = median(
      () =>
        evaluateFullRanking({
          users,
          items,
          train,
          truth,
          ks: [5, 10, 20, 50],
          metrics: ['recall', 'ndcg', 'precision', 'map'],
          batchUsers,
          mask,
        }),
      3,
    ).toFixed(0);
  }
}
if (tf.memory().numTensors !== before) throw new Error('evaluator leaked tensors');

console.log(
  `backend ${tf.getBackend()}, graph ${nNodes} nodes, ${eu.length} edges (nnz ${adj.nnz}), d ${D}; medians in ms`,
);
for (const [k, t] of Object.entries(results)) console.log(`${k.padEnd(72)} ${t.padStart(8)}`);
