/**
 * Epoch time and ETA come from the wall-clock times of epoch ends in this process, not from a guess from the
 * first batches; a resumed run shows its earlier epochs but does not time them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ViewStore } from '../../src/ui/ink/store.js';
import { timing } from '../../src/ui/ink/timing.js';
import type { EvalEvent, RunStartEvent } from '../../src/engine/events.js';

const runStart: RunStartEvent = {
  type: 'run_start',
  pipeline: 'p',
  dataset: 'synth:small',
  backend: 'wasm',
  seed: 1,
  seedIndex: 0,
  seeds: 1,
  nUsers: 10,
  nItems: 10,
  nTrain: 100,
  batchesPerEpoch: 10,
  maxEpochs: 20,
  parameters: 1000,
};
const evalAt = (epoch: number, recall: number): EvalEvent => ({
  type: 'eval',
  epoch,
  valid: { 'recall@20': recall },
  test: { 'recall@20': recall },
  evalSeconds: 1,
  improved: true,
  bestEpoch: epoch,
  bestValid: { 'recall@20': recall },
  bestTest: { 'recall@20': recall },
  patienceLeft: 20,
});

test('after --resume: the history fills the tables, and the ETA uses only epochs timed here, from their end times', () => {
  const store = new ViewStore(0, () => 0);
  store.dispatch(runStart, 0);
  store.dispatch(
    {
      type: 'history',
      seed: 1,
      epochsDone: 3,
      events: [1, 2, 3].flatMap((e) => [
        { type: 'epoch_end' as const, epoch: e, losses: { total: 1 / e }, trainSeconds: 0.1, tensors: 5 },
        evalAt(e, e / 10),
      ]),
    },
    100,
  );
  let s = store.getSnapshot();
  assert.equal(s.epoch, 3);
  assert.deepEqual(
    s.evals.map((e) => e.epoch),
    [1, 2, 3],
  );
  assert.equal(s.spark.length, 3);
  assert.equal(timing(s).secondsPerEpoch, undefined, 'no estimate from epochs run in another process');

  store.dispatch({ type: 'epoch_start', epoch: 4, lr: 1e-3 }, 1_000);
  // Fast first batches must not produce an epoch estimate.
  store.dispatch({ type: 'batch', epoch: 4, batch: 5, batches: 10, losses: { total: 0.5 } }, 1_100);
  store.flush(true);
  assert.equal(timing(store.getSnapshot()).secondsPerEpoch, undefined);

  store.dispatch({ type: 'epoch_end', epoch: 4, losses: { total: 0.5 }, trainSeconds: 0.5, tensors: 5 }, 11_000);
  store.dispatch(evalAt(4, 0.4), 12_000);
  store.flush(true);
  s = store.getSnapshot();
  let tm = timing(s);
  assert.equal(tm.secondsPerEpoch, 11, 'epoch 4 ran from 1 s to its evaluation at 12 s');
  assert.equal(tm.etaMaxSeconds, 16 * 11);

  store.dispatch({ type: 'epoch_start', epoch: 5, lr: 1e-3 }, 12_500);
  store.dispatch({ type: 'epoch_end', epoch: 5, losses: { total: 0.4 }, trainSeconds: 0.5, tensors: 5 }, 22_000);
  store.dispatch(evalAt(5, 0.5), 24_000);
  store.flush(true);
  tm = timing(store.getSnapshot());
  assert.equal(tm.secondsPerEpoch, 11.5, '(24 s - 1 s) / 2 epochs, checkpoint time between epochs included');
  store.dispose();
});

test('events replayed late keep the time they were emitted', () => {
  let now = 50_000;
  const store = new ViewStore(0, () => now);
  // Emitted at 0, 2 s and 6 s; all arrive at 50 s (the view was still loading).
  store.dispatch(runStart, 0);
  store.dispatch({ type: 'epoch_start', epoch: 1, lr: 1e-3 }, 2_000);
  store.dispatch({ type: 'epoch_end', epoch: 1, losses: { total: 1 }, trainSeconds: 4, tensors: 5 }, 6_000);
  now = 50_000;
  assert.equal(timing(store.getSnapshot()).secondsPerEpoch, 4);
  store.dispose();
});

test('a stage is published at once, whatever the redraw interval', () => {
  const store = new ViewStore(10_000);
  store.dispatch({ type: 'stage', stage: 'data', message: 'loading data synth:small' });
  assert.equal(store.getSnapshot().stage?.message, 'loading data synth:small');
  store.dispose();
});
