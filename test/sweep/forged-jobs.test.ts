/**
 * Forged queue jobs against a real worker on a real Redis. Each file in test/hostile/queue/jobs/ describes one
 * job (a genuine point's task with fields patched, or raw data) and how it must end. The worker runs as the CLI
 * would be run on a shared machine: its Redis URL carries a password, its environment a canary secret, its
 * temp folder sits two levels below a folder `outside/` that a path-climbing job id would reach. Asserted:
 * every job ends as its file says, with its reason; the worker survives them all; nothing is written anywhere
 * under the test's folder (the worker's temp files are gone again); no secret appears in a failure reason or
 * in the worker's output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { PIPELINES, REPO_ROOT } from '../helpers.js';
import { planSweep, sha, type PointTask } from '../../src/experiments/sweep/plan.js';
import { alive, onlyStore, sleep, startCli } from './util.js';

const REDIS = process.env.ANCHORFLOW_TEST_REDIS;
const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0';
const redisSkip = REDIS ? false : inCi ? false : 'ANCHORFLOW_TEST_REDIS is not set (e.g. redis://127.0.0.1:6393)';
const JOBS = join(REPO_ROOT, 'test', 'hostile', 'queue', 'jobs');
const CANARY = 'canary-7f3a9c';

interface ResolvedEdit {
  text?: string;
  prepend?: string;
  replace?: [string, string][];
  repeat?: [string, number];
}
interface JobCase {
  name: string;
  what: string;
  expect: 'failed' | 'completed';
  reason?: string;
  /** Fields set on a genuine task (null deletes one); `{data}` in a string is the worker's data root. */
  patch?: Record<string, unknown>;
  resolved?: ResolvedEdit;
  /** Raw data instead of a patched task. */
  data?: unknown;
  /** The BullMQ job id (default: the data's id). */
  jobId?: string;
  /** Recompute pipelineHash and id after the edits, as a forger can (default true). */
  rehash?: boolean;
  /** Why the case cannot pass yet (skipped, and said so). */
  pending?: string;
}

function loadJobCases(): JobCase[] {
  return readdirSync(JOBS)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({
      name: f.slice(0, -5),
      ...(JSON.parse(readFileSync(join(JOBS, f), 'utf8')) as Omit<JobCase, 'name'>),
    }));
}

