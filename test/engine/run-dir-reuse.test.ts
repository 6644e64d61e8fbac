import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PIPELINES } from '../helpers.js';
import { runPipeline } from '../../src/experiments/run.js';
import type { EngineEvent, SeedEndEvent } from '../../src/engine/events.js';

// A sweep point's process can be killed after its seed finished but before the sweep stored the result; the
// re-run of that point finds the finished seed in its run directory and must still report the seed's summary.
test('a run directory whose seed already finished reports that seed again when run once more', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'af-rundir-')), 'point');
  try {
    const first: EngineEvent[] = [];
    await runPipeline({
      file: join(PIPELINES, 'lightgcn.yaml'),
      epochs: 2,
      backend: 'wasm',
      runDir: dir,
      emit: (e) => first.push(e),
    });
    const again: EngineEvent[] = [];
    const result = await runPipeline({
      file: join(PIPELINES, 'lightgcn.yaml'),
      epochs: 2,
      backend: 'wasm',
      runDir: dir,
      emit: (e) => again.push(e),
    });
    assert.ok(again.some((e) => e.type === 'log' && /seed \d+ already finished/.test(e.message)));
    assert.equal(again.filter((e) => e.type === 'epoch_end').length, 0, 'nothing trained again');
    const a = first.find((e): e is SeedEndEvent => e.type === 'seed_end')!;
    const b = again.find((e): e is SeedEndEvent => e.type === 'seed_end');
    assert.ok(b, 'the finished seed is reported');
    assert.deepEqual(b.test, a.test);
    assert.equal(result.type, 'result');
  } finally {
    rmSync(join(dir, '..'), { recursive: true, force: true });
  }
});
