/** A short scripted run (two epochs, one seed) shared by the UI tests. */
import type { EngineEvent, Metrics, ResultEvent, SeedEndEvent } from '../../src/engine/events.js';

export const metrics = (r20: number): Metrics => ({
  'recall@10': r20 * 0.8,
  'recall@20': r20,
  'ndcg@10': r20 * 0.4,
  'ndcg@20': r20 * 0.5,
  'precision@20': r20 / 10,
  'map@20': r20 / 3,
});

export const seedEnd: SeedEndEvent = {
  type: 'seed_end',
  seed: 7,
  seedIndex: 0,
  bestEpoch: 2,
  epochs: 2,
  valid: metrics(0.0812),
  test: metrics(0.079),
  stoppedEarly: false,
  seconds: 3.5,
  secondsPerEpoch: 1.75,
};

export const result: ResultEvent = {
  type: 'result',
  pipeline: 'anchorrec',
  dataset: 'synth:small',
  backend: 'wasm',
  seeds: [7],
  perSeed: [seedEnd],
  mean: { valid: metrics(0.0812), test: metrics(0.079) },
  std: { valid: metrics(0.0021), test: metrics(0.0018) },
};

export function scriptedRun(batches = 4): EngineEvent[] {
  const ev: EngineEvent[] = [
    {
      type: 'run_start',
      pipeline: 'anchorrec',
      dataset: 'synth:small',
      backend: 'wasm',
      seed: 7,
      seedIndex: 0,
      seeds: 1,
      nUsers: 1000,
      nItems: 2000,
      nTrain: 50000,
      batchesPerEpoch: batches,
      maxEpochs: 50,
      parameters: 123456,
    },
  ];
  const evals: [number, boolean][] = [
    [0.05, true],
    [0.0812, true],
  ];
  evals.forEach(([r20, improved], i) => {
    const epoch = i + 1;
    ev.push({ type: 'epoch_start', epoch, lr: 0.001 });
    for (let b = 1; b <= batches; b++) {
      ev.push({
        type: 'batch',
        epoch,
        batch: b,
        batches,
        losses: { bpr: 0.6 - (0.1 * b) / batches, aal: 0.0123, total: 0.6123 - (0.1 * b) / batches },
      });
    }
    ev.push({
      type: 'epoch_end',
      epoch,
      losses: { bpr: 0.5432, aal: 0.0111, total: 0.5543 },
      trainSeconds: 1.5,
      tensors: 10,
    });
    ev.push({
      type: 'eval',
      epoch,
      valid: metrics(r20),
      test: metrics(r20 - 0.002),
      evalSeconds: 0.25,
      improved,
      bestEpoch: epoch,
      bestValid: metrics(r20),
      bestTest: metrics(r20 - 0.002),
      patienceLeft: 20,
    });
  });
  ev.push({ type: 'log', level: 'warn', message: 'tensor count grew' });
  ev.push({ type: 'log', level: 'info', message: 'checkpoint saved' });
  ev.push(seedEnd);
  ev.push(result);
  return ev;
}

/** Collects writes into a string. */
export function collector(): { write: (s: string) => void; text: () => string } {
  let buf = '';
  return { write: (s) => void (buf += s), text: () => buf };
}
