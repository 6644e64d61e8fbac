import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { infonce, matMulABt } from '../../src/ops/loss/infonce.js';
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

describe('infonce shape rule', () => {
  const ok = { anchor: dense('items', 64), views: [dense('items', 64), dense('items', 64)] };
  test('anchor and two views of one shape give a scalar', () => {
    assert.deepEqual(shapeOf(infonce, { stop_grad_anchor: [false, true] }, ok).loss, dense());
  });
  test('rows: users with an item anchor names the anchor port', () => {
    assertShapeError(() => shapeOf(infonce, { rows: 'users' }, ok), { port: 'anchor' }, /per user/);
  });
  test('a view of another shape names the views port', () => {
    assertShapeError(() => shapeOf(infonce, {}, { anchor: dense('items', 64), views: [dense('items', 32)] }), {
      port: 'views',
    });
  });
  test('stop_grad_anchor of the wrong length names the param', () => {
    assertShapeError(() => shapeOf(infonce, { stop_grad_anchor: [true] }, ok), { param: 'stop_grad_anchor' });
  });
  test('no views names the views port', () => {
    assertShapeError(() => shapeOf(infonce, {}, { anchor: dense('items', 64), views: [] }), { port: 'views' });
  });
});

/** float64 InfoNCE exactly as the reference code: normalise, exp(cos/τ) over the row sum, −log, mean. */
function infoNceRef(a: Float64Array, b: Float64Array, d: number, idx: number[], tau: number): number {
  const ar = idx.map((i) => M.row(a, d, i));
  const br = idx.map((i) => M.row(b, d, i));
  let s = 0;
  for (let i = 0; i < idx.length; i++) {
    const logits = br.map((bj) => M.cos(ar[i]!, bj) / tau);
    const m = Math.max(...logits);
    const lse = m + Math.log(logits.reduce((p, l) => p + Math.exp(l - m), 0));
    s += lse - logits[i]!;
  }
  return s / idx.length;
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`infonce on ${backend}`, () => {
    const n = 7;
    const d = 4;
    const pos = [3, 0, 3, 5, 6]; // a duplicate row, kept as the reference codes keep it
    for (const tau of [0.3, 0.005]) {
      test(`forward and gradients match float64 finite differences (τ ${tau}, second term's anchor detached)`, async () => {
        await useBackend(backend);
        const rng = new Rng(Math.round(1 / tau));
        const A = randn64(rng, n * d);
        const V1 = randn64(rng, n * d);
        const V2 = randn64(rng, n * d);
        const op = buildOp(
          infonce,
          { tau, stop_grad_anchor: [false, true] },
          { anchor: dense('items', d), views: [dense('items', d), dense('items', d)] },
        );
        const batch = makeBatch([0, 1, 2, 3, 4], pos, [1, 1, 1, 1, 1]);
        const ctx = runContext({ batch });
        const before = tf.memory().numTensors;
        const { loss, grads } = tf.tidy(() => {
          const xs = [A, V1, V2].map((v) => t2(v, n, d));
          const f = (a: tf.Tensor, v1: tf.Tensor, v2: tf.Tensor) =>
            runOp(op, { anchor: a, views: [v1, v2] }, ctx, 'loss') as tf.Scalar;
          const loss = f(xs[0]!, xs[1]!, xs[2]!).dataSync()[0]!;
          const grads = tf
            .grads(f)(xs)
            .map((g) => g.dataSync().slice());
          return { loss, grads };
        });
        assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
        const ref = (a: Float64Array, aDet: Float64Array, v1: Float64Array, v2: Float64Array) =>
          infoNceRef(a, v1, d, pos, tau) + infoNceRef(aDet, v2, d, pos, tau);
        assert.ok(Number.isFinite(loss));
        assertClose([loss], [ref(A, A, V1, V2)], 1e-4, 'loss');
        // The detached copy of the anchor is held fixed: the anchor's gradient comes from the first term only.
        const aDet = Float64Array.from(A);
        const num = numericalGrad(([a, v1, v2]) => ref(a!, aDet, v1!, v2!), [A, V1, V2], tau < 0.01 ? 1e-7 : 1e-5);
        const tol = tau < 0.01 ? 2e-3 : 1e-4; // gradients scale with 1/τ = 200
        grads.forEach((g, i) => assertClose(g, num[i]!, tol, `grad ${['anchor', 'view1', 'view2'][i]}`));
        // Rows outside the batch get no gradient.
        for (const r of [1, 2, 4])
          assert.ok(
            grads[0]!.subarray(r * d, (r + 1) * d).every((v) => v === 0),
            `row ${r}`,
          );
        disposeBatch(batch);
      });
    }

    test("rows: 'users' reads the batch's users", async () => {
      await useBackend(backend);
      const rng = new Rng(77);
      const U = randn64(rng, 5 * d);
      const W = randn64(rng, 5 * d);
      const users = [4, 1, 2];
      const op = buildOp(
        infonce,
        { rows: 'users', tau: 0.2 },
        { anchor: dense('users', d), views: [dense('users', d)] },
      );
      const batch = makeBatch(users, [0, 1, 2], [3, 3, 3]);
      const loss = tf.tidy(
        () =>
          (
            runOp(op, { anchor: t2(U, 5, d), views: [t2(W, 5, d)] }, runContext({ batch }), 'loss') as tf.Tensor
          ).dataSync()[0]!,
      );
      assertClose([loss], [infoNceRef(U, W, d, users, 0.2)], 1e-5, 'loss');
      disposeBatch(batch);
    });

    test('matMulABt: a·bᵀ and both gradients match the built-in matMul on the same backend', async () => {
      await useBackend(backend);
      const rng = new Rng(5);
      const a = t2(randn64(rng, 12), 3, 4);
      const b = t2(randn64(rng, 20), 5, 4);
      const w = t2(randn64(rng, 15), 3, 5);
      const [ours, ref] = tf.tidy(() => {
        const f1 = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(matMulABt(x as tf.Tensor2D, y as tf.Tensor2D), w));
        const f2 = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, false, true), w));
        return [tf.grads(f1)([a, b]), tf.grads(f2)([a, b])].map((gs) => gs.map((g) => g.dataSync().slice()));
      });
      ours!.forEach((g, i) => assertClose(g, ref![i]!, 1e-5, `grad ${i}`));
      const same = tf.tidy(() =>
        tf
          .grad((x: tf.Tensor) => tf.sum(tf.mul(matMulABt(x as tf.Tensor2D, x as tf.Tensor2D), tf.ones([3, 3]))))(a)
          .dataSync()
          .slice(),
      );
      // d/da Σ (a aᵀ) = 2 · 1·a (both operands are a)
      const colSum = tf.tidy(() =>
        tf
          .mul(tf.sum(a, 0, true), 2)
          .tile([3, 1])
          .dataSync()
          .slice(),
      );
      assertClose(same, colSum, 1e-5, 'a·aᵀ');
      [a, b, w].forEach((t) => t.dispose());
    });
  });
}
