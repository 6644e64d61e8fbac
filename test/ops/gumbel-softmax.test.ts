import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gumbelSoftmax, gumbelNoise } from '../../src/ops/layer/gumbel-softmax.js';
import { dense, type RunContext } from '../../src/ops/types.js';
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

function softmaxRows(x: ArrayLike<number>, n: number, h: number): Float64Array {
  const out = new Float64Array(n * h);
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let j = 0; j < h; j++) m = Math.max(m, x[i * h + j]!);
    let s = 0;
    for (let j = 0; j < h; j++) s += Math.exp(x[i * h + j]! - m);
    for (let j = 0; j < h; j++) out[i * h + j] = Math.exp(x[i * h + j]! - m) / s;
  }
  return out;
}

describe('gumbel_softmax shape rule', () => {
  test('same shape; tau must be positive', () => {
    assert.deepEqual(shapeOf(gumbelSoftmax, { tau: 0.2 }, { in: dense('items', 4) }).out, dense('items', 4));
    assertShapeError(() => shapeOf(gumbelSoftmax, { tau: 0 }, { in: dense('items', 4) }), { param: 'tau' });
    assertShapeError(() => shapeOf(gumbelSoftmax, {}, { in: dense('items') }), { port: 'in' });
  });
});

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`gumbel_softmax on ${backend}`, () => {
    const n = 6;
    const h = 4;
    const tau = 0.5;
    const ctxSeed = (seed: number, training = true): RunContext => ({
      ...runContext({ training }),
      rng: new Rng(seed),
    });
    test('forward is softmax((x + g) / tau) with the noise of the run stream; gradient matches finite differences', async () => {
      await useBackend(backend);
      const x = randn64(new Rng(1), n * h);
      const r = randn64(new Rng(2), n * h);
      const g = gumbelNoise(n * h, new Rng(42));
      const ref = (xx: Float64Array) =>
        softmaxRows(
          xx.map((v, e) => (v + g[e]!) / tau),
          n,
          h,
        );
      const op = buildOp(gumbelSoftmax, { tau }, { in: dense(n, h) });
      const before = tf.memory().numTensors;
      const got = tf.tidy(() => {
        const X = t2(x, n, h);
        const y = (runOp(op, { in: X }, ctxSeed(42)) as tf.Tensor).dataSync().slice();
        const gx = tf
          .grad((xx: tf.Tensor) => tf.sum(tf.mul(runOp(op, { in: xx }, ctxSeed(42)) as tf.Tensor, t2(r, n, h))))(X)
          .dataSync()
          .slice();
        return { y, gx };
      });
      assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
      assertClose(got.y, ref(x), 1e-5, 'forward');
      const num = numericalGrad(([xx]) => ref(xx!).reduce((s, v, e) => s + v * r[e]!, 0), [x]);
      assertClose(got.gx, num[0]!, 1e-3, 'gradient');
    });
    test('rows sum to 1; a seed repeats the noise, another seed changes it; eval_noise: false is softmax(x / tau)', async () => {
      await useBackend(backend);
      const x = randn64(new Rng(3), n * h);
      const op = buildOp(gumbelSoftmax, { tau }, { in: dense(n, h) });
      const run = (o: typeof op, ctx: RunContext) =>
        tf.tidy(() => (runOp(o, { in: t2(x, n, h) }, ctx) as tf.Tensor).dataSync().slice());
      const a = run(op, ctxSeed(1));
      for (let i = 0; i < n; i++)
        assert.ok(Math.abs(Array.from(a.subarray(i * h, (i + 1) * h)).reduce((s, v) => s + v, 0) - 1) < 1e-5);
      assert.deepEqual(run(op, ctxSeed(1)), a);
      assert.notDeepEqual(run(op, ctxSeed(2)), a);
      assert.notDeepEqual(
        run(op, ctxSeed(1, false)),
        softmaxRows(
          x.map((v) => v / tau),
          n,
          h,
        ),
        'noise at evaluation by default (MMRec)',
      );
      const clean = buildOp(gumbelSoftmax, { tau, eval_noise: false }, { in: dense(n, h) });
      assertClose(
        run(clean, ctxSeed(1, false)),
        softmaxRows(
          x.map((v) => v / tau),
          n,
          h,
        ),
        1e-5,
        'no noise at evaluation',
      );
    });
  });
}
