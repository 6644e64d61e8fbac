/**
 * Sweeps end to end with the real CLI: 2 configurations x 3 seeds of LightGCN on synth:small, 3 epochs.
 * The same points must give identical metrics with 1 worker, 2 local workers and 2 Redis workers; SIGKILL of a
 * point process, of the local coordinator and of a Redis worker mid-point must still end with every point
 * stored once, and a restarted sweep must run nothing twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PIPELINES } from '../helpers.js';
import { configurations, readSpec } from '../../src/experiments/sweep/spec.js';
import { planSweep } from '../../src/experiments/sweep/plan.js';
import type { SweepResults } from '../../src/experiments/sweep/results.js';
import { redactUrl } from '../../src/experiments/sweep/redis-url.js';
import { alive, metricsById, onlyStore, records, sleep, startCli } from './util.js';

const LIGHTGCN = join(PIPELINES, 'lightgcn.yaml');
const SWEEP = [
  'sweep',
  LIGHTGCN,
  '--grid',
  'dim=16,32',
  '--seeds',
  '3',
  '--seed',
  '1',
  '--epochs',
  '3',
  '--backend',
  'wasm',
  '--plain',
];
const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));
const noLocate = () => ({ file: 'x.yaml' });

test('spec: grid from the file and --grid, seeds, deterministic random search', () => {
  const spec = readSpec({
    section: { grid: { dim: [16, 32], nodes: { cf: { layers: [1, 2] } } }, seeds: 2 },
    locate: noLocate,
    grid: ['dim=8,64', 'reg_weight=1e-4,1e-3'],
    baseSeed: 999,
  });
  assert.deepEqual(spec.seeds, [999, 1000]);
  assert.deepEqual(
    spec.axes.map((a) => a.key),
    ['nodes.cf.layers', 'params.dim', 'params.reg_weight'],
  );
  const cs = configurations(spec);
  assert.equal(cs.length, 8);
  assert.deepEqual(cs[0]!.overrides, ['nodes.cf.layers=1', 'params.dim=8', 'params.reg_weight=0.0001']);
  assert.equal(cs[0]!.label, 'nodes.cf.layers=1 dim=8 reg_weight=0.0001');

  const rnd = {
    section: { grid: { lr: { loguniform: [1e-4, 1e-1] }, dim: [16, 32] }, random: { samples: 5, seed: 3 } },
    locate: noLocate,
    baseSeed: 1,
  };
  const a = configurations(readSpec(rnd));
  assert.equal(a.length, 5);
  assert.equal(new Set(a.map((c) => c.key)).size, 5, 'distinct configurations');
  assert.deepEqual(configurations(readSpec(rnd)), a, 'the same draw every time');
  for (const c of a) assert.ok((c.values['params.lr'] as number) >= 1e-4 && (c.values['params.lr'] as number) <= 1e-1);
  // A finite space smaller than the sample count gives each configuration once.
  assert.equal(
    configurations(
      readSpec({ section: { grid: { dim: [1, 2] }, random: { samples: 9 } }, locate: noLocate, baseSeed: 1 }),
    ).length,
    2,
  );
  assert.deepEqual(readSpec({ section: { seeds: [5, 7] }, locate: noLocate, baseSeed: 1 }).seeds, [5, 7]);
  assert.throws(
    () => readSpec({ section: { grid: { lr: { uniform: [0, 1] } } }, locate: noLocate, baseSeed: 1 }),
    /needs random search/,
  );
  assert.throws(() => readSpec({ section: { grdi: {} }, locate: noLocate, baseSeed: 1 }), /unknown sweep key 'grdi'/);
});

test('plan: point ids follow the resolved pipeline, so a changed pipeline never reuses a result', () => {
  const a = planSweep({ file: LIGHTGCN, grid: ['dim=16,32'], seeds: 2, epochs: 3 });
  assert.equal(a.points.length, 4);
  assert.equal(new Set(a.points.map((p) => p.id)).size, 4);
  assert.deepEqual(
    planSweep({ file: LIGHTGCN, grid: ['dim=16,32'], seeds: 2, epochs: 3 }).points.map((p) => p.id),
    a.points.map((p) => p.id),
    'stable',
  );
  const b = planSweep({ file: LIGHTGCN, grid: ['dim=16,32'], seeds: 2, epochs: 3, set: ['train.batch_size=1024'] });
  assert.equal(a.points.filter((p) => b.points.some((q) => q.id === p.id)).length, 0, 'no id shared after a change');
  assert.notEqual(a.hash, b.hash);
  for (const p of a.points) {
    assert.match(p.resolved, new RegExp(`seed: ${p.seed}\\n`));
    assert.doesNotMatch(p.resolved, /^sweep:/m, 'the sweep section is not part of a point');
    assert.equal(p.pipelineHash, createHash('sha256').update(p.resolved).digest('hex').slice(0, 16));
  }
});

test('a bad sweep section is a located user error (exit 2) and nothing runs', async () => {
  const dir = tmp('af-sweep-bad-');
  const f = join(dir, 'bad.yaml');
  writeFileSync(f, `extends: ${LIGHTGCN}\nname: bad\nsweep:\n  grid:\n    dim: 16\n`);
  const r = await startCli(['sweep', f, '--out', join(dir, 'out'), '--plain']).done;
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /bad\.yaml:5:\d+: sweep 'dim' must be a list of values/);
  const v = await startCli(['sweep', LIGHTGCN, '--grid', 'dim=16,ten', '--out', join(dir, 'out'), '--plain']).done;
  assert.equal(v.code, 2, v.stderr);
  assert.match(v.stderr, /sweep configuration 'dim=ten'/);
  assert.equal(existsSync(join(dir, 'out')), false);
});

let reference: ReturnType<typeof metricsById> | undefined;

test('1 worker: every point stored with its resolved pipeline; results chosen on valid; a re-run runs nothing', async () => {
  const out = tmp('af-sweep-1-');
  const r = await startCli([...SWEEP, '--workers', '1', '--out', out]).done;
  assert.equal(r.code, 0, r.stderr);
  const store = onlyStore(out);
  const recs = records(store);
  assert.equal(recs.size, 6);
  for (const rec of recs.values()) {
    assert.equal(rec.attempt, 1);
    assert.equal(rec.pipelineHash, createHash('sha256').update(rec.resolved).digest('hex').slice(0, 16));
  }
  reference = metricsById(store);
  for (const f of ['results.md', 'results.csv', 'results.json', 'plot-dim.svg', 'sweep.json'])
    assert.ok(existsSync(join(store, f)), f);
  const res = JSON.parse(readFileSync(join(store, 'results.json'), 'utf8')) as SweepResults;
  assert.equal(res.configurations.length, 2);
  const byValid = [...res.configurations].sort((a, b) => b.valid.mean['recall@20']! - a.valid.mean['recall@20']!);
  assert.equal(res.best?.label, byValid[0]?.label, 'best is the top valid mean');
  for (const c of res.configurations) {
    assert.deepEqual(c.seeds, [1, 2, 3]);
    const xs = c.perSeed.map((s) => s.valid['recall@20']!);
    assert.ok(Math.abs(c.valid.mean['recall@20']! - xs.reduce((a, b) => a + b, 0) / 3) < 1e-12);
  }
  assert.match(readFileSync(join(store, 'results.md'), 'utf8'), /\| rank \| dim \| seeds \| valid recall@20/);
  assert.match(
    readFileSync(join(store, 'results.csv'), 'utf8').split('\n')[0]!,
    /^rank,best,params\.dim,seeds,missing_seeds,valid_recall@5_mean/,
  );
  assert.match(readFileSync(join(store, 'plot-dim.svg'), 'utf8'), /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(r.stdout, /best on valid recall@20: dim=(16|32)/);

  const again = await startCli([...SWEEP, '--workers', '1', '--out', out]).done;
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /6 points \(2 configurations x 3 seeds\), 6 already done/);
  assert.doesNotMatch(again.stdout, /^start /m, 'no point ran again');
  assert.deepEqual(metricsById(store), reference);
});

/** Waits for a point process to report `minEpoch` finished epochs in its .running marker; returns its pid. */
async function pointInFlight(store: string, minEpoch = 1, timeoutMs = 60000): Promise<{ id: string; pid: number }> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const dir = join(store, 'points');
    for (const f of existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.running')) : []) {
      try {
        const m = JSON.parse(readFileSync(join(dir, f), 'utf8'));
        if (m.epoch >= minEpoch && m.pid) return { id: f.replace('.running', ''), pid: m.pid };
      } catch {
        // being replaced right now
      }
    }
    await sleep(25);
  }
  throw new Error('no point reached its first epoch');
}

