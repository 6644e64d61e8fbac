import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mix } from '../../src/ops/combine/mix.js';
import { stopGradient, stopGradientOp } from '../../src/ops/combine/stop-gradient.js';
import { normalize } from '../../src/ops/combine/normalize.js';
import { dense, sparse } from '../../src/ops/types.js';
import { Rng } from '../../src/util/rng.js';
import {
  assertClose,
  assertShapeError,
  buildOp,
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

describe('mix shape rule', () => {
  const two = { in: [dense('items', 64), dense('items', 64)] };
  test('two same-shaped inputs with convex weights', () => {
    assert.deepEqual(shapeOf(mix, { weights: [0.75, 0.25] }, two).out, dense('items', 64));
  });
  test('weights that do not sum to 1 name the param', () => {
    assertShapeError(() => shapeOf(mix, { weights: [0.75, 0.3] }, two), { param: 'weights' }, /sum to 1/);
  });
  test('a sum off by less than 1e-6 is accepted', () => {
    assert.doesNotThrow(() => shapeOf(mix, { weights: [0.7, 0.3 + 5e-7] }, two));
  });
  test('a negative weight names the param', () => {
    assertShapeError(() => shapeOf(mix, { weights: [1.5, -0.5] }, two), { param: 'weights' }, /non-negative/);
  });
  test('one weight per input', () => {
    assertShapeError(() => shapeOf(mix, { weights: [1] }, two), { param: 'weights' }, /2 inputs, 1 weights/);
  });
  test('inputs of different shapes name the in port', () => {
    assertShapeError(() => shapeOf(mix, { weights: [0.5, 0.5] }, { in: [dense('items', 64), dense('items', 32)] }), {
      port: 'in',
    });
  });
});

describe('stop_gradient and normalize shape rules', () => {
  test('stop_gradient keeps the type', () => {
    assert.deepEqual(shapeOf(stopGradientOp, {}, { in: dense('items', 'd') }).out, dense('items', 'd'));
  });
  test('stop_gradient rejects a sparse input on its port', () => {
    assertShapeError(() => shapeOf(stopGradientOp, {}, { in: sparse('items', 'items') }), { port: 'in' });
  });
  test('normalize keeps the type', () => {
    assert.deepEqual(shapeOf(normalize, {}, { in: dense('items', 16) }).out, dense('items', 16));
  });
  test('normalize needs a rank-2 input', () => {
    assertShapeError(() => shapeOf(normalize, {}, { in: dense('items', 4, 4) }), { port: 'in' });
  });
});

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`mix, stop_gradient, normalize on ${backend}`, () => {
    test('mix: forward is Σ w_i x_i and the gradient of each input is w_i · dY', async () => {
      await useBackend(backend);
      const rng = new Rng(1);
      const [a, b, c, r] = [0, 1, 2, 3].map(() => randn64(rng, 12));
      const w = [0.5, 0.3, 0.2];
      const op = buildOp(mix, { weights: w }, { in: [dense(3, 4), dense(3, 4), dense(3, 4)] });
      const { y, gs } = tf.tidy(() => {
        const xs = [a, b, c].map((v) => t2(v!, 3, 4));
        const R = t2(r!, 3, 4);
        const y = (runOp(op, { in: xs }, runContext()) as tf.Tensor).dataSync().slice();
        const gs = tf.grads((x0: tf.Tensor, x1: tf.Tensor, x2: tf.Tensor) =>
          tf.sum(tf.mul(runOp(op, { in: [x0, x1, x2] }, runContext()) as tf.Tensor, R)),
        )(xs);
        return { y, gs: gs.map((g) => g.dataSync().slice()) };
      });
      assertClose(
        y,
        Array.from(a!, (_, e) => w[0]! * a![e]! + w[1]! * b![e]! + w[2]! * c![e]!),
        1e-6,
        'forward',
      );
      gs.forEach((g, i) =>
        assertClose(
          g,
          Array.from(r!, (v) => w[i]! * v),
          1e-6,
          `grad ${i}`,
        ),
      );
    });

    test('stop_gradient: identity forward, no gradient (x ⊙ sg(x) has gradient x, not 2x; sg(v) of a variable has gradient 0)', async () => {
      await useBackend(backend);
      const x0 = randn64(new Rng(2), 10);
      const op = buildOp(stopGradientOp, {}, { in: dense(2, 5) });
      const v = tf.variable(t2(x0, 2, 5));
      const { y, g1, g2, g3 } = tf.tidy(() => {
        const sg = (t: tf.Tensor) => runOp(op, { in: t }, runContext()) as tf.Tensor;
        const y = sg(v).dataSync().slice();
        const g1 = tf
          .grad((x: tf.Tensor) => tf.sum(tf.mul(x, sg(x))))(v)
          .dataSync()
          .slice();
        const g2 = tf
          .variableGrads(() => tf.sum(tf.square(sg(v))) as tf.Scalar, [v])
          .grads[v.name]!.dataSync()
          .slice();
        const g3 = tf
          .grad((x: tf.Tensor) => tf.sum(tf.mul(tf.square(x), 1)))(v)
          .dataSync()
          .slice();
        return { y, g1, g2, g3 };
      });
      assertClose(y, x0, 1e-6, 'forward');
      assertClose(g1, x0, 1e-6, 'd/dx Σ x·sg(x)');
      assert.ok(
        g2.every((g) => g === 0),
        'no gradient through sg',
      );
      assertClose(
        g3,
        Array.from(x0, (x) => 2 * x),
        1e-6,
        'control: without sg the gradient is 2x',
      );
      assert.equal(stopGradient(v).shape.length, 2);
      v.dispose();
    });

    test('normalize: rows of unit length as F.normalize, gradient matches finite differences, a zero row stays zero with a finite gradient', async () => {
      await useBackend(backend);
      const n = 4;
      const d = 3;
      const rng = new Rng(4);
      const x = randn64(rng, n * d);
      x.fill(0, d, 2 * d); // row 1 is zero
      const r = randn64(rng, n * d);
      const ref = (xx: Float64Array) =>
        Array.from({ length: n }, (_, i) => {
          const row = M.row(xx, d, i);
          const nr = Math.max(M.norm(row), 1e-12);
          return row.map((v) => v / nr);
        }).flat();
      const op = buildOp(normalize, {}, { in: dense(n, d) });
      const { y, g } = tf.tidy(() => {
        const X = t2(x, n, d);
        const R = t2(r, n, d);
        const y = (runOp(op, { in: X }, runContext()) as tf.Tensor).dataSync().slice();
        const g = tf
          .grad((xx: tf.Tensor) => tf.sum(tf.mul(runOp(op, { in: xx }, runContext()) as tf.Tensor, R)))(X)
          .dataSync()
          .slice();
        return { y, g };
      });
      assertClose(y, ref(x), 1e-6, 'forward');
      assert.ok(
        g.every((v) => Number.isFinite(v)),
        'finite gradient',
      );
      const num = numericalGrad(([xx]) => ref(xx!).reduce((s, v, e) => s + v * r[e]!, 0), [x]);
      // Compare the nonzero rows (at the zero row the function has a kink: F.normalize's gradient there is dY/eps).
      const rows = [0, 2, 3];
      assertClose(
        rows.flatMap((i) => Array.from(g.subarray(i * d, (i + 1) * d))),
        rows.flatMap((i) => Array.from(num[0]!.subarray(i * d, (i + 1) * d))),
        1e-4,
        'gradient',
      );
    });
  });
}
