import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dropout } from '../../src/ops/layer/dropout.js';
import { dense } from '../../src/ops/types.js';
import { Rng } from '../../src/util/rng.js';
import {
  assertShapeError,
  buildOp,
  disposeBatch,
  makeBatch,
  runContext,
  runOp,
  shapeOf,
  tf,
  useBackend,
} from './harness.js';

test('dropout shape rule: same shape; p must be in [0, 1)', () => {
  assert.deepEqual(shapeOf(dropout, { p: 0.3 }, { in: dense('items', 64) }).out, dense('items', 64));
  assertShapeError(() => shapeOf(dropout, { p: 1 }, { in: dense('items', 64) }), { param: 'p' });
});

for (const backend of ['wasm', 'cpu'] as const) {
  test(`dropout on ${backend}: keeps ~1-p scaled by 1/(1-p), identity at eval, gradient is the mask, repeatable per seed`, async () => {
    await useBackend(backend);
    const p = 0.3;
    const op = buildOp(dropout, { p }, { in: dense('items', 50) });
    const batch = makeBatch([0], [0], [0]);
    const x = tf.ones([200, 50]) as tf.Tensor2D;
    const train = (seed: number) => {
      const ctx = { ...runContext({ batch }), rng: new Rng(seed) };
      return tf.tidy(() => {
        const fn = (t: tf.Tensor) => tf.sum(runOp(op, { in: t }, ctx) as tf.Tensor);
        const out = (runOp(op, { in: x }, { ...ctx, rng: new Rng(seed) }) as tf.Tensor).dataSync().slice();
        const g = tf.grad(fn)(x).dataSync().slice();
        return { out, g };
      });
    };
    const before = tf.memory().numTensors;
    const a = train(7);
    const b = train(7);
    assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
    assert.deepEqual(a.out, b.out, 'same seed, same mask');
    const kept = a.out.filter((v) => v !== 0);
    assert.ok(kept.every((v) => Math.abs(v - 1 / (1 - p)) < 1e-6));
    assert.ok(Math.abs(kept.length / a.out.length - (1 - p)) < 0.02, `kept fraction ${kept.length / a.out.length}`);
    assert.deepEqual(a.g, a.out, 'd sum(x ⊙ m)/dx = m');
    const evalOut = runOp(op, { in: x }, runContext({ training: false }));
    assert.equal(evalOut, x, 'identity at evaluation');
    x.dispose();
    disposeBatch(batch);
  });
}
