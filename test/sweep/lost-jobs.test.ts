/**
 * Redis restarted empty under a waiting coordinator (issue 16, item 10): the coordinator must notice that its
 * jobs are gone, enqueue them again and say so, and the sweep must finish once a worker comes. The test runs
 * its own redis-server (it has to kill and restart it), on a port of its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PIPELINES } from '../helpers.js';
import { onlyStore, records, sleep, startCli } from './util.js';

const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0';
const skip = hasRedisServer || inCi ? false : 'redis-server is not installed';

function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      if (/Ready to accept connections/.test(out)) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
  });
}

test(
  'Redis restarted empty: the coordinator re-enqueues its lost points, says so, and the sweep finishes',
  { skip, timeout: 240_000 },
  async () => {
    const port = 20000 + (process.pid % 20000);
    const url = `redis://127.0.0.1:${port}`;
    const out = mkdtempSync(join(tmpdir(), 'af-lost-'));
    let redis = await startRedis(port);
    const procs: ReturnType<typeof startCli>[] = [];
    try {
      const coord = startCli([
        'sweep',
        join(PIPELINES, 'lightgcn.yaml'),
        '--grid',
        'dim=8,16',
        '--seeds',
        '1',
        '--epochs',
        '1',
        '--backend',
        'wasm',
        '--plain',
        '--queue',
        url,
        '--out',
        out,
      ]);
      procs.push(coord);
      await coord.waitFor(/2 point\(s\) in the queue .*waiting for workers/, 90_000);
      // The restart: every job the coordinator enqueued is gone.
      redis.kill('SIGKILL');
      await new Promise((r) => redis.once('exit', r));
      redis = await startRedis(port);
      await coord.waitFor(/2 point\(s\) had vanished from the queue .*enqueued them again/, 60_000);
      procs.push(startCli(['worker', '--queue', url, '--workers', '1', '--backend', 'wasm', '--lock-seconds', '5']));
      const r = await coord.done;
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.equal(records(onlyStore(out)).size, 2, 'both points stored');
    } finally {
      for (const p of procs) p.child.kill('SIGTERM');
      await Promise.all(procs.map((p) => p.done));
      redis.kill('SIGTERM');
      await sleep(100);
      rmSync(out, { recursive: true, force: true });
    }
  },
);