test('2 local workers: identical metrics; a point killed with SIGKILL mid-point continues from its checkpoint, once', async () => {
  assert.ok(reference, 'needs the 1-worker run');
  const out = tmp('af-sweep-2-');
  const p = startCli([...SWEEP, '--workers', '2', '--out', out]);
  await p.waitFor(/store: /);
  const store = onlyStore(out);
  // In epoch 2, epoch 1's checkpoint is on disk (it is written after the evaluation, before epoch 2 starts).
  const victim = await pointInFlight(store, 2);
  process.kill(victim.pid, 'SIGKILL');
  const r = await p.done;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /retry dim=\d+ seed \d: killed by SIGKILL/);
  const recs = records(store);
  assert.equal(recs.size, 6, 'every point stored');
  assert.equal(recs.get(victim.id)?.attempt, 2, 'the killed point was run again');
  // ...from its last checkpoint, not from scratch, and still to the same metrics as an uninterrupted run.
  const events = readFileSync(join(store, 'runs', victim.id, 'events.jsonl'), 'utf8');
  assert.match(events, /resumed seed \d+ after epoch [12] /);
  assert.ok(
    existsSync(join(store, 'runs', victim.id, 'seed-' + recs.get(victim.id)!.seed, 'result.json')),
    "the point's run directory holds its result",
  );
  assert.deepEqual(metricsById(store), reference, 'same metrics as 1 worker');
  assert.deepEqual(
    readdirSync(join(store, 'points')).filter((f) => !/^[0-9a-f]+\.json$/.test(f)),
    [],
    'no markers or temp files left',
  );
});

