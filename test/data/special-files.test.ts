import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, symlinkSync, truncateSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy, readNpyHeader } from '../../src/data/npy.js';
import { readInter } from '../../src/data/inter.js';
import { readRegularFile } from '../../src/util/regular-file.js';
import { diskError } from '../../src/util/atomic.js';
import { RunDir, removeStaleTemps } from '../../src/experiments/run-dir.js';
import { isUserError, UserError } from '../../src/util/errors.js';

function userError(fn: () => unknown, message: RegExp): UserError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(isUserError(err), `expected a UserError, got ${String(err)}`);
  assert.match(err.message, message);
  return err;
}

test('a FIFO, a device or a directory named as a data file is refused at once, naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'af-special-'));
  try {
    const fifo = join(dir, 'x.inter');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const started = Date.now();
    assert.equal(
      userError(() => readInter(fifo), /expected a regular file, found a named pipe \(FIFO\)/).loc?.file,
      fifo,
    );
    assert.ok(Date.now() - started < 2000, 'no wait for a writer');
    symlinkSync('/dev/zero', join(dir, 'zero.npy'));
    userError(() => readNpy(join(dir, 'zero.npy')), /found a character device/);
    mkdirSync(join(dir, 'd.npy'));
    userError(() => readNpyHeader(join(dir, 'd.npy')), /found a directory/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a huge sparse file is refused from its first bytes, not read to its end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'af-sparse-'));
  try {
    const f = join(dir, 'big.inter');
    writeFileSync(f, 'userID\titemID\tx_label\n0\t0\t0\n');
    truncateSync(f, 2 ** 33);
    const before = process.memoryUsage().rss;
    userError(() => readInter(f), /binary content \(a NUL byte at offset 28\)/);
    assert.ok(process.memoryUsage().rss - before < 256 << 20, 'read only the first piece');
    const npy = join(dir, 'big.npy');
    let h = "{'descr': '<f4', 'fortran_order': False, 'shape': (5, 3), }";
    h += ' '.repeat((64 - ((10 + h.length + 1) % 64)) % 64) + '\n';
    const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
    pre.writeUInt16LE(h.length, 8);
    writeFileSync(npy, Buffer.concat([pre, Buffer.from(h, 'latin1')]));
    truncateSync(npy, 2 ** 33);
    userError(() => readNpy(npy), /\.npy file has \d+ bytes after the data/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file over its size cap is refused before it is read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'af-cap-'));
  try {
    const f = join(dir, 'run.json');
    writeFileSync(f, '{}');
    truncateSync(f, 64 << 20);
    userError(
      () => readRegularFile(f, { maxBytes: 1 << 20, what: 'a run record' }),
      /a run record is 67\.1 MB, more than the 1\.0 MB/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a full disk is a UserError naming the file (ENOSPC from /dev/full)', () => {
  let err: unknown;
  try {
    writeFileSync('/dev/full', 'x');
  } catch (e) {
    err = diskError(e, '/dev/full');
  }
  assert.ok(isUserError(err), String(err));
  assert.equal(err.message, 'cannot write: no space left on device');
  const dir = mkdtempSync(join(tmpdir(), 'af-full-'));
  try {
    const run = RunDir.at(join(dir, 'run'));
    symlinkSync('/dev/full', join(run.path, 'events.jsonl'));
    const e = userError(
      () => run.event({ type: 'log', level: 'info', message: 'x' }),
      /^cannot write: no space left on device$/,
    );
    assert.equal(e.loc?.file, join(run.path, 'events.jsonl'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("temp files of killed atomic writes are removed on resume; a live writer's are kept", () => {
  const dir = mkdtempSync(join(tmpdir(), 'af-temps-'));
  try {
    mkdirSync(join(dir, 'seed-1', 'checkpoint'), { recursive: true });
    const dead = join(dir, 'seed-1', 'checkpoint', '.last.ckpt.999999999.1700000000000.tmp');
    const live = join(dir, `.metrics.json.${process.ppid}.1700000000000.tmp`);
    const other = join(dir, 'seed-1', 'checkpoint', 'last.ckpt');
    for (const f of [dead, live, other]) writeFileSync(f, 'x');
    assert.equal(removeStaleTemps(dir), 1);
    assert.deepEqual(readdirSync(join(dir, 'seed-1', 'checkpoint')), ['last.ckpt']);
    assert.ok(readdirSync(dir).includes(`.metrics.json.${process.ppid}.1700000000000.tmp`));
    RunDir.open(dir);
    assert.ok(
      readdirSync(dir).includes(`.metrics.json.${process.ppid}.1700000000000.tmp`),
      "open keeps a live writer's",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
