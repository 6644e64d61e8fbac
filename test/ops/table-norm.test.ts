import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tableNorm } from '../../src/ops/loss/table-norm.js';
import { dense, sparse } from '../../src/ops/types.js';
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

test('table_norm shape rule: tables in, scalar out; a sparse input names the port', () => {
  assert.deepEqual(shapeOf(tableNorm, {}, { in: [dense('users', 4), dense('items', 4)] }).loss, dense());
  assertShapeError(() => shapeOf(tableNorm, {}, { in: [sparse('items', 'items')] }), { port: 'in' });
  assertShapeError(() => shapeOf(tableNorm, {}, { in: [] }), { port: 'in' });
});

for (const backend of ['wasm', 'cpu'] as const) {
  test(`table_norm on ${backend}: (‖U‖ + ‖I‖) / rows(I) and its gradient`, async () => {
    await useBackend(backend);
    const rng = new Rng(2);
    const U = randn64(rng, 5 * 3),
      I = randn64(rng, 7 * 3);
    const op = buildOp(tableNorm, {}, { in: [dense('users', 3), dense('items', 3)] });
    const ctx = runContext({});
    const { loss, grads } = tf.tidy(() => {
      const fn = (a: tf.Tensor, b: tf.Tensor) => runOp(op, { in: [a, b] }, ctx, 'loss') as tf.Scalar;
      const xs = [t2(U, 5, 3), t2(I, 7, 3)];
      return {
        loss: fn(xs[0]!, xs[1]!).dataSync()[0]!,
        grads: tf
          .grads(fn)(xs)
          .map((g) => g.dataSync().slice()),
      };
    });
    const norm = (x: Float64Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0));
    const ref = ([u, i]: Float64Array[]) => (norm(u!) + norm(i!)) / 7;
    assertClose([loss], [ref([U, I])], 1e-5, 'loss');
    const num = numericalGrad(ref, [U, I]);
    assertClose(grads[0]!, num[0]!, 1e-4, 'grad U');
    assertClose(grads[1]!, num[1]!, 1e-4, 'grad I');
  });
}
