import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hypergraphPropagate } from '../../src/ops/refine/hypergraph-propagate.js';
import { dense } from '../../src/ops/types.js';
import { Rng } from '../../src/util/rng.js';
import {
  assertClose,
  assertShapeError,
  buildOp,
  numericalGrad,
  randn64,
  runContext,
  runOp,
  shapeOf,
  t2,
  tf,
  useBackend,
} from './harness.js';

/** a [p, q] · b [q, r] in float64, with a optionally transposed ([q, p] stored). */
function mm(a: ArrayLike<number>, b: ArrayLike<number>, p: number, q: number, r: number, aT = false): Float64Array {
  const out = new Float64Array(p * r);
  for (let i = 0; i < p; i++)
    for (let k = 0; k < q; k++) {
      const av = aT ? a[k * p + i]! : a[i * q + k]!;
      for (let j = 0; j < r; j++) out[i * r + j]! += av * b[k * r + j]!;
    }
  return out;
}

/** LGMRec's HGNNLayer in float64: [users, items]. */
function reference(
  hi: Float64Array,
  hu: Float64Array,
  x: Float64Array,
  nI: number,
  nU: number,
  h: number,
  d: number,
  layers: number,
): [Float64Array, Float64Array] {
  let xi: Float64Array = x;
  let lat: Float64Array = new Float64Array(h * d);
  for (let l = 0; l < layers; l++) {
    lat = mm(hi, xi, h, nI, d, true);
    xi = mm(hi, lat, nI, h, d);
  }
  return [mm(hu, lat, nU, h, d), xi];
}

describe('hypergraph_propagate shape rule', () => {
  test('users and items rows of the input width', () => {
    const out = shapeOf(
      hypergraphPropagate,
      {},
      { item_assign: dense('items', 4), user_assign: dense('users', 4), in: dense('items', 64) },
    );
    assert.deepEqual(out.users, dense('users', 64));
    assert.deepEqual(out.items, dense('items', 64));
  });
  test('hyperedge counts and item rows must agree; layers >= 1', () => {
    assertShapeError(
      () =>
        shapeOf(
          hypergraphPropagate,
          {},
          { item_assign: dense('items', 4), user_assign: dense('users', 8), in: dense('items', 64) },
        ),
      { port: 'user_assign' },
    );
    assertShapeError(
      () =>
        shapeOf(
          hypergraphPropagate,
          {},
          { item_assign: dense('users', 4), user_assign: dense('users', 4), in: dense('items', 64) },
        ),
      { port: 'item_assign' },
    );
    assertShapeError(
      () =>
        shapeOf(
          hypergraphPropagate,
          { layers: 0 },
          { item_assign: dense('items', 4), user_assign: dense('users', 4), in: dense('items', 8) },
        ),
      { param: 'layers' },
    );
  });
});

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`hypergraph_propagate on ${backend}`, () => {
    for (const layers of [1, 2]) {
      test(`forward and gradients (assignments, in) match float64, ${layers} layer(s)`, async () => {
        await useBackend(backend);
        const [nI, nU, h, d] = [7, 5, 3, 4];
        const rng = new Rng(layers);
        const hi = randn64(rng, nI * h);
        const hu = randn64(rng, nU * h);
        const x = randn64(rng, nI * d);
        const ru = randn64(rng, nU * d);
        const ri = randn64(rng, nI * d);
        const op = buildOp(
          hypergraphPropagate,
          { layers },
          { item_assign: dense(nI, h), user_assign: dense(nU, h), in: dense(nI, d) },
        );
        const before = tf.memory().numTensors;
        const got = tf.tidy(() => {
          const ins = [t2(hi, nI, h), t2(hu, nU, h), t2(x, nI, d)];
          const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
            const o = op.kernel.run({ item_assign: a, user_assign: b, in: c }, runContext());
            return tf.add(
              tf.sum(tf.mul(o.users as tf.Tensor, t2(ru, nU, d))),
              tf.sum(tf.mul(o.items as tf.Tensor, t2(ri, nI, d))),
            ) as tf.Scalar;
          };
          const o = op.kernel.run({ item_assign: ins[0]!, user_assign: ins[1]!, in: ins[2]! }, runContext());
          return {
            u: (o.users as tf.Tensor).dataSync().slice(),
            i: (o.items as tf.Tensor).dataSync().slice(),
            g: tf
              .grads(f)(ins)
              .map((t) => t.dataSync().slice()),
          };
        });
        assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
        const [ur, ir] = reference(hi, hu, x, nI, nU, h, d, layers);
        assertClose(got.u, ur, 1e-4, 'users');
        assertClose(got.i, ir, 1e-4, 'items');
        const loss = (vs: Float64Array[]) => {
          const [u, i] = reference(vs[0]!, vs[1]!, vs[2]!, nI, nU, h, d, layers);
          return u.reduce((s, v, e) => s + v * ru[e]!, 0) + i.reduce((s, v, e) => s + v * ri[e]!, 0);
        };
        const num = numericalGrad(loss, [hi, hu, x]);
        ['item_assign', 'user_assign', 'in'].forEach((name, k) => assertClose(got.g[k]!, num[k]!, 1e-3, `d ${name}`));
        void runOp;
      });
    }
  });
}
