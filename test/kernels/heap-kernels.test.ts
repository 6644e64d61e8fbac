import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend, randn, randomCsr, randomSymmetricCsr } from './_setup.js';
import { unpinAll } from '../../src/ops/kernels/heap/runtime.js';
import { heapKernelsActive } from '../../src/ops/kernels/registry.js';
import { heapPropagateMean, heapScatterAddRows, heapSpmm } from '../../src/ops/kernels/heap/graph.js';
import { heapSoftmaxRows, heapTopkRows, heapTranspose } from '../../src/ops/kernels/heap/rows.js';
import { topkRows } from '../../src/ops/kernels/cosine.js';
import { csrMulWasm, propagateMeanWasm } from '../../src/ops/kernels/spmm-wasm.js';
import { scatterAddRowsInto } from '../../src/ops/kernels/gather-rows.js';
import { spmm } from '../../src/ops/kernels/spmm.js';
import { propagateMean } from '../../src/ops/kernels/propagate-mean.js';
import { setReferenceMode } from '../../src/ops/kernels/mode.js';
import { Rng } from '../../src/util/rng.js';

test("kernels in the wasm backend's memory equal the copying kernels bit for bit, and leak no tensors", async () => {
  await useBackend('wasm');
  assert.ok(heapKernelsActive(), 'dist/wasm/kernels-heap.wasm is built by npm run build');
  const rng = new Rng(21);
  const before = tf.memory().numTensors;
  for (const [rows, cols, d] of [
    [40, 40, 8],
    [33, 57, 16],
    [120, 120, 64],
  ] as const) {
    const a = randomCsr(rng, rows, cols, 0.1, [3]);
    const xv = randn(rng, cols * d);
    const want = new Float32Array(rows * d);
    assert.ok(csrMulWasm(a, xv, d, want));
    const got = tf.tidy(() => heapSpmm(a, tf.tensor2d(xv, [cols, d])).dataSync());
    assert.deepEqual(got, want, `spmm ${rows}x${cols} d${d}`);
  }
  for (const layers of [1, 2, 3]) {
    const a = randomSymmetricCsr(rng, 90, 0.08);
    const xv = randn(rng, 90 * 12);
    const got = tf.tidy(() => heapPropagateMean(a, tf.tensor2d(xv, [90, 12]), layers).dataSync());
    assert.deepEqual(got, propagateMeanWasm(a, xv, 12, layers), `propagate mean, ${layers} layers`);
  }
  const dy = randn(rng, 7 * 4);
  const idx = [5, 0, 5, 2, 9, 9, 9];
  const got = tf.tidy(() => heapScatterAddRows(tf.tensor2d(dy, [7, 4]), idx, 10).dataSync());
  assert.deepEqual(got, scatterAddRowsInto(dy, idx, 4, new Float32Array(40)));
  assert.throws(
    () => tf.tidy(() => heapScatterAddRows(tf.tensor2d(dy, [7, 4]), [0, 1, 2, 3, 4, 5, 10], 10)),
    /index 10 out of range/,
  );
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
});

test('spmm and the layer mean through the heap kernels: values and gradients match reference mode; pins survive a reset', async () => {
  await useBackend('wasm');
  const rng = new Rng(8);
  const a = randomCsr(rng, 50, 30, 0.15);
  const s = randomSymmetricCsr(rng, 30, 0.2);
  const x = tf.tensor2d(randn(rng, 30 * 8), [30, 8]);
  const w = tf.tensor2d(randn(rng, 50 * 8), [50, 8]);
  const w2 = tf.tensor2d(randn(rng, 30 * 8), [30, 8]);
  const lossOf = (t: tf.Tensor) =>
    tf.add(tf.sum(tf.mul(spmm(a, t as tf.Tensor2D), w)), tf.sum(tf.mul(propagateMean(s, t as tf.Tensor2D, 2), w2)));
  const run = () => tf.tidy(() => ({ loss: lossOf(x).dataSync()[0]!, grad: [...tf.grad(lossOf)(x).dataSync()] }));
  const fast = run();
  unpinAll();
  const again = run();
  assert.deepEqual(again, fast, 'the same after the pinned matrices were dropped');
  setReferenceMode(true);
  let ref: typeof fast;
  try {
    ref = run();
  } finally {
    setReferenceMode(false);
  }
  assert.ok(Math.abs(fast.loss - ref.loss) <= 1e-4 * Math.max(1, Math.abs(ref.loss)), `${fast.loss} vs ${ref.loss}`);
  for (let i = 0; i < ref.grad.length; i++)
    assert.ok(Math.abs(fast.grad[i]! - ref.grad[i]!) <= 1e-4 * Math.max(1, Math.abs(ref.grad[i]!)), `grad ${i}`);
  tf.dispose([x, w, w2]);
});

