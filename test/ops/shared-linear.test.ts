import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedLinear } from '../../src/ops/layer/shared-linear.js';
import { dense } from '../../src/ops/types.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose, assertShapeError, buildOp, randn64, runContext, shapeOf, t2, tf, useBackend } from './harness.js';

test('shared_linear shape rule: one output per input; widths must agree; at most 4', () => {
  const s = shapeOf(sharedLinear, { out: 8 }, { in: [dense('users', 4), dense('items', 4)] });
  assert.deepEqual(s.out0, dense('users', 8));
  assert.deepEqual(s.out1, dense('items', 8));
  assertShapeError(
    () => shapeOf(sharedLinear, { out: 8 }, { in: [dense('users', 4), dense('items', 5)] }),
    { port: 'in' },
    /width/,
  );
  assertShapeError(() => shapeOf(sharedLinear, { out: 8 }, { in: Array(5).fill(dense('items', 4)) }), { port: 'in' });
});

test('shared_linear: every input goes through the same weights; gradients of W sum over inputs', async () => {
  await useBackend('wasm');
  const rng = new Rng(3);
  const op = buildOp(
    sharedLinear,
    { out: 2 },
    { in: [dense('users', 3), dense('items', 3)] },
    { sizes: { users: 4, items: 5 } },
  );
  assert.equal(op.variables.size, 2, 'one weight, one bias');
  const w = op.variables.get('linear/w')!;
  const bvar = op.variables.get('linear/b')!;
  const A = randn64(rng, 12),
    B = randn64(rng, 15);
  const ctx = runContext({});
  tf.tidy(() => {
    const a = t2(A, 4, 3),
      b = t2(B, 5, 3);
    const out = op.kernel.run({ in: [a, b] }, ctx) as Record<string, tf.Tensor>;
    assertClose(out.out0!.dataSync(), tf.add(tf.matMul(a, w), bvar).dataSync(), 1e-5, 'out0');
    assertClose(out.out1!.dataSync(), tf.add(tf.matMul(b, w), bvar).dataSync(), 1e-5, 'out1');
    const g = tf.variableGrads(() => {
      const o = op.kernel.run({ in: [a, b] }, ctx) as Record<string, tf.Tensor>;
      return tf.add(tf.sum(o.out0!), tf.sum(o.out1!)) as tf.Scalar;
    }, [w]).grads[w.name]!;
    const want = tf.matMul(tf.concat([a, b], 0), tf.ones([9, 2]), true, false);
    assertClose(g.dataSync(), want.dataSync(), 1e-4, 'dW = Σ xᵀ dY over both inputs');
  });
});
