/**
 * `--protocol official`: every epoch runs even when patience would have stopped the run, the best valid epoch is
 * still the reported one, and the protocol is recorded in run.json / metrics.json and in the point ids.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, PIPELINES } from '../helpers.js';
import { runPipeline } from '../../src/experiments/run.js';
import { planZoo } from '../../src/experiments/zoo.js';
import type { EngineEvent, EvalEvent } from '../../src/engine/events.js';

async function run(extra: Partial<Parameters<typeof runPipeline>[0]>) {
  const events: EngineEvent[] = [];
  const result = await runPipeline({
    file: join(PIPELINES, 'lightgcn.yaml'),
    backend: 'wasm',
    out: false,
    emit: (e) => events.push(e),
    ...extra,
  });
  return { seed: result.perSeed[0]!, evals: events.filter((e): e is EvalEvent => e.type === 'eval') };
}

// A learning rate too small to move any float32 weight: valid never improves after epoch 1, so patience 1 is hit
// at epoch 3.
const frozen = ['train.optimizer.adam.lr=1e-30', 'train.early_stopping.patience=1'];

test('mmrec stops once patience is exceeded; official with --epochs 4 runs all 4 and reports the best epoch', async () => {
  const mmrec = await run({ epochs: 4, set: frozen, protocol: 'mmrec' });
  assert.equal(mmrec.seed.stoppedEarly, true);
  assert.equal(mmrec.seed.epochs, 3);
  const official = await run({ epochs: 4, set: frozen, protocol: 'official' });
  assert.equal(official.seed.stoppedEarly, false);
  assert.equal(official.seed.epochs, 4);
  assert.equal(official.evals.length, 4);
  assert.equal(official.seed.bestEpoch, 1);
  assert.ok(
    official.evals.every((e) => !Number.isFinite(e.patienceLeft)),
    'no patience count when it never stops',
  );
  assert.deepEqual(official.seed.test, official.evals[0]!.test);
});

test('official: test is reported at the best valid epoch; run.json, metrics.json and the resolved pipeline say so', async () => {
  const out = mkdtempSync(join(tmpdir(), 'anchorflow-protocol-'));
  const r = await runPipeline({
    file: join(PIPELINES, 'lightgcn.yaml'),
    backend: 'wasm',
    out,
    epochs: 3,
    protocol: 'official',
    emit: () => {},
  });
  const events = readFileSync(join(r.runDir!, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as EngineEvent);
  const evals = events.filter((e): e is EvalEvent => e.type === 'eval');
  assert.equal(evals.length, 3);
  const scores = evals.map((e) => e.valid['recall@20']!);
  const best = evals[scores.indexOf(Math.max(...scores))]!;
  const seed = r.perSeed[0]!;
  assert.equal(seed.bestEpoch, best.epoch);
  assert.deepEqual(seed.test, best.test);
  const runJson = JSON.parse(readFileSync(join(r.runDir!, 'run.json'), 'utf8'));
  assert.equal(runJson.protocol, 'official');
  const metrics = JSON.parse(readFileSync(join(r.runDir!, 'metrics.json'), 'utf8'));
  assert.equal(metrics.protocol, 'official');
  assert.match(metrics.selection, /no early stopping/);
  // --epochs wins over the protocol's 100; early stopping is off in the saved pipeline.
  assert.match(readFileSync(join(r.runDir!, 'pipeline.yaml'), 'utf8'), /epochs: 3\n[\s\S]*stop: false/);
});

test('the protocol is part of the zoo point ids; mmrec keeps the ids of a run without --protocol', () => {
  const ids = (protocol?: 'mmrec' | 'official') =>
    planZoo({
      pipelinesDir: PIPELINES,
      models: ['lightgcn'],
      dataset: 'synth:small',
      seeds: 2,
      protocol,
    }).models[0]!.points.map((p) => p.id);
  assert.deepEqual(ids('mmrec'), ids(undefined));
  const official = ids('official');
  assert.equal(new Set([...official, ...ids('mmrec')]).size, 4, 'official points are other points');
  const resolved = planZoo({
    pipelinesDir: PIPELINES,
    models: ['lightgcn'],
    dataset: 'synth:small',
    protocol: 'official',
  }).models[0]!.points[0]!.resolved;
  assert.match(resolved, /epochs: 100\n/);
});

test('an unknown --protocol is a usage error (exit 2) that names the choices', () => {
  const r = spawnSync(
    process.execPath,
    [CLI, 'run', join(PIPELINES, 'lightgcn.yaml'), '--protocol', 'paper', '--no-save'],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--protocol.*'paper'.*mmrec, official/s);
});
