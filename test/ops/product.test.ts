import { test } from 'node:test';
import assert from 'node:assert/strict';
import { product } from '../../src/ops/combine/product.js';
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

test('product shape rule: same shapes, at least two inputs', () => {
  assert.deepEqual(
    shapeOf(product, {}, { in: [dense('items', 64), dense('items', 64), dense('items', 64)] }).out,
    dense('items', 64),
  );
  assertShapeError(() => shapeOf(product, {}, { in: [dense('items', 64), dense('users', 64)] }), { port: 'in' });
  assertShapeError(() => shapeOf(product, {}, { in: [dense('items', 64)] }), { port: 'in' });
});

for (const backend of ['wasm', 'cpu'] as const) {
  test(`product on ${backend}: element-wise, gradients match finite differences`, async () => {
    await useBackend(backend);
    const [n, d] = [4, 3];
    const rng = new Rng(1);
    const xs = [randn64(rng, n * d), randn64(rng, n * d), randn64(rng, n * d)];
    const r = randn64(rng, n * d);
    const op = buildOp(product, {}, { in: xs.map(() => dense(n, d)) });
    const ref = (vs: Float64Array[]) => vs[0]!.map((v, e) => v * vs[1]![e]! * vs[2]![e]!);
    const got = tf.tidy(() => {
      const X = xs.map((x) => t2(x, n, d));
      const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        tf.sum(tf.mul(runOp(op, { in: [a, b, c] }, runContext()) as tf.Tensor, t2(r, n, d))) as tf.Scalar;
      return {
        y: (runOp(op, { in: X }, runContext()) as tf.Tensor).dataSync().slice(),
        g: tf
          .grads(f)(X)
          .map((t) => t.dataSync().slice()),
      };
    });
    assertClose(got.y, ref(xs), 1e-5, 'forward');
    const num = numericalGrad((vs) => ref(vs).reduce((s, v, e) => s + v * r[e]!, 0), xs);
    got.g.forEach((g, i) => assertClose(g, num[i]!, 1e-3, `d in[${i}]`));
  });
}