function forge(c: JobCase, base: PointTask, dataRoot: string): { jobId: string; data: unknown } {
  if ('data' in c) return { jobId: c.jobId ?? `forged-${c.name}`, data: c.data };
  const t: Record<string, unknown> = { ...base };
  const e = c.resolved;
  if (e) {
    let text = e.text ?? base.resolved;
    if (e.repeat) text = e.repeat[0].repeat(e.repeat[1]);
    for (const [from, to] of e.replace ?? []) {
      assert.ok(text.includes(from), `${c.name}: the genuine pipeline has no ${JSON.stringify(from)}`);
      text = text.replace(from, to);
    }
    if (e.prepend) text = e.prepend + text;
    t.resolved = text;
  }
  const set = (k: string, v: unknown) => {
    if (v === null) delete t[k];
    // defineProperty: a plain assignment to '__proto__' would change the prototype instead of adding the key.
    else
      Object.defineProperty(t, k, {
        value: typeof v === 'string' ? v.replaceAll('{data}', dataRoot) : v,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  };
  const patch = Object.entries(c.patch ?? {});
  for (const [k, v] of patch) if (k !== 'id' && k !== 'pipelineHash') set(k, v);
  const rehash = c.rehash !== false && typeof t.resolved === 'string';
  if (rehash) {
    // Each case its own point id: BullMQ keeps one job per id, so two cases with one id would be one job.
    t.resolved = `${t.resolved as string}# forged job: ${c.name}\n`;
    t.pipelineHash = sha(t.resolved as string).slice(0, 16);
    t.id = sha(t.pipelineHash as string, String(t.dataset), typeof t.dataPath === 'string' ? t.dataPath : '').slice(
      0,
      20,
    );
  }
  for (const [k, v] of patch) if (k === 'id' || k === 'pipelineHash') set(k, v);
  return { jobId: c.jobId ?? (rehash ? String(t.id) : `forged-${c.name}`), data: t };
}

/** Every path under `dir` with its kind and content hash (links: their target), for before/after comparison. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out.set(p, `link ${readlinkSync(p)}`);
      else if (st.isDirectory()) {
        out.set(p, 'dir');
        walk(p);
      } else out.set(p, `file ${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
    }
  };
  walk(dir);
  return out;
}

test('the job corpus: every case is described and says how it must end', () => {
  const cases = loadJobCases();
  assert.ok(cases.length >= 40, `${cases.length} job cases`);
  for (const c of cases) {
    assert.ok(c.what && (c.expect === 'failed' || c.expect === 'completed'), c.name);
    if (c.expect === 'failed') assert.ok(c.reason, `${c.name}: a failing case names its reason`);
  }
});

test(
  'forged queue jobs fail with a clear reason, write nothing outside the store and leak no secret',
  { skip: redisSkip, timeout: 300_000 },
  async (t) => {
    assert.ok(REDIS, 'CI must provide a Redis: set ANCHORFLOW_TEST_REDIS');
    const cases = loadJobCases();
    const runnable = cases.filter((c) => !c.pending);
    for (const c of cases.filter((c) => c.pending)) t.diagnostic(`pending ${c.name}: ${c.pending}`);

    const root = mkdtempSync(join(tmpdir(), 'af-forged-'));
    const dataRoot = join(root, 'data');
    const work = join(root, 'work');
    // `../../../../outside/x` from a temp folder made in tmp/a/b lands in root/outside.
    const tmp = join(root, 'tmp', 'a', 'b');
    for (const d of [join(dataRoot, 'mydata'), work, tmp, join(root, 'outside')]) mkdirSync(d, { recursive: true });
    symlinkSync(join(root, 'outside'), join(dataRoot, 'evil'));
    const before = snapshot(root);

    const base = (() => {
      const { config: _config, ...task } = planSweep({
        file: join(PIPELINES, 'lightgcn.yaml'),
        epochs: 1,
        out: join(root, 'never-written'),
      }).points[0]!;
      return task;
    })();

    const u = new URL(REDIS);
    const port = u.port || '6379';
    const user = `af_forged_${process.pid}`;
    execFileSync('redis-cli', [
      '-h',
      u.hostname,
      '-p',
      port,
      'ACL',
      'SETUSER',
      user,
      'on',
      `>${CANARY}`,
      '~*',
      '&*',
      '+@all',
    ]);
    const url = `redis://${user}:${CANARY}@${u.hostname}:${port}`;
    const qn = `af-forged-${process.pid}-${Date.now()}`;
    const queue = new Queue(qn, { connection: { host: u.hostname, port: Number(port), maxRetriesPerRequest: null } });
    const worker = startCli(
      [
        'worker',
        '--queue',
        url,
        '--queue-name',
        qn,
        '--workers',
        '2',
        '--backend',
        'wasm',
        '--data-dir',
        dataRoot,
        '--lock-seconds',
        '5',
      ],
      {
        TMPDIR: tmp,
        ANCHORFLOW_CANARY_SECRET: CANARY,
        ANCHORFLOW_DATA_DIR: '',
      },
    );
    try {
      await worker.waitFor(/worker \S+ on queue/, 60_000);
      const ids = new Map<string, JobCase>();
      for (const c of runnable) {
        const { jobId, data } = forge(c, base, dataRoot);
        await queue.add('point', data as object, { jobId, attempts: 1 });
        ids.set(jobId, c);
      }
      const ended = new Map<string, { state: string; reason: string }>();
      const deadline = Date.now() + 240_000;
      while (ended.size < ids.size && Date.now() < deadline) {
        for (const id of ids.keys()) {
          if (ended.has(id)) continue;
          const state = await queue.getJobState(id);
          // Read after the state is final: a job read while it was still active has no reason yet.
          if (state === 'completed' || state === 'failed')
            ended.set(id, { state, reason: (await queue.getJob(id))?.failedReason ?? '' });
        }
        await sleep(250);
      }
      assert.ok(alive(worker.child.pid!), 'the worker survives every forged job');
      for (const [id, c] of ids) {
        const r = ended.get(id);
        assert.ok(r, `${c.name}: did not end within the time limit\n${worker.stdout()}`);
        t.diagnostic(`${c.name}: ${r.state}${r.reason ? `: ${r.reason.split('\n')[0]}` : ''}`);
        assert.equal(r.state, c.expect, `${c.name} (${c.what}): ${r.reason}`);
        if (c.reason) assert.match(r.reason, new RegExp(c.reason), `${c.name}: reason`);
        assert.doesNotMatch(r.reason, new RegExp(CANARY), `${c.name}: a secret in failedReason`);
        assert.doesNotMatch(
          r.reason,
          /root:x:0:0|\n\s+at /,
          `${c.name}: foreign file content or a stack trace in failedReason`,
        );
      }
    } finally {
      worker.child.kill('SIGTERM');
      await worker.done;
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      execFileSync('redis-cli', ['-h', u.hostname, '-p', port, 'ACL', 'DELUSER', user]);
    }
    const done = await worker.done;
    for (const text of [done.stdout, done.stderr]) {
      assert.doesNotMatch(text, new RegExp(CANARY), 'a secret in the worker output');
      assert.doesNotMatch(text, /root:x:0:0|\n\s+at /, 'foreign file content or a stack trace in the worker output');
    }
    assert.match(done.stdout, /rejected: /);
    const after = snapshot(root);
    const created = [...after.keys()].filter((p) => !before.has(p));
    const changed = [...before.keys()].filter((p) => after.get(p) !== before.get(p));
    assert.deepEqual({ created, changed }, { created: [], changed: [] }, 'nothing written under the test folder');
    rmSync(root, { recursive: true, force: true });
  },
);

test(
  'a forged result (a job completed by something other than a worker) is not stored',
  { skip: redisSkip, timeout: 180_000 },
  async () => {
    assert.ok(REDIS);
    const u = new URL(REDIS);
    const connection = { host: u.hostname, port: Number(u.port || '6379'), maxRetriesPerRequest: null };
    const qn = `af-forged-result-${process.pid}-${Date.now()}`;
    const out = mkdtempSync(join(tmpdir(), 'af-forged-result-'));
    // Not an anchorflow worker: whoever can reach the Redis can complete a job with whatever it likes.
    const forger = new Worker(
      qn,
      async () => ({ summary: { valid: 'pwned', test: {} }, backend: 'wasm\u001b[2J', worker: 'x', attempt: 1 }),
      { connection },
    );
    try {
      const r = await startCli([
        'sweep',
        join(PIPELINES, 'lightgcn.yaml'),
        '--epochs',
        '1',
        '--seeds',
        '1',
        '--plain',
        '--queue',
        REDIS,
        '--queue-name',
        qn,
        '--out',
        out,
      ]).done;
      assert.equal(r.code, 1, r.stderr + r.stdout);
      const points = join(onlyStore(out), 'points');
      const files = readdirSync(points);
      assert.deepEqual(
        files.filter((f) => /^[0-9a-f]+\.json$/.test(f)),
        [],
        'no result stored',
      );
      const failed = files.find((f) => f.endsWith('.failed.json'));
      assert.ok(failed, files.join(', '));
      assert.match(readFileSync(join(points, failed), 'utf8'), /malformed result from the queue/);
    } finally {
      await forger.close();
      const q = new Queue(qn, { connection });
      await q.obliterate({ force: true }).catch(() => {});
      await q.close();
      rmSync(out, { recursive: true, force: true });
    }
  },
);
