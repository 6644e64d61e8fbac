import { test } from 'node:test';
import assert from 'node:assert/strict';
import { preferenceKl } from '../../src/ops/loss/preference-kl.js';
import { dense } from '../../src/ops/types.js';
import { Rng } from '../../src/util/rng.js';
import {
  assertClose,
  assertShapeError,
  buildOp,
  disposeBatch,
  makeBatch,
  M,
  numericalGrad,
  randn64,
  runContext,
  runOp,
  shapeOf,
  t2,
  tf,
  useBackend,
} from './harness.js';

test('preference_kl shape rule', () => {
  const ok = { user: dense('users', 4), item_a: dense('items', 4), item_b: dense('items', 4) };
  assert.deepEqual(shapeOf(preferenceKl, {}, ok).loss, dense());
  assertShapeError(() => shapeOf(preferenceKl, {}, { ...ok, item_b: dense('items', 3) }), { port: 'item_b' });
  assertShapeError(() => shapeOf(preferenceKl, {}, { ...ok, user: dense('items', 4) }), { port: 'user' });
});

for (const backend of ['wasm', 'cpu'] as const) {
  test(`preference_kl on ${backend}: equals the reference's KL(p_a‖p_b) + KL(p_b‖p_a) with logs; gradients`, async () => {
    await useBackend(backend);
    const rng = new Rng(8);
    const nu = 4,
      ni = 6,
      d = 3;
    const users = [0, 2, 2],
      pos = [1, 5, 1],
      neg = [3, 1, 0];
    const X = [randn64(rng, nu * d), randn64(rng, ni * d), randn64(rng, ni * d)];
    const op = buildOp(
      preferenceKl,
      {},
      { user: dense('users', d), item_a: dense('items', d), item_b: dense('items', d) },
    );
    const batch = makeBatch(users, pos, neg);
    const ctx = runContext({ batch });
    const { loss, grads } = tf.tidy(() => {
      const fn = (u: tf.Tensor, a: tf.Tensor, b: tf.Tensor) =>
        runOp(op, { user: u, item_a: a, item_b: b }, ctx, 'loss') as tf.Scalar;
      const xs = [t2(X[0]!, nu, d), t2(X[1]!, ni, d), t2(X[2]!, ni, d)];
      return {
        loss: fn(xs[0]!, xs[1]!, xs[2]!).dataSync()[0]!,
        grads: tf
          .grads(fn)(xs)
          .map((g) => g.dataSync().slice()),
      };
    });
    const U = [0, 2],
      I = [1, 5, 3, 0];
    const kl = (p1: number, p2: number) =>
      p1 * Math.log(p1) - p1 * Math.log(p2) + (1 - p1) * Math.log(1 - p1) - (1 - p1) * Math.log(1 - p2);
    const f = ([u, a, b]: Float64Array[]) => {
      let s = 0;
      for (const uu of U)
        for (const i of I) {
          const uv = M.row(u!, d, uu);
          const sig = (x: number) => 1 / (1 + Math.exp(-x));
          const na = M.row(a!, d, i),
            nb = M.row(b!, d, i);
          const pa = sig(M.dot(uv, na) / M.norm(na)),
            pb = sig(M.dot(uv, nb) / M.norm(nb));
          s += kl(pa, pb) + kl(pb, pa);
        }
      return s / (U.length * I.length);
    };
    assertClose([loss], [f(X)], 1e-4, 'loss');
    const num = numericalGrad(f, X);
    grads.forEach((g, k) => assertClose(g, num[k]!, 1e-3, `grad ${k}`));
    disposeBatch(batch);
  });
}