test('SIGKILL of the sweep itself: its point processes end, and the restarted sweep runs only what was missing', async () => {
  assert.ok(reference);
  const out = tmp('af-sweep-k-');
  const p = startCli([...SWEEP, '--workers', '2', '--out', out]);
  await p.waitFor(/^\[1\/6\]/m);
  const store = onlyStore(out);
  const victim = await pointInFlight(store);
  p.child.kill('SIGKILL');
  await p.done;
  const before = records(store);
  assert.ok(before.size >= 1 && before.size < 6, `stored before the kill: ${before.size}`);
  // The orphaned point process notices its parent is gone (stdin closes) and exits.
  for (let i = 0; i < 100 && alive(victim.pid); i++) await sleep(50);
  assert.equal(alive(victim.pid), false, 'no orphan point process');
  assert.ok(existsSync(join(store, 'points', `${victim.id}.running`)), 'the interrupted point is marked');

  const r = await startCli([...SWEEP, '--workers', '2', '--out', out]).done;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`, ${before.size} already done`));
  assert.equal((r.stdout.match(/^start /gm) ?? []).length, 6 - before.size, 'only the missing points ran');
  const after = records(store);
  assert.equal(after.size, 6);
  for (const [id, rec] of before)
    assert.equal(after.get(id)!.finished, rec.finished, 'a stored point was not run again');
  assert.deepEqual(metricsById(store), reference);
});

// ---- Redis ------------------------------------------------------------------------------------------------

const REDIS = process.env.ANCHORFLOW_TEST_REDIS;
const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0';
const redisSkip = REDIS
  ? false
  : inCi
    ? false
    : 'ANCHORFLOW_TEST_REDIS is not set (e.g. redis://127.0.0.1:6390); .ci/run starts a Redis for these tests';

test('redact: a password in a Redis URL is never shown', () => {
  assert.equal(redactUrl('redis://user:s3cret@db.example:6380/2'), 'redis://***@db.example:6380/2');
  assert.equal(redactUrl('redis://:s3cret@h:1'), 'redis://***@h:1');
  assert.equal(redactUrl('redis://h:1'), 'redis://h:1');
  assert.doesNotMatch(redactUrl('redis//user:s3cret@h'), /s3cret/);
});

