/** The on-disk cache of feature-cosine matrices (src/ops/kernels/cosine-disk-cache.ts), with real files. */
import { test, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, statSync, writeFileSync, readFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, useBackend, randn } from './_setup.js';
import { Rng } from '../../src/util/rng.js';
import { cachedCosineMatrix, cosineMatrix, releaseCosineMatrices } from '../../src/ops/kernels/cosine.js';
import { cosineCacheFolder, cosineKey, writeCachedCosine } from '../../src/ops/kernels/cosine-disk-cache.js';
import { shutdownThreads } from '../../src/ops/kernels/threads/pool.js';
import { resetFlags, setFlag } from '../../src/util/flags.js';

after(async () => {
  resetFlags('cacheDir', 'cacheMb');
  await shutdownThreads();
});
beforeEach(() => releaseCosineMatrices(new Set()));

const bits = (m: Float32Array) => Array.from(new Uint32Array(m.slice().buffer));
const matrices = (dir: string) => readdirSync(join(dir, 'cosine')).filter((f) => f.endsWith('.f32'));

function features(seed: number, n = 300, f = 70): tf.Tensor2D {
  return tf.tensor2d(randn(new Rng(seed), n * f), [n, f]);
}

test('a matrix is written once, and a later process-like lookup reads back the same bits', async () => {
  await useBackend('wasm');
  const dir = mkdtempSync(join(tmpdir(), 'af-cos-cache-'));
  setFlag('cacheDir', dir);
  {
    const x = features(1);
    const computed = cosineMatrix(x);
    const first = cachedCosineMatrix(x)!;
    assert.deepEqual(bits(first), bits(computed));
    assert.equal(matrices(dir).length, 1);
    const [file] = matrices(dir);
    assert.equal(statSync(join(dir, 'cosine', file!)).size, 16 + 300 * 300 * 4);
    // A new tensor with the same numbers (as the next seed's process has) is found on disk by its content.
    releaseCosineMatrices(new Set());
    const again = cachedCosineMatrix(features(1))!;
    assert.notEqual(again, first);
    assert.deepEqual(bits(again), bits(computed));
    x.dispose();
  }
  // Other numbers are another entry.
  cachedCosineMatrix(features(2));
  assert.equal(matrices(dir).length, 2);
});

test('what is on disk is what is used: a planted matrix under the key is returned as it is', async () => {
  await useBackend('wasm');
  const dir = mkdtempSync(join(tmpdir(), 'af-cos-cache-'));
  setFlag('cacheDir', dir);
  const x = features(3, 50, 8);
  // In shared memory, as the threaded cosine matrix is.
  const planted = new Float32Array(new SharedArrayBuffer(50 * 50 * 4));
  planted.forEach((_, i) => (planted[i] = i / 7));
  writeCachedCosine(cosineCacheFolder()!, cosineKey(x.dataSync() as Float32Array, 50, 8), 50, planted);
  assert.deepEqual(bits(cachedCosineMatrix(x)!), bits(planted));
});

test('a truncated or foreign file is ignored, recomputed and replaced; `off` writes nothing', async () => {
  await useBackend('wasm');
  const dir = mkdtempSync(join(tmpdir(), 'af-cos-cache-'));
  setFlag('cacheDir', dir);
  const x = features(4, 64, 16);
  const want = bits(cosineMatrix(x));
  cachedCosineMatrix(x);
  const path = join(dir, 'cosine', matrices(dir)[0]!);
  const whole = readFileSync(path);
  for (const bad of [whole.subarray(0, whole.length - 4), Buffer.concat([Buffer.from('NOPE'), whole.subarray(4)])]) {
    writeFileSync(path, bad);
    releaseCosineMatrices(new Set());
    assert.deepEqual(bits(cachedCosineMatrix(x)!), want);
    assert.deepEqual(readFileSync(path), whole, 'the bad file was replaced by a whole one');
  }
  const off = mkdtempSync(join(tmpdir(), 'af-cos-off-'));
  setFlag('cacheDir', 'off');
  assert.equal(cosineCacheFolder(), undefined);
  releaseCosineMatrices(new Set());
  assert.deepEqual(bits(cachedCosineMatrix(x)!), want);
  assert.deepEqual(readdirSync(off), []);
});

test('a cache folder that cannot be made costs only the cache: the matrix is still computed', async () => {
  await useBackend('wasm');
  // A folder below a plain file cannot be created, not even by root (ENOTDIR).
  const dir = mkdtempSync(join(tmpdir(), 'af-cos-bad-'));
  writeFileSync(join(dir, 'file'), 'x');
  setFlag('cacheDir', join(dir, 'file', 'cache'));
  const x = features(5, 40, 8);
  assert.deepEqual(bits(cachedCosineMatrix(x)!), bits(cosineMatrix(x)));
  assert.deepEqual(readdirSync(dir), ['file']);
});

test('beyond the size limit the least recently used matrices are removed, never the one just written', async () => {
  await useBackend('wasm');
  const dir = mkdtempSync(join(tmpdir(), 'af-cos-lru-'));
  setFlag('cacheDir', dir);
  // Each 300 x 300 matrix is about 0.34 MB: room for two.
  setFlag('cacheMb', 0.75);
  const xs = [6, 7].map((s) => features(s));
  const keyOf = (x: tf.Tensor2D) => cosineKey(x.dataSync() as Float32Array, 300, 70) + '.f32';
  cachedCosineMatrix(xs[0]!);
  cachedCosineMatrix(xs[1]!);
  // The first is used again (read back from disk, which touches it), so the second is now the older one.
  const old = new Date(Date.now() - 60_000);
  utimesSync(join(dir, 'cosine', keyOf(xs[0]!)), old, old);
  utimesSync(join(dir, 'cosine', keyOf(xs[1]!)), old, old);
  releaseCosineMatrices(new Set());
  cachedCosineMatrix(xs[0]!);
  const third = features(8);
  cachedCosineMatrix(third);
  assert.deepEqual(matrices(dir).sort(), [keyOf(xs[0]!), keyOf(third)].sort());
});
