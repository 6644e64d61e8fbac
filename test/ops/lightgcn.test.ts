import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lightgcn } from '../../src/ops/encoder/lightgcn.js';
import { interactionGraph } from '../../src/ops/graph/interaction-graph.js';
import { dense, sparse } from '../../src/ops/types.js';
import { Rng } from '../../src/util/rng.js';
import { denseBipartite, tinyData } from './graph-data.js';
import {
  assertClose,
  assertShapeError,
  buildOp,
  randn64,
  runContext,
  runSparse,
  shapeOf,
  tf,
  useBackend,
  t2,
} from './harness.js';

describe('lightgcn shape rule', () => {
  test('users, items and both ego tables at dim', () => {
    assert.deepEqual(shapeOf(lightgcn, { dim: 8, layers: 2 }, { graph: sparse('users+items', 'users+items') }), {
      users: dense('users', 8),
      items: dense('items', 8),
      user_ego: dense('users', 8),
      item_ego: dense('items', 8),
    });
  });
  test('a graph that is not the user-item adjacency names the graph port', () => {
    assertShapeError(() => shapeOf(lightgcn, { dim: 8 }, { graph: sparse('items', 'items') }), { port: 'graph' });
    assertShapeError(() => shapeOf(lightgcn, { dim: 8 }, { graph: dense('users+items', 'users+items') }), {
      port: 'graph',
    });
  });
});

/** D^-1/2 A D^-1/2 in float64 over the unique pairs, with MMRec's 1e-7 on the degrees. */
function normalised(a: Float64Array, n: number): Float64Array {
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let deg = 0;
    for (let j = 0; j < n; j++) deg += a[i * n + j]!;
    s[i] = 1 / Math.sqrt(deg + 1e-7);
  }
  return a.map((v, e) => v * s[Math.floor(e / n)]! * s[e % n]!);
}

/** The mean of E, ÂE, ..., Â^L E (float64), E of [n, d]. */
function layerMean(adj: Float64Array, n: number, e0: Float64Array, d: number, layers: number): Float64Array {
  let cur = e0;
  const acc = Float64Array.from(e0);
  for (let l = 0; l < layers; l++) {
    const next = new Float64Array(n * d);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const w = adj[i * n + j]!;
        if (w !== 0) for (let c = 0; c < d; c++) next[i * d + c]! += w * cur[j * d + c]!;
      }
    cur = next;
    for (let k = 0; k < acc.length; k++) acc[k]! += next[k]!;
  }
  return acc.map((v) => v / (layers + 1));
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`lightgcn on ${backend}`, () => {
    for (const layers of [0, 1, 3]) {
      test(`${layers} layer(s): propagation and gradients match a dense float64 computation on a tiny graph`, async () => {
        await useBackend(backend);
        const data = tinyData();
        const [nU, nI, d] = [data.nUsers, data.nItems, 3];
        const n = nU + nI;
        const graph = runSparse(buildOp(interactionGraph, {}, {}, { data }), {}, runContext(), 'adj');
        const adj = normalised(denseBipartite(data), n);
        const op = buildOp(
          lightgcn,
          { dim: d, layers },
          { graph: sparse('users+items', 'users+items') },
          { sizes: { users: nU, items: nI }, seed: layers + 1 },
        );
        const user = op.variables.get('user_emb')!;
        const item = op.variables.get('item_emb')!;
        assert.deepEqual(
          [user.shape, item.shape],
          [
            [nU, d],
            [nI, d],
          ],
        );
        const e0 = Float64Array.from([...user.dataSync(), ...item.dataSync()]);
        const r = randn64(new Rng(layers + 10), n * d);
        const before = tf.memory().numTensors;
        const got = tf.tidy(() => {
          const out = op.kernel.run({ graph }, runContext());
          const R = t2(r, n, d);
          // Σ R ⊙ [users; items]: its gradient with respect to E0 is (1/(L+1)) Σ_k (Âᵀ)^k R.
          const { grads } = tf.variableGrads(() => {
            const o = op.kernel.run({ graph }, runContext());
            return tf.sum(tf.mul(tf.concat([o.users as tf.Tensor, o.items as tf.Tensor], 0), R)) as tf.Scalar;
          }, [user, item]);
          return {
            users: (out.users as tf.Tensor).dataSync().slice(),
            items: (out.items as tf.Tensor).dataSync().slice(),
            userEgo: out.user_ego === user,
            itemEgo: out.item_ego === item,
            grad: [...grads[user.name]!.dataSync(), ...grads[item.name]!.dataSync()],
          };
        });
        assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
        const want = layerMean(adj, n, e0, d, layers);
        assertClose(got.users, want.subarray(0, nU * d), 1e-5, 'users');
        assertClose(got.items, want.subarray(nU * d), 1e-5, 'items');
        assert.ok(got.userEgo && got.itemEgo, 'the ego outputs are the tables themselves');
        const adjT = adj.map((_, e) => adj[(e % n) * n + Math.floor(e / n)]!);
        assertClose(got.grad, layerMean(adjT, n, r, d, layers), 1e-5, 'gradient');
        // The isolated user 3 keeps only its own row, shrunk by the mean over the layers.
        assertClose(
          got.users.slice(3 * d, 4 * d),
          Array.from(e0.subarray(3 * d, 4 * d), (v) => v / (layers + 1)),
          1e-6,
          'isolated user',
        );
        op.variables.forEach((v) => v.dispose());
      });
    }
  });
}
