import { test } from 'node:test';
import assert from 'node:assert/strict';
import { softmax } from '../../src/ops/combine/softmax.js';
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

const ref = (x: Float64Array, n: number, d: number) => {
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const row = x.subarray(i * d, (i + 1) * d);
    const m = Math.max(...row);
    const s = row.reduce((acc, v) => acc + Math.exp(v - m), 0);
    for (let j = 0; j < d; j++) out[i * d + j] = Math.exp(row[j]! - m) / s;
  }
  return out;
};

test('softmax shape rule: same shape, rank 2', () => {
  assert.deepEqual(shapeOf(softmax, {}, { in: dense('users+items', 64) }).out, dense('users+items', 64));
  assertShapeError(() => shapeOf(softmax, {}, { in: dense('items') }), { port: 'in' });
});

for (const backend of ['wasm', 'cpu'] as const) {
  test(`softmax on ${backend}: rows over the feature axis, gradient matches finite differences`, async () => {
    await useBackend(backend);
    const [n, d] = [5, 6];
    const x = randn64(new Rng(1), n * d);
    const r = randn64(new Rng(2), n * d);
    const op = buildOp(softmax, {}, { in: dense(n, d) });
    const got = tf.tidy(() => {
      const X = t2(x, n, d);
      const f = (xx: tf.Tensor) => tf.sum(tf.mul(runOp(op, { in: xx }, runContext()) as tf.Tensor, t2(r, n, d)));
      return {
        y: (runOp(op, { in: X }, runContext()) as tf.Tensor).dataSync().slice(),
        g: tf.grad(f)(X).dataSync().slice(),
      };
    });
    assertClose(got.y, ref(x, n, d), 1e-5, 'forward');
    assertClose(
      got.g,
      numericalGrad(([xx]) => ref(xx!, n, d).reduce((s, v, e) => s + v * r[e]!, 0), [x])[0]!,
      1e-3,
      'gradient',
    );
  });
}
