import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend.js';
import { optimizerState, restoreOptimizer } from '../../src/engine/trainer.js';
import { LeanAdam } from '../../src/engine/adam.js';

// Resuming must continue exactly: Adam's β^t running products are restored as saved, not recomputed with pow
// (which differs from the running product in the last bits at some step counts).
test('Adam restored from its saved state takes the same next step bit for bit, at every step count', async () => {
  await initBackend('wasm');
  const target = tf.tensor1d([1, 2, -3, 4]);
  const lossOf = (v: tf.Variable) => () => tf.sum(tf.square(tf.sub(v, target))) as tf.Scalar;
  const a = tf.variable(tf.tensor1d([0.3, -1.2, 2.5, 0.01]), true, 'adamrs_a');
  const optA = new LeanAdam(0.01, 0.9, 0.999, 1e-8); // what the trainer uses
  for (let t = 1; t <= 40; t++) {
    optA.minimize(lossOf(a));
    const st = await optimizerState(optA);
    const name = `adamrs_b${t}`;
    const b = tf.variable(a.clone(), true, name);
    const optB = new LeanAdam(0.01, 0.9, 0.999, 1e-8);
    await restoreOptimizer(optB, {
      ...st,
      moments: st.moments.map((m) => ({ ...m, name: m.name.replace('adamrs_a', name) })),
    });
    optA.minimize(lossOf(a));
    optB.minimize(lossOf(b));
    assert.deepEqual([...b.dataSync()], [...a.dataSync()], `the step after ${t + 1} steps`);
    b.dispose();
    optB.dispose();
  }
  tf.dispose([target, a]);
  optA.dispose();
});
