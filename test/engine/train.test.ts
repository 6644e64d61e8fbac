import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PIPELINES } from '../helpers.js';
import { runPipeline } from '../../src/experiments/run.js';
import type { EngineEvent, EpochEndEvent, EvalEvent } from '../../src/engine/events.js';

async function run(file: string, extra: Partial<Parameters<typeof runPipeline>[0]> = {}) {
  const events: EngineEvent[] = [];
  const result = await runPipeline({
    file: join(PIPELINES, file),
    epochs: 4,
    backend: 'wasm',
    out: false,
    emit: (e) => events.push(e),
    ...extra,
  });
  return { result, events };
}

test('two runs with one seed give identical losses and metrics (lightgcn)', async () => {
  const a = await run('lightgcn.yaml');
  const b = await run('lightgcn.yaml');
  const losses = (r: typeof a) =>
    r.events.filter((e): e is EpochEndEvent => e.type === 'epoch_end').map((e) => e.losses);
  assert.deepEqual(losses(a), losses(b));
  assert.deepEqual(a.result.mean, b.result.mean);
  const c = await run('lightgcn.yaml', { seed: 7 });
  assert.notDeepEqual(losses(c), losses(a), 'another seed trains differently');
});

test('the tensor count stays flat across epochs (vbpr and lightgcn)', async () => {
  for (const file of ['vbpr.yaml', 'lightgcn.yaml']) {
    const { events } = await run(file, { epochs: 5 });
    const counts = events.filter((e): e is EpochEndEvent => e.type === 'epoch_end').map((e) => e.tensors);
    assert.equal(counts.length, 5);
    assert.ok(
      counts.every((c) => c === counts[0]),
      `${file}: tensors per epoch ${counts.join(', ')}`,
    );
  }
});

test('training improves on the planted structure, and test is reported at the best valid epoch', async () => {
  const { result, events } = await run('lightgcn.yaml', { epochs: 6 });
  const evals = events.filter((e): e is EvalEvent => e.type === 'eval');
  assert.equal(evals.length, 6);
  assert.ok(evals[5]!.valid['recall@20']! > evals[0]!.valid['recall@20']!, 'valid recall@20 rises');
  const seed = result.perSeed[0]!;
  const best = evals.find((e) => e.epoch === seed.bestEpoch)!;
  assert.deepEqual(seed.test, best.test);
  assert.equal(Math.max(...evals.map((e) => e.valid['recall@20']!)), seed.valid['recall@20']);
  for (const k of ['recall', 'ndcg', 'precision', 'map'])
    for (const n of [5, 10, 20, 50]) assert.ok(`${k}@${n}` in seed.test);
});

test('--seeds runs consecutive seeds and reports mean ± std', async () => {
  const { result } = await run('lightgcn.yaml', { epochs: 2, seeds: 2 });
  assert.deepEqual(result.seeds, [999, 1000]);
  const xs = result.perSeed.map((s) => s.test['recall@20']!);
  const mean = (xs[0]! + xs[1]!) / 2;
  assert.ok(Math.abs(result.mean.test['recall@20']! - mean) < 1e-12);
  assert.ok(Math.abs(result.std.test['recall@20']! - Math.abs(xs[0]! - xs[1]!) / Math.SQRT2) < 1e-12);
});
