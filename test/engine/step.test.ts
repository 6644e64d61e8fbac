import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PIPELINES } from '../helpers.js';
import { prepare } from '../../src/experiments/run.js';
import { Model } from '../../src/engine/executor.js';
import { initBackend } from '../../src/engine/backend.js';
import { LeanAdam } from '../../src/engine/adam.js';
import { NumericalError } from '../../src/engine/errors.js';
import { step, type StepSetup } from '../../src/engine/step.js';
import { BatchIterator, type Batch } from '../../src/data/sampler.js';
import { Rng } from '../../src/util/rng.js';

/** LightGCN with BPR and L2 on the built-in small synthetic data, and one fixed batch of it. */
async function toy(lr: number): Promise<{ setup: StepSetup; batch: Batch; done: () => void }> {
  const backend = await initBackend('wasm');
  const { graph, dataset } = await prepare({ file: join(PIPELINES, 'lightgcn.yaml'), epochs: 1 });
  const model = new Model(graph, dataset, 1, backend.tfBackend);
  const optimizer = new LeanAdam(lr, 0.9, 0.999, 1e-8);
  const b = new BatchIterator(dataset, 512, { shuffle: new Rng(1), negatives: new Rng(2) }).epoch().batch(0);
  const batch = { users: b.users.slice(), pos: b.pos.slice(), neg: b.neg.slice() };
  const setup = { model, optimizer, vars: model.trainableVariables(), rng: new Rng(3) };
  return {
    setup,
    batch,
    done: () => {
      optimizer.dispose();
      model.dispose();
    },
  };
}

test('steps on one batch lower its loss, every term is reported, and the tensor count stays flat', async () => {
  const { setup, batch, done } = await toy(0.01);
  try {
    const first = step(setup, batch, 0, 'in epoch 1, batch 1');
    assert.deepEqual(Object.keys(first), ['bpr', 'total']);
    assert.equal(first.total, first.bpr);
    // Adam creates its moments at the first update; from then on a step leaves exactly as many tensors as it found.
    const tensors = tf.memory().numTensors;
    const totals: number[] = [first.total!];
    for (let k = 0; k < 20; k++) {
      totals.push(step(setup, batch, 0, `in epoch 1, batch ${k + 2}`).total!);
      assert.equal(tf.memory().numTensors, tensors, `tensors after step ${k + 2}`);
    }
    assert.ok(
      totals.every((t, i) => i === 0 || t < totals[i - 1]!),
      `the loss falls at every step: ${totals.map((t) => t.toFixed(4)).join(' ')}`,
    );
    assert.ok(totals.at(-1)! < 0.5 * totals[0]!, `the loss halves: ${totals[0]} -> ${totals.at(-1)}`);
  } finally {
    done();
  }
});

test('each step updates every trainable variable', async () => {
  const { setup, batch, done } = await toy(0.01);
  try {
    const before = setup.model.snapshot();
    step(setup, batch, 0, 'in epoch 1, batch 1');
    const after = setup.model.snapshot();
    for (const [k, v] of before) assert.notDeepEqual(after.get(k), v, `${k} changed`);
  } finally {
    done();
  }
});

test('a NaN loss is a NumericalError naming the term and where, and leaks no tensors', async () => {
  const { setup, batch, done } = await toy(0.01);
  try {
    step(setup, batch, 0, 'in epoch 1, batch 1');
    const tensors = tf.memory().numTensors;
    const v = setup.vars[0]!;
    tf.tidy(() => v.assign(tf.fill(v.shape, NaN)));
    assert.throws(
      () => step(setup, batch, 2, 'in epoch 3, batch 4'),
      (e: unknown) => e instanceof NumericalError && /^loss 'bpr' became NaN in epoch 3, batch 4$/.test(e.message),
    );
    assert.equal(tf.memory().numTensors, tensors);
  } finally {
    done();
  }
});
