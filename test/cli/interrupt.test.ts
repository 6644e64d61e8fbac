/**
 * An honest screen and a clean Ctrl+C, driven through the real CLI: the Ink view in a pseudo terminal (`script`
 * from util-linux gives one), plain and JSON output through a pipe. Each run is LightGCN on synth:small, whose
 * epochs take seconds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, PIPELINES } from '../helpers.js';

const LIGHTGCN = join(PIPELINES, 'lightgcn.yaml');
const RESUME_LINE = /^interrupted after epoch (\d+); continue with: npx anchorflow run --resume (\S+)$/m;
const ansi = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');

interface Watched {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  /** Resolves with the time (ms since spawn) at which the output first matches. */
  waitFor(re: RegExp, what: string): Promise<number>;
  exit: Promise<number | null>;
}

function watch(child: ChildProcess, timeoutMs = 240_000): Watched {
  const started = Date.now();
  let out = '';
  let err = '';
  const waiters: { re: RegExp; resolve: (t: number) => void }[] = [];
  const check = () => {
    for (const w of [...waiters])
      if (w.re.test(ansi(out))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(Date.now() - started);
      }
  };
  child.stdout!.on('data', (d) => ((out += d), check()));
  child.stderr?.on('data', (d) => (err += d));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  void exit.then(() => clearTimeout(timer));
  return {
    child,
    out: () => ansi(out),
    err: () => err,
    waitFor: (re, what) =>
      new Promise<number>((resolve, reject) => {
        waiters.push({ re, resolve });
        check();
        void exit.then((code) =>
          reject(new Error(`exited (${code}) before ${what}:\n${ansi(out).slice(-2000)}\n${err}`)),
        );
      }),
    exit,
  };
}

function workDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'af-interrupt-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const runIn = (cwd: string, args: string[]) =>
  watch(spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] }));

test('--plain through a pipe: a line per stage, then Ctrl+C after epoch 1 prints the resume line, exits 130, and --resume continues with the history', async (t) => {
  const cwd = workDir(t);
  const run = runIn(cwd, ['run', LIGHTGCN, '--epochs', '30', '--plain', '--out', 'runs']);
  await run.waitFor(/^eval +1 /m, 'the first evaluation');
  const out = run.out();
  // Every stage is announced before the run's header, the first epoch after it.
  const at = (s: string) => out.indexOf(s);
  for (const s of [
    'starting the tfjs backend…',
    'loading data synth:small…',
    'compiling lightgcn',
    'building constants',
  ]) {
    assert.ok(at(s) >= 0 && at(s) < at('run lightgcn ·'), `${s} before the header:\n${out}`);
  }
  assert.ok(at('epoch 1 running…') > at('run lightgcn ·'));
  run.child.kill('SIGINT');
  assert.equal(await run.exit, 130, run.err());
  const m = RESUME_LINE.exec(run.err());
  assert.ok(m, run.err());
  const epoch = Number(m[1]);
  assert.ok(epoch >= 1, run.err());
  assert.doesNotMatch(run.err(), /\bat .+:\d+:\d+/, 'no stack trace');
  const dir = join(cwd, m[2]!);
  assert.ok(existsSync(join(dir, 'seed-999', 'checkpoint', 'last.ckpt')), 'the last finished epoch is checkpointed');

  const resumed = runIn(cwd, ['run', '--resume', m[2]!, '--plain']);
  await resumed.waitFor(new RegExp(`^epoch +${epoch + 1}/30 `, 'm'), `epoch ${epoch + 1}`);
  assert.match(
    resumed.out(),
    new RegExp(`^epochs 1-${epoch} ran before --resume; best epoch \\d+, valid recall@20 `, 'm'),
  );
  assert.doesNotMatch(resumed.out(), /^epoch +1\/30 /m, 'training continues, it does not start over');
  resumed.child.kill('SIGINT');
  assert.equal(await resumed.exit, 130, resumed.err());
  const again = RESUME_LINE.exec(resumed.err());
  assert.ok(again && Number(again[1]) >= epoch + 1, resumed.err());
});

test('--json through a pipe: an event per stage; Ctrl+C gives an interrupted event on stdout and the line on stderr; --no-save says so', async (t) => {
  const cwd = workDir(t);
  const run = runIn(cwd, ['run', LIGHTGCN, '--epochs', '30', '--json', '--no-save']);
  await run.waitFor(/"type":"eval"/, 'the first evaluation');
  run.child.kill('SIGINT');
  assert.equal(await run.exit, 130, run.err());
  const events = run
    .out()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; stage?: string; message?: string; epoch?: number });
  const stages = events.filter((e) => e.type === 'stage').map((e) => e.stage);
  assert.deepEqual(stages, ['load', 'backend', 'data', 'compile', 'constants', 'training']);
  assert.ok(events.findIndex((e) => e.stage === 'constants') < events.findIndex((e) => e.type === 'run_start'));
  const last = events[events.length - 1]!;
  assert.equal(last.type, 'interrupted');
  assert.match(last.message!, /^interrupted after epoch \d+ \(nothing saved: --no-save\)$/);
  assert.equal(run.err().trim().split('\n').pop(), last.message);
});

test('the Ink view in a pseudo terminal: a first frame with the stage at once, Ctrl+C after epoch 1 prints the resume line and exits 130', async (t) => {
  if (spawnSync('script', ['--version']).status !== 0) return t.skip('needs `script` (util-linux)');
  const cwd = workDir(t);
  // How long this machine takes to start the CLI at all, so that the bound below holds on a loaded machine too.
  const t0 = Date.now();
  spawnSync(process.execPath, [CLI, '--version']);
  const startup = Date.now() - t0;
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color' };
  delete env.CI;
  // `script` runs the command on a new pseudo terminal; the size is set first (Ink needs columns).
  const cmd = `stty cols 120 rows 40; exec "${process.execPath}" "${CLI}" run "${LIGHTGCN}" --epochs 30 --out runs`;
  const run = watch(spawn('script', ['-qfec', cmd, '/dev/null'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] }));
  const firstFrame = await run.waitFor(
    /anchorflow (starting|starting the tfjs backend|loading data synth:small)…/,
    'the first frame',
  );
  assert.ok(firstFrame < startup + 5000, `first frame after ${firstFrame} ms (CLI startup ${startup} ms)`);
  // Every stage reached the screen before training did.
  await run.waitFor(/epoch +1\/30/, 'epoch 1');
  const before = run.out().slice(0, run.out().search(/epoch +1\/30/));
  for (const s of ['loading data synth:small…', 'compiling lightgcn', 'building constants'])
    assert.ok(before.includes(s), `${s} shown:\n${before}`);
  await run.waitFor(/best epoch 1 /, 'the first evaluation');
  run.child.stdin!.write('\x03');
  assert.equal(await run.exit, 130, run.out().slice(-2000));
  const m = RESUME_LINE.exec(run.out());
  assert.ok(m, run.out().slice(-2000));
  assert.ok(existsSync(join(cwd, m[2]!, 'seed-999', 'checkpoint', 'last.ckpt')));
});
