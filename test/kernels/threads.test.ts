/** The threaded matMul (src/ops/kernels/threads/pool.ts) against tfjs's one-thread product, on the wasm backend. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend, randn } from './_setup.js';
import { Rng } from '../../src/util/rng.js';
import {
  rowBounds,
  shutdownThreads,
  threadedMatMul,
  threadsFor,
  threadedCosineMatrix,
  MIN_THREADED_MACS,
} from '../../src/ops/kernels/threads/pool.js';
import { linearMatMul } from '../../src/ops/kernels/dense-matmul.js';
import { cosineMatrix } from '../../src/ops/kernels/cosine.js';
import { dealBlocks, upperBlocks } from '../../src/ops/kernels/threads/cosine-blocks.js';
import { resetFlags, setFlag } from '../../src/util/flags.js';

after(async () => {
  resetFlags('threads');
  await shutdownThreads();
});

function bits(t: tf.Tensor): Uint32Array {
  return new Uint32Array((t.dataSync() as Float32Array).slice().buffer);
}

test('row bounds cover every row once, as evenly as possible', () => {
  assert.deepEqual(rowBounds(10, 3), [0, 4, 7, 10]);
  assert.deepEqual(rowBounds(2, 2), [0, 1, 2]);
  assert.deepEqual(rowBounds(7050, 1), [0, 7050]);
});

test('threaded constant · B equals the one-thread product bit for bit (2, 3 and 4 threads, odd sizes)', async () => {
  await useBackend('wasm');
  const rng = new Rng(7);
  for (const [m, k, n] of [
    [1001, 300, 64],
    [257, 1031, 17],
    [5, 64, 9],
  ] as const) {
    const a = tf.tensor2d(randn(rng, m * k), [m, k]);
    const one = tf.matMul(a, tf.tensor2d(randn(rng, k * n), [k, n]));
    for (const threads of [2, 3, 4]) {
      const b = tf.tensor2d(randn(rng, k * n), [k, n]);
      const want = tf.matMul(a, b);
      const got = threadedMatMul(a, b, threads);
      assert.deepEqual(got.shape, [m, n]);
      assert.deepEqual(bits(got), bits(want), `${m}x${k}x${n} on ${threads} threads`);
      // A second call reuses the constant's blocks already in the workers.
      const b2 = tf.tensor2d(randn(rng, k * n), [k, n]);
      assert.deepEqual(bits(threadedMatMul(a, b2, threads)), bits(tf.matMul(a, b2)), `second call, ${threads} threads`);
      tf.dispose([b, b2, want, got]);
    }
    tf.dispose([a, one]);
  }
});

test('a linear layer over a constant gives the same output and weight gradient on 1 and 2 threads, tensor count flat', async () => {
  await useBackend('wasm');
  const rng = new Rng(11);
  const [m, k, n] = [2048, 1100, 64];
  assert.ok(m * k * n >= MIN_THREADED_MACS, 'sizes large enough to be threaded');
  const x = tf.tensor2d(randn(rng, m * k), [m, k]);
  const xT = tf.transpose(x) as tf.Tensor2D;
  const w = tf.variable(tf.tensor2d(randn(rng, k * n), [k, n]));
  const target = tf.tensor2d(randn(rng, m * n), [m, n]);
  const step = () => {
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(linearMatMul(x, w, xT), target)) as tf.Scalar, [w]);
    const out = { loss: bits(value), grad: bits(grads[w.name]!) };
    tf.dispose([value, grads[w.name]!]);
    return out;
  };
  const run = (threads: number) => {
    setFlag('threads', threads);
    assert.equal(threadsFor(x, w), threads);
    const first = step();
    const before = tf.memory().numTensors;
    const again = step();
    assert.equal(tf.memory().numTensors, before, `tensor count flat on ${threads} threads`);
    assert.deepEqual(again, first);
    return first;
  };
  const one = run(1);
  const two = run(2);
  assert.deepEqual(two.grad, one.grad, 'weight gradient');
  assert.deepEqual(two.loss, one.loss, 'loss');
  tf.dispose([x, xT, w, target]);
});

test('a process that used the pool exits by itself', async () => {
  const { spawnSync } = await import('node:child_process');
  const pool = new URL('../../src/ops/kernels/threads/pool.js', import.meta.url).href;
  const code = `
    import * as tf from '@tensorflow/tfjs'; import '@tensorflow/tfjs-backend-wasm';
    import { threadedMatMul } from ${JSON.stringify(pool)};
    await tf.setBackend('wasm');
    const a = tf.ones([300, 200]), b = tf.ones([200, 8]);
    const y = threadedMatMul(a, b, 2);
    console.log(y.dataSync()[0]);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    encoding: 'utf8',
    timeout: 60_000,
    cwd: new URL('../../..', import.meta.url).pathname,
  });
  assert.equal(r.signal, null, `the process did not exit by itself: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '200');
});

test('the cosine matrix of a constant is the same bit for bit on 1, 2 and 3 threads (uneven blocks)', async () => {
  await useBackend('wasm');
  const rng = new Rng(13);
  for (const [n, f, block] of [
    [1001, 96, 256],
    [37, 11, 8],
    [300, 257, 1024],
  ] as const) {
    const x = tf.tensor2d(randn(rng, n * f), [n, f]);
    const one = cosineMatrix(x, block, 1);
    const unit = tf.div(x, tf.norm(x, 'euclidean', 1, true)) as tf.Tensor2D;
    for (const threads of [2, 3]) {
      const before = tf.memory().numTensors;
      // The pool itself (not a fallback to this thread): undefined would mean the workers did not run.
      const got = threadedCosineMatrix(unit, block, threads);
      assert.ok(got, 'the workers computed their blocks');
      assert.equal(got.length, n * n);
      assert.ok(got.buffer instanceof SharedArrayBuffer);
      assert.deepEqual(cosineMatrix(x, block, threads), got, 'cosineMatrix takes the threaded path');
      assert.deepEqual(
        new Uint32Array(got.buffer, got.byteOffset, got.length),
        new Uint32Array(one.buffer, one.byteOffset, one.length),
        `${n} x ${f}, block ${block}, ${threads} threads`,
      );
      assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
    }
    tf.dispose([x, unit]);
  }
});

test('the blocks of the symmetric product are dealt once each, on and above the diagonal, evenly', () => {
  const blocks = upperBlocks(7050, 1024);
  assert.equal(blocks.length, 28);
  for (const parts of [1, 2, 3, 5]) {
    const shares = dealBlocks(blocks, parts);
    const all = shares.flat();
    assert.equal(all.length, blocks.length);
    const key = (b: { i0: number; j0: number }) => `${b.i0},${b.j0}`;
    assert.deepEqual(new Set(all.map(key)), new Set(blocks.map(key)));
    const loads = shares.map((s) => s.reduce((a, b) => a + b.bi * b.bj, 0));
    // largest-first dealing: no share exceeds the even split by more than one full block
    assert.ok(Math.max(...loads) - Math.min(...loads) <= 1024 * 1024, `${parts} parts: ${loads.join(', ')}`);
  }
  // every entry of the matrix is covered by exactly one block or its mirror
  const n = 50;
  const seen = new Uint8Array(n * n);
  for (const b of upperBlocks(n, 16))
    for (let r = b.i0; r < b.i0 + b.bi; r++)
      for (let c = b.j0; c < b.j0 + b.bj; c++) {
        seen[r * n + c]! += 1;
        if (b.i0 !== b.j0) seen[c * n + r]! += 1;
      }
  assert.ok(seen.every((v) => v === 1));
});
