import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend.js';
import { LeanAdam } from '../../src/engine/adam.js';
import { heapKernelsActive } from '../../src/ops/kernels/registry.js';
import { setReferenceMode } from '../../src/ops/kernels/mode.js';
import { Rng } from '../../src/util/rng.js';

/** Trains the same variables with tf.train.adam and LeanAdam; returns both runs' values and moments per step. */
function twin(tag: string, steps: number) {
  const rng = new Rng(11);
  const shapes = [[7, 5], [13], [3, 4]]; // odd sizes exercise the kernel's scalar tail
  const init = shapes.map((s) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rng.normal()));
  const targets = shapes.map((s, i) =>
    tf.tensor(
      init[i]!.map((x) => x * 0.5 + 1),
      s,
    ),
  );
  const make = (who: string) => shapes.map((s, i) => tf.variable(tf.tensor(init[i]!, s), true, `${tag}_${who}_${i}`));
  const a = make('tf');
  const b = make('lean');
  const optA = tf.train.adam(0.05, 0.9, 0.999, 1e-8);
  const optB = new LeanAdam(0.05, 0.9, 0.999, 1e-8);
  const loss = (vs: tf.Variable[]) => () =>
    tf.addN(vs.map((v, i) => tf.sum(tf.pow(tf.sub(v, targets[i]!), 4)))) as tf.Scalar;
  let afterFirst = 0;
  for (let t = 1; t <= steps; t++) {
    // a schedule step
    if (t === 10) for (const o of [optA, optB]) (o as unknown as { learningRate: number }).learningRate = 0.01;
    optA.minimize(loss(a));
    optB.minimize(loss(b));
    a.forEach((v, i) =>
      assert.deepEqual([...b[i]!.dataSync()], [...v.dataSync()], `${tag}: variable ${i} after step ${t}`),
    );
    if (t === 1) afterFirst = tf.memory().numTensors;
  }
  assert.equal(tf.memory().numTensors, afterFirst, `${tag}: the tensor count stays flat across steps`);
  const wa = optA.getWeights();
  const wb = optB.getWeights();
  return Promise.all([wa, wb]).then(([x, y]) => {
    assert.deepEqual(
      y.map((w) => w.name.replace('_lean_', '_tf_')),
      x.map((w) => w.name),
      `${tag}: the same saved weights`,
    );
    x.forEach((w, i) =>
      assert.deepEqual([...y[i]!.tensor.dataSync()], [...w.tensor.dataSync()], `${tag}: moment ${w.name}`),
    );
    // getWeights hands out a fresh iterations scalar next to the moment variables.
    for (const w of [...x, ...y]) if (!(w.tensor instanceof tf.Variable)) w.tensor.dispose();
    tf.dispose([...a, ...b, ...targets]);
    optA.dispose();
    optB.dispose();
  });
}

test('LeanAdam takes the same steps as tf.train.adam bit for bit (SIMD kernel on wasm), moments and β^t included', async () => {
  await initBackend('wasm');
  assert.ok(heapKernelsActive());
  await twin('leanw', 25);
});

test('LeanAdam without the kernel (reference mode, and the cpu backend) equals tf.train.adam bit for bit', async () => {
  await initBackend('wasm');
  setReferenceMode(true);
  try {
    await twin('leanr', 12);
  } finally {
    setReferenceMode(false);
  }
  await initBackend('cpu');
  try {
    await twin('leanc', 12);
  } finally {
    await initBackend('wasm');
  }
});
