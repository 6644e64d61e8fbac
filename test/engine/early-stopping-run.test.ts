import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PIPELINES } from '../helpers.js';
import { runPipeline } from '../../src/experiments/run.js';
import type { EngineEvent, EvalEvent, SeedEndEvent } from '../../src/engine/events.js';

// A learning rate far below float32 resolution leaves the weights as they are, so every evaluation ties the
// first one: the stopping rule is then exercised by a real training run on exact ties.
async function frozenRun(set: string[], epochs: number) {
  const events: EngineEvent[] = [];
  await runPipeline({
    file: join(PIPELINES, 'lightgcn.yaml'),
    epochs,
    backend: 'wasm',
    out: false,
    emit: (e) => events.push(e),
    set: ['train.optimizer.adam.lr=1e-30', ...set],
  });
  const evals = events.filter((e): e is EvalEvent => e.type === 'eval');
  const end = events.find((e): e is SeedEndEvent => e.type === 'seed_end')!;
  return { evals, end };
}

test('training stops at the (patience+1)-th evaluation without strict improvement, counting evaluations, not epochs', async () => {
  const { evals, end } = await frozenRun(['train.early_stopping.patience=2', 'train.eval_every=2'], 20);
  assert.deepEqual(
    evals.map((e) => e.epoch),
    [2, 4, 6, 8],
  );
  assert.ok(
    evals.every((e) => e.valid['recall@20'] === evals[0]!.valid['recall@20']),
    'the weights did not move',
  );
  assert.deepEqual(
    evals.map((e) => e.improved),
    [true, false, false, false],
  );
  assert.deepEqual(
    evals.map((e) => e.patienceLeft),
    [2, 1, 0, -1],
  );
  assert.deepEqual(
    evals.map((e) => e.bestEpoch),
    [2, 2, 2, 2],
  );
  assert.equal(end.epochs, 8);
  assert.equal(end.bestEpoch, 2);
  assert.equal(end.stoppedEarly, true);
});

test('with early_stopping.stop false every epoch runs and the best epoch is still the first of the ties', async () => {
  const { evals, end } = await frozenRun(['train.early_stopping.patience=1', 'train.early_stopping.stop=false'], 5);
  assert.equal(evals.length, 5);
  assert.ok(evals.every((e) => e.patienceLeft === Infinity));
  assert.equal(end.epochs, 5);
  assert.equal(end.bestEpoch, 1);
  assert.equal(end.stoppedEarly, false);
});