test(
  'Redis: 2 workers give identical metrics; a worker killed mid-point has its point retried elsewhere; no password leaks',
  { skip: redisSkip },
  async () => {
    assert.ok(REDIS, 'CI must provide a Redis for the sweep tests: set ANCHORFLOW_TEST_REDIS (see .ci/run)');
    assert.ok(reference);
    const u = new URL(REDIS);
    const port = u.port || '6379';
    // A user with a password, made for this test, so that the URL carries a secret that must never surface.
    const secret = `pw${process.pid}x${Date.now()}`;
    const user = `af_test_${process.pid}`;
    execFileSync('redis-cli', [
      '-h',
      u.hostname,
      '-p',
      port,
      'ACL',
      'SETUSER',
      user,
      'on',
      `>${secret}`,
      '~*',
      '&*',
      '+@all',
    ]);
    const url = `redis://${user}:${secret}@${u.hostname}:${port}`;
    // A fresh queue per run: a job id is the point id, and a finished job from an earlier test run would be reused.
    const qn = `af-test-${process.pid}-${Date.now()}`;
    const out = tmp('af-sweep-q-');
    const worker = (n: number) =>
      startCli(
        ['worker', '--queue', url, '--queue-name', qn, '--workers', '1', '--backend', 'wasm', '--lock-seconds', '2'],
        { W: String(n) },
      );
    const procs = [worker(1), worker(2)];
    try {
      const coord = startCli([...SWEEP, '--queue', url, '--queue-name', qn, '--out', out]);
      // Kill the first worker as soon as it is inside a point (after its first epoch).
      await procs[0]!.waitFor(/epoch 1\/3/);
      procs[0]!.child.kill('SIGKILL');
      // Keep two workers running, as the machine that died would be replaced.
      procs.push(worker(3));
      const r = await coord.done;
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const store = onlyStore(out);
      const recs = records(store);
      assert.equal(recs.size, 6);
      assert.deepEqual(metricsById(store), reference, 'same metrics as 1 local worker');
      const killedLine = procs[0]!.stdout().match(/start (dim=\d+) seed (\d) \[([0-9a-f]{8})\]/);
      assert.ok(killedLine, procs[0]!.stdout());
      const killed = [...recs.values()].find((x) => x.id.startsWith(killedLine[3]!))!;
      assert.ok(
        killed.attempt >= 1 && !killed.worker.endsWith(`:${procs[0]!.child.pid}`),
        'finished by another worker',
      );
      // Every point ran to completion exactly once across the surviving workers... and the dead one never finished one.
      const finished =
        procs.slice(1).flatMap((p) => p.stdout().match(/^\S+ done /gm) ?? []).length +
        (procs[0]!.stdout().match(/^\S+ done /gm) ?? []).length;
      assert.equal(finished, 6, 'six completions in all');

      // A restarted coordinator finds everything stored and enqueues nothing.
      const again = await startCli([...SWEEP, '--queue', url, '--queue-name', qn, '--out', out]).done;
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /6 already done/);
      await sleep(300);
      assert.equal(
        procs.slice(1).flatMap((p) => p.stdout().match(/^\S+ done /gm) ?? []).length +
          (procs[0]!.stdout().match(/^\S+ done /gm) ?? []).length,
        6,
      );

      // The password: not on any output, not in any stored file.
      for (const text of [
        r.stdout,
        r.stderr,
        again.stdout,
        again.stderr,
        ...procs.flatMap((p) => [p.stdout(), p.stderr()]),
      ])
        assert.doesNotMatch(text, new RegExp(secret));
      assert.match(r.stdout, /redis:\/\/\*\*\*@/);
      for (const f of readdirSync(store, { recursive: true }) as string[]) {
        const full = join(store, f);
        if (/\.(json|md|csv|svg)$/.test(f)) assert.doesNotMatch(readFileSync(full, 'utf8'), new RegExp(secret), f);
      }
    } finally {
      for (const p of procs) p.child.kill('SIGTERM');
      await Promise.all(procs.map((p) => p.done));
      execFileSync('redis-cli', ['-h', u.hostname, '-p', port, 'ACL', 'DELUSER', user]);
    }
  },
);
