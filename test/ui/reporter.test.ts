import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { createReporter, wantsInk } from '../../src/ui/reporter.js';
import { REPO_ROOT } from '../helpers.js';
import { scriptedRun } from './events-fixture.js';

/** A stream that records writes, or fails them with EPIPE the way a closed pipe does (asynchronously). */
function fakeStream(opts: { isTTY?: boolean; columns?: number; failAfter?: number } = {}) {
  let writes = 0;
  let text = '';
  const s = new Writable({
    write(chunk: Buffer, _enc, cb) {
      writes++;
      if (opts.failAfter !== undefined && writes > opts.failAfter) {
        const err = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
        return cb(err);
      }
      text += chunk.toString();
      cb();
    },
  }) as Writable & { isTTY?: boolean; columns?: number };
  s.isTTY = opts.isTTY;
  s.columns = opts.columns;
  return { stream: s as unknown as NodeJS.WriteStream, text: () => text };
}

test('auto picks ink only for a TTY with columns, outside CI and dumb terminals', () => {
  const tty = fakeStream({ isTTY: true, columns: 120 }).stream;
  assert.equal(wantsInk(tty, {}), true);
  assert.equal(wantsInk(tty, { CI: 'true' }), false);
  assert.equal(wantsInk(tty, { CI: 'false' }), true);
  assert.equal(wantsInk(tty, { TERM: 'dumb' }), false);
  assert.equal(wantsInk(fakeStream({ isTTY: true, columns: 0 }).stream, {}), false);
  assert.equal(wantsInk(fakeStream({ isTTY: false, columns: 120 }).stream, {}), false);
  const r = createReporter({ mode: 'auto', stdout: fakeStream().stream, stderr: fakeStream().stream, env: {} });
  assert.equal(r.mode, 'plain');
  const q = createReporter({ mode: 'ink', quiet: true, stdout: fakeStream().stream, stderr: fakeStream().stream });
  assert.equal(q.mode, 'plain');
});

test('a stdout closed early (EPIPE) stops output quietly and sets closedEarly', async () => {
  const out = fakeStream({ failAfter: 2 });
  const err = fakeStream();
  let notified = 0;
  const r = createReporter({ mode: 'plain', stdout: out.stream, stderr: err.stream, onClosedEarly: () => notified++ });
  for (const e of scriptedRun()) {
    r.sink(e);
    await new Promise((res) => setImmediate(res));
  }
  await r.close();
  assert.equal(r.closedEarly, true);
  assert.equal(notified, 1);
  assert.equal(out.text().split('\n').length, 3); // two lines and the empty tail
});

test('json mode through createReporter writes JSON lines', async () => {
  const out = fakeStream();
  const r = createReporter({ mode: 'json', stdout: out.stream, stderr: fakeStream().stream });
  for (const e of scriptedRun()) r.sink(e);
  await r.close();
  const lines = out.text().trimEnd().split('\n');
  assert.equal((JSON.parse(lines[lines.length - 1]!) as { type: string }).type, 'result');
});

test('piping the demo into head -n 2 exits 0 with no EPIPE or stack trace', () => {
  // --seeds 50 makes the demo far longer than head's patience, so it must be stopped by the closed pipe.
  const script = `"${process.execPath}" --import tsx scripts/ui-demo.ts plain --fast --seeds 50 | head -n 2; echo "status \${PIPESTATUS[0]} \${PIPESTATUS[1]}" >&2`;
  const r = spawnSync('bash', ['-c', script], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, CI: '' },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trimEnd().split('\n').length, 2, r.stdout);
  assert.match(r.stdout, /^run anchorrec/);
  assert.match(r.stderr, /status 0 0/);
  assert.match(r.stderr, /stdout closed by its reader; stopped/);
  assert.doesNotMatch(r.stderr, /EPIPE|Error|\n\s+at /);
});

test('ink mode renders through createReporter and leaves the final summary on screen after close', async () => {
  const out = fakeStream({ isTTY: true, columns: 100 });
  (out.stream as { rows?: number }).rows = 40;
  const r = createReporter({ mode: 'ink', stdout: out.stream, stderr: fakeStream().stream });
  assert.equal(r.mode, 'ink');
  for (const e of scriptedRun()) r.sink(e);
  await r.close();
  await r.close(); // idempotent
  const text = out.text().replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
  assert.match(text, /done, 1 seed \(7\)/);
  assert.match(text, /recall@20 +0\.0812 ± 0\.0021/);
});
