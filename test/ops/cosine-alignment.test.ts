import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cosineAlignment } from '../../src/ops/loss/cosine-alignment.js';
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

describe('cosine_alignment shape rule', () => {
  test('users vs positive items give a scalar', () => {
    assert.deepEqual(shapeOf(cosineAlignment, {}, { a: dense('users', 8), b: dense('items', 8) }).loss, dense());
  });
  test('rows_a: pos needs an item table on a', () => {
    assertShapeError(
      () => shapeOf(cosineAlignment, { rows_a: 'pos' }, { a: dense('users', 8), b: dense('items', 8) }),
      { port: 'a' },
    );
  });
  test('widths differ -> b', () => {
    assertShapeError(
      () => shapeOf(cosineAlignment, {}, { a: dense('users', 8), b: dense('items', 4) }),
      { port: 'b' },
      /widths/,
    );
  });
});

for (const backend of ['wasm', 'cpu'] as const) {
  test(`cosine_alignment on ${backend}: forward and gradients match float64 finite differences`, async () => {
    await useBackend(backend);
    const rng = new Rng(5);
    const nu = 4,
      ni = 6,
      d = 3;
    const users = [0, 2, 2, 3],
      pos = [1, 5, 1, 0];
    const U = randn64(rng, nu * d),
      I = randn64(rng, ni * d);
    const op = buildOp(
      cosineAlignment,
      { rows_a: 'users', rows_b: 'pos' },
      { a: dense('users', d), b: dense('items', d) },
    );
    const batch = makeBatch(users, pos, [0, 0, 0, 0]);
    const ctx = runContext({ batch });
    const before = tf.memory().numTensors;
    const { loss, grads } = tf.tidy(() => {
      const fn = (a: tf.Tensor, b: tf.Tensor) => runOp(op, { a, b }, ctx, 'loss') as tf.Scalar;
      const xs = [t2(U, nu, d), t2(I, ni, d)];
      return {
        loss: fn(xs[0]!, xs[1]!).dataSync()[0]!,
        grads: tf
          .grads(fn)(xs)
          .map((g) => g.dataSync().slice()),
      };
    });
    assert.equal(tf.memory().numTensors, before);
    const ref = ([u, i]: Float64Array[]) =>
      1 - users.reduce((s, uu, r) => s + M.cos(M.row(u!, d, uu), M.row(i!, d, pos[r]!)), 0) / users.length;
    assertClose([loss], [ref([U, I])], 1e-5, 'loss');
    const num = numericalGrad(ref, [U, I]);
    assertClose(grads[0]!, num[0]!, 1e-4, 'grad a');
    assertClose(grads[1]!, num[1]!, 1e-4, 'grad b');
    disposeBatch(batch);
  });
}
