import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, PIPELINES } from '../helpers.js';

const runDirs = (root: string) =>
  readdirSync(root).flatMap((n) => readdirSync(join(root, n)).map((r) => join(root, n, r)));
const lastJson = (out: string) => JSON.parse(out.trim().split('\n').pop()!);

type PerSeed = { valid: unknown; test: unknown; bestEpoch: number };
const finalMetrics = new Map<string, unknown>();

/**
 * Kills a 2-seed run inside the second seed's fourth epoch, resumes it, and compares with an uninterrupted run.
 * The kill is sent as soon as that epoch's start is read, not after a delay: with batches of 128 the epoch has
 * 160 batches to run, so the kill lands inside it however fast the machine is (a fixed delay once outlasted a
 * whole epoch of 10 batches on a faster machine, and the run resumed after epoch 4). Batch events are no use
 * as the trigger: the JSON output writes at most one a second.
 */
async function killAndResume(extra: string[]): Promise<unknown> {
  let seenSeeds = 0;
  const args = [
    join(PIPELINES, 'lightgcn.yaml'),
    '--epochs',
    '6',
    '--json',
    '--backend',
    'wasm',
    '--seeds',
    '2',
    '--set',
    'train.batch_size=128',
    ...extra,
  ];
  const a = mkdtempSync(join(tmpdir(), 'af-resume-a-'));
  const full = spawnSync(process.execPath, [CLI, 'run', ...args, '--out', a], { encoding: 'utf8' });
  assert.equal(full.status, 0, full.stderr);
  const uninterrupted = lastJson(full.stdout);

  const b = mkdtempSync(join(tmpdir(), 'af-resume-b-'));
  const child = spawn(process.execPath, [CLI, 'run', ...args, '--out', b], { stdio: ['ignore', 'pipe', 'pipe'] });
  let buf = '';
  const killedAt = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        const e = JSON.parse(l);
        // The second seed's fourth epoch has started: the kill lands inside it.
        if (e.type === 'epoch_start' && e.epoch === 4 && seenSeeds >= 2) {
          child.kill('SIGKILL');
          resolve('seed 2, epoch 4');
        }
        if (e.type === 'run_start') seenSeeds++;
      }
    });
    child.on('exit', (code, sig) => {
      if (sig !== 'SIGKILL') reject(new Error(`child ended by itself (${code})`));
    });
  });
  await new Promise((r) => child.on('close', r));
  assert.equal(killedAt, 'seed 2, epoch 4');
  const [dir] = runDirs(b);
  const resumed = spawnSync(process.execPath, [CLI, 'run', '--resume', dir!, '--json'], { encoding: 'utf8' });
  assert.equal(resumed.status, 0, resumed.stderr);
  const result = lastJson(resumed.stdout);
  assert.equal(result.type, 'result');
  assert.deepEqual(
    result.perSeed.map((s: { valid: unknown; test: unknown; bestEpoch: number }) => [s.bestEpoch, s.valid, s.test]),
    uninterrupted.perSeed.map((s: { valid: unknown; test: unknown; bestEpoch: number }) => [
      s.bestEpoch,
      s.valid,
      s.test,
    ]),
  );
  assert.deepEqual(result.mean, uninterrupted.mean);
  const events = readFileSync(join(dir!, 'events.jsonl'), 'utf8');
  assert.match(events, /seed 999 already finished/);
  assert.match(events, /resumed seed 1000 after epoch 3/);
  // A finished run resumed again does nothing new and reports the same.
  const again = spawnSync(process.execPath, [CLI, 'run', '--resume', dir!, '--json'], { encoding: 'utf8' });
  assert.deepEqual(lastJson(again.stdout).mean, uninterrupted.mean);
  return uninterrupted.perSeed.map((s: PerSeed) => [s.bestEpoch, s.valid, s.test]);
}

test('a run SIGKILLed mid-epoch resumes to exactly the metrics of an uninterrupted run', async () => {
  finalMetrics.set('sfc32', await killAndResume([]));
});

test('with pcg64 streams (train.rng) a killed run also resumes exactly, and the streams did change', async () => {
  const pcg = ['init', 'shuffle', 'negatives', 'step'].flatMap((s) => ['--set', `train.rng.${s}=pcg64`]);
  const perSeed = await killAndResume(pcg);
  const sfc = finalMetrics.get('sfc32');
  if (sfc) assert.notDeepEqual(perSeed, sfc, 'pcg64 streams give other numbers than sfc32');
});

test('a NaN loss stops training with the loss term, epoch and batch; --detect-anomaly names the node', () => {
  const args = [
    'run',
    join(PIPELINES, 'lightgcn.yaml'),
    '--no-save',
    '--plain',
    '--set',
    'train.optimizer.adam.lr=1e30',
    '--epochs',
    '3',
  ];
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  assert.match(
    r.stderr,
    /training stopped: loss '(bpr|total)' became (NaN|Infinity|-Infinity) in epoch \d+, batch \d+/,
  );
  const d = spawnSync(process.execPath, [CLI, ...args, '--detect-anomaly'], { encoding: 'utf8' });
  assert.equal(d.status, 1, d.stderr);
  assert.match(
    d.stderr,
    /training stopped: (node '\w+'|loss '\w+') \(op \w+\) produced NaN or Inf in epoch \d+, batch \d+/,
  );
});
