/**
 * Output through pipes: a reader that is slower than the CLI must still get every byte (a pipe holds 64 KiB, so
 * exiting straight after a large write cut `schema | wc -c` short), and a reader that leaves early (`| head`)
 * ends the output quietly with exit 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { CLI } from '../helpers.js';

/** Runs `anchorflow <args> | <reader>` in a real shell pipe; returns the reader's output and the CLI's status. */
function piped(args: string, reader: string) {
  const r = spawnSync(
    'bash',
    [
      '-c',
      `set -o pipefail; "${process.execPath}" "${CLI}" ${args} 2>/tmp/af-pipe-$$.err | ${reader}; s=$?; cat /tmp/af-pipe-$$.err >&2; rm -f /tmp/af-pipe-$$.err; exit $s`,
    ],
    { encoding: 'utf8' },
  );
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr };
}

test('`schema` through a slow pipe delivers every byte', () => {
  const direct = spawnSync(process.execPath, [CLI, 'schema'], { encoding: 'utf8', maxBuffer: 1 << 24 });
  assert.equal(direct.status, 0, direct.stderr);
  const bytes = Buffer.byteLength(direct.stdout);
  // Over a pipe's 64 KiB, or the check below would pass whatever the CLI does.
  assert.ok(bytes > 65536, `${bytes} bytes`);
  for (let i = 0; i < 3; i++) {
    const r = piped('schema', '(sleep 0.7; wc -c)');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(Number(r.stdout), bytes, `try ${i + 1}`);
  }
});

test('a reader that leaves early (`| head -c 100`) ends the output quietly with exit 0', () => {
  const r = piped('schema', 'head -c 100 >/dev/null');
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /EPIPE|\bat .+:\d+:\d+/);
});