test('row softmax kernel: softmax, max and sum agree with tfjs to float tolerance (any width, large logits)', async () => {
  await useBackend('wasm');
  const rng = new Rng(3);
  const before = tf.memory().numTensors;
  for (const [rows, cols, scale] of [
    [5, 8, 1],
    [7, 13, 5],
    [64, 257, 30],
    [3, 1, 1],
  ] as const) {
    const xv = randn(rng, rows * cols).map((v) => v * scale);
    const { got, want } = tf.tidy(() => {
      const x = tf.tensor2d(xv, [rows, cols]);
      const r = heapSoftmaxRows(x);
      const m = tf.max(x, 1);
      const s = tf.sum(tf.exp(tf.sub(x, tf.reshape(m, [-1, 1]))), 1);
      return {
        got: [r.softmax.dataSync(), r.max.dataSync(), r.sum.dataSync()].map((a) => [...a]),
        want: [tf.softmax(x).dataSync(), m.dataSync(), s.dataSync()].map((a) => [...a]),
      };
    });
    for (const [k, what] of ['softmax', 'max', 'sum'].entries())
      for (let i = 0; i < want[k]!.length; i++)
        assert.ok(
          Math.abs(got[k]![i]! - want[k]![i]!) <= 3e-6 * Math.max(1e-3, Math.abs(want[k]![i]!)),
          `${what}[${i}] ${rows}x${cols}: ${got[k]![i]} vs ${want[k]![i]}`,
        );
    // Rows sum to one.
    for (let r = 0; r < rows; r++) {
      const row = got[0]!.slice(r * cols, (r + 1) * cols).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(row - 1) < 1e-5, `row ${r} sums to ${row}`);
    }
  }
  assert.equal(tf.memory().numTensors, before);
});

test('row top-k kernel picks the same columns, in the same order, as the host top-k of x + y (ties, any width, k up to cols)', async () => {
  await useBackend('wasm');
  const rng = new Rng(8);
  const before = tf.memory().numTensors;
  for (const [rows, cols, k, ties] of [
    [4, 8, 3, false],
    [6, 13, 5, false],
    [9, 301, 10, false],
    [5, 37, 20, true],
    [3, 7, 7, false],
    [2, 1, 1, false],
  ] as const) {
    // With ties, values are drawn from a handful of levels so that many columns compare equal.
    const draw = () => (ties ? randn(rng, rows * cols).map((v) => Math.round(v * 2) / 2) : randn(rng, rows * cols));
    const xv = draw();
    const yv = draw();
    const sum = xv.map((v, i) => Math.fround(v + yv[i]!));
    const [got, gotSum] = tf.tidy(() => {
      const x = tf.tensor2d(xv, [rows, cols]);
      return [heapTopkRows(x, undefined, k), heapTopkRows(x, tf.tensor2d(yv, [rows, cols]), k)];
    });
    assert.deepEqual([...got], [...topkRows(xv, rows, k, cols).indices], `x ${rows}x${cols} k ${k}`);
    assert.deepEqual([...gotSum], [...topkRows(sum, rows, k, cols).indices], `x + y ${rows}x${cols} k ${k}`);
  }
  assert.equal(tf.memory().numTensors, before);
});

test('tiled transpose kernel equals tf.transpose bit for bit (tile edges, one row, one column) and leaks nothing', async () => {
  await useBackend('wasm');
  const rng = new Rng(5);
  const before = tf.memory().numTensors;
  for (const [rows, cols] of [
    [1, 1],
    [1, 70],
    [70, 1],
    [32, 32],
    [33, 65],
    [100, 3],
    [257, 129],
  ] as const) {
    const x = tf.tensor2d(randn(rng, rows * cols), [rows, cols]);
    const got = heapTranspose(x);
    const want = tf.transpose(x);
    assert.deepEqual(got.shape, [cols, rows]);
    assert.deepEqual(got.dataSync(), want.dataSync(), `${rows}x${cols}`);
    tf.dispose([x, got, want]);
  }
  assert.equal(tf.memory().numTensors, before);
});
