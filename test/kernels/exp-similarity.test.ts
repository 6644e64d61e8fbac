import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend, randn } from './_setup.js';
import { sumExpSimilarity } from '../../src/ops/kernels/exp-similarity.js';
import { heapKernelsActive } from '../../src/ops/kernels/registry.js';
import { heapExpRows, heapScaleRows } from '../../src/ops/kernels/heap/rows.js';
import { setReferenceMode } from '../../src/ops/kernels/mode.js';
import { Rng } from '../../src/util/rng.js';

function close(got: ArrayLike<number>, want: ArrayLike<number>, rel: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++)
    assert.ok(
      Math.abs(got[i]! - want[i]!) <= rel * Math.max(1e-2, Math.abs(want[i]!)),
      `${what}[${i}]: ${got[i]} vs ${want[i]}`,
    );
}

test('exp-rows and scale-rows kernels agree with tfjs (any width, per-row factors, kept or not)', async () => {
  await useBackend('wasm');
  assert.ok(heapKernelsActive(), 'the heap kernels serve the wasm backend');
  const rng = new Rng(5);
  const before = tf.memory().numTensors;
  for (const [rows, cols] of [
    [3, 8],
    [5, 13],
    [17, 257],
    [2, 1],
  ] as const) {
    const xv = randn(rng, rows * cols);
    const fv = randn(rng, rows);
    tf.tidy(() => {
      const x = tf.tensor2d(xv, [rows, cols]);
      const f = tf.tensor1d(fv);
      const e = tf.exp(tf.sub(tf.mul(x, 2.5), 1.5));
      const plain = heapExpRows(x, 2.5, 1.5);
      assert.equal(plain.exp, undefined, 'nothing but the sums unless asked');
      close(plain.sum.dataSync(), tf.sum(e, 1).dataSync(), 2e-6, `sums ${rows}x${cols}`);
      const scaled = heapExpRows(x, 2.5, 1.5, { keep: true, factors: f });
      close(scaled.exp!.dataSync(), tf.mul(e, tf.reshape(f, [-1, 1])).dataSync(), 2e-6, `exp·f ${rows}x${cols}`);
      close(scaled.sum.dataSync(), tf.sum(e, 1).dataSync(), 2e-6, `sums with factors ${rows}x${cols}`);
      close(
        heapScaleRows(x, f).dataSync(),
        tf.mul(x, tf.reshape(f, [-1, 1])).dataSync(),
        1e-7,
        `scale ${rows}x${cols}`,
      );
    });
  }
  assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
});

/** Σ_j exp(a·bᵀ/τ − shift) and its gradients through tfjs autodiff, weighted per row so every row counts. */
function autodiff(a: tf.Tensor2D, b: tf.Tensor2D, w: tf.Tensor1D, tau: number, shift: number) {
  const f = (x: tf.Tensor, y: tf.Tensor) =>
    tf.sum(tf.exp(tf.sub(tf.div(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D, false, true), tau), shift)), 1);
  return { value: f(a, b), grads: tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(f(x, y), w)))([a, b]) };
}

for (const backend of ['wasm', 'cpu'] as const) {
  for (const reference of [false, true]) {
    if (backend === 'cpu' && reference) continue;
    test(`sumExpSimilarity on ${backend}${reference ? ' (reference mode)' : ''}: value and gradients equal autodiff, chunked or kept, with a shift`, async () => {
      await useBackend(backend);
      setReferenceMode(reference);
      try {
        const rng = new Rng(6);
        const [B, n, d] = [11, 9, 4];
        const A = randn(rng, B * d),
          Bm = randn(rng, n * d),
          W = randn(rng, B);
        const before = tf.memory().numTensors;
        for (const opts of [
          { chunk: 4 },
          { chunk: 100 },
          { keep: true },
          { shift: 1 / 0.7, keep: true },
          { shift: 2, chunk: 3 },
        ]) {
          tf.tidy(() => {
            const a = tf.tensor2d(A, [B, d]),
              b = tf.tensor2d(Bm, [n, d]),
              w = tf.tensor1d(W);
            const want = autodiff(a, b, w, 0.7, opts.shift ?? 0);
            const got = sumExpSimilarity(a, b, 0.7, opts);
            const grads = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
              tf.sum(tf.mul(sumExpSimilarity(x as tf.Tensor2D, y as tf.Tensor2D, 0.7, opts), w)),
            )([a, b]);
            const tag = JSON.stringify(opts);
            close(got.dataSync(), want.value.dataSync(), 1e-5, `value ${tag}`);
            close(grads[0]!.dataSync(), want.grads[0]!.dataSync(), 1e-4, `da ${tag}`);
            close(grads[1]!.dataSync(), want.grads[1]!.dataSync(), 1e-4, `db ${tag}`);
          });
        }
        assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
      } finally {
        setReferenceMode(false);
      }
    });
  }
}
