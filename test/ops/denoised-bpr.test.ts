import { test } from 'node:test';
import assert from 'node:assert/strict';
import { denoisedBpr } from '../../src/ops/loss/denoised-bpr.js';
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

test('denoised_bpr shape rule', () => {
  const ok = { user: dense('users', 4), item: dense('items', 4), views: [dense('items', 4), dense('items', 4)] };
  assert.deepEqual(shapeOf(denoisedBpr, {}, ok).loss, dense());
  assertShapeError(() => shapeOf(denoisedBpr, {}, { ...ok, views: [dense('items', 4)] }), { port: 'views' }, /two/);
  assertShapeError(() => shapeOf(denoisedBpr, {}, { ...ok, item: dense('items', 3) }), { port: 'item' });
});

for (const backend of ['wasm', 'cpu'] as const) {
  test(`denoised_bpr on ${backend}: weights from the views (no gradient), weighted BPR forward and gradients`, async () => {
    await useBackend(backend);
    const rng = new Rng(21);
    const nu = 4,
      ni = 7,
      d = 3;
    const users = [0, 1, 3, 3, 2],
      pos = [1, 2, 6, 0, 4],
      neg = [5, 3, 2, 1, 0];
    const U = randn64(rng, nu * d),
      I = randn64(rng, ni * d),
      V = [randn64(rng, ni * d), randn64(rng, ni * d), randn64(rng, ni * d)];
    const op = buildOp(
      denoisedBpr,
      {},
      { user: dense('users', d), item: dense('items', d), views: V.map(() => dense('items', d)) },
    );
    const batch = makeBatch(users, pos, neg);
    const ctx = runContext({ batch });
    const before = tf.memory().numTensors;
    const { loss, grads } = tf.tidy(() => {
      const vs = V.map((v) => t2(v, ni, d));
      const fn = (u: tf.Tensor, i: tf.Tensor) => runOp(op, { user: u, item: i, views: vs }, ctx, 'loss') as tf.Scalar;
      const xs = [t2(U, nu, d), t2(I, ni, d)];
      return {
        loss: fn(xs[0]!, xs[1]!).dataSync()[0]!,
        grads: tf
          .grads(fn)(xs)
          .map((g) => g.dataSync().slice()),
      };
    });
    assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
    const sig = (x: number) => 1 / (1 + Math.exp(-x));
    const clamp = (x: number) => Math.min(1, Math.max(0, x));
    const weights = (u: Float64Array) => {
      const judge = (i: number, r: number) =>
        V.map((v) => sig(M.dot(M.row(u, d, users[r]!), M.row(v, d, i)) / M.norm(M.row(v, d, i))));
      const P = pos.map((i, r) => judge(i, r));
      const N = neg.map((i, r) => judge(i, r));
      const nmean = N.flat().reduce((a, b) => a + b, 0) / N.flat().length;
      return P.map((p) => {
        const m = p.reduce((a, b) => a + b, 0) / p.length;
        const v = p.reduce((a, b) => a + (b - m) ** 2, 0) / (p.length - 1);
        return { wp: clamp(m * Math.exp(-v) ** 2), wn: m < nmean ? clamp(Math.max(...p) - nmean) : 0 };
      });
    };
    const w = weights(U); // held fixed: the reference takes .data
    const f = ([u, it]: Float64Array[]) =>
      -users.reduce((s, uu, r) => {
        const x = M.dot(M.row(u!, d, uu), M.row(it!, d, pos[r]!)) - M.dot(M.row(u!, d, uu), M.row(it!, d, neg[r]!));
        return s + Math.log(sig(x)) * w[r]!.wp + Math.log(sig(-x)) * w[r]!.wn;
      }, 0) / users.length;
    assertClose([loss], [f([U, I])], 1e-4, 'loss');
    const num = numericalGrad(f, [U, I]);
    assertClose(grads[0]!, num[0]!, 1e-3, 'grad user');
    assertClose(grads[1]!, num[1]!, 1e-3, 'grad item');
    disposeBatch(batch);
  });
}
