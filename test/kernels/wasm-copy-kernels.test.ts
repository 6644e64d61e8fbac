import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend, randn } from './_setup.js';
import { sliceInto } from '../../src/ops/kernels/wasm-copy-kernels.js';
import { installKernels } from '../../src/ops/kernels/registry.js';
import { setReferenceMode } from '../../src/ops/kernels/mode.js';
import { Rng } from '../../src/util/rng.js';

/** Runs `f` with the stock kernels (reference mode) and with ours; returns both results as plain arrays. */
function bothWays(f: () => tf.Tensor | tf.Tensor[]): { stock: number[][]; fast: number[][] } {
  const read = (r: tf.Tensor | tf.Tensor[]) =>
    (Array.isArray(r) ? r : [r]).map((t) => [...t.shape, -1, ...t.dataSync()]);
  setReferenceMode(true);
  let stock: number[][];
  try {
    stock = tf.tidy(() => read(f()));
  } finally {
    setReferenceMode(false);
  }
  return { stock, fast: tf.tidy(() => read(f())) };
}

test('wasm Slice/SplitV/GatherV2 as plain copies: bit-identical to the stock kernels, any rank, float and int', async () => {
  await useBackend('wasm');
  installKernels('wasm');
  assert.notEqual(tf.getKernel('Slice', 'wasm'), undefined);
  const rng = new Rng(5);
  const x3 = tf.tensor3d(randn(rng, 4 * 5 * 6), [4, 5, 6]);
  const x2 = tf.tensor2d(randn(rng, 30 * 8), [30, 8]);
  const xi = tf.tensor2d(
    Int32Array.from({ length: 12 * 3 }, (_, i) => i * 7 - 50),
    [12, 3],
    'int32',
  );
  const cases: [string, () => tf.Tensor | tf.Tensor[]][] = [
    ['rows of a table (contiguous)', () => tf.slice(x2, [7, 0], [11, 8])],
    ['columns (strided)', () => tf.slice(x2, [0, 3], [30, 4])],
    ['a block', () => tf.slice(x2, [2, 1], [5, 6])],
    ['3-D middle block', () => tf.slice(x3, [1, 2, 0], [2, 3, 6])],
    ['3-D innermost strided', () => tf.slice(x3, [0, 1, 2], [4, 3, 3])],
    ['-1 size', () => tf.slice(x3, [3, 0, 0], [-1, -1, -1])],
    ['empty', () => tf.slice(x2, [4, 0], [0, 8])],
    ['int32', () => tf.slice(xi, [3, 1], [6, 2])],
    ['split rows [users, items]', () => tf.split(x2, [19, 11], 0)],
    ['split columns in 4', () => tf.split(x2, 4, 1)],
    ['split 3-D middle axis', () => tf.split(x3, [1, 4], 1)],
    ['gather rows with repeats', () => tf.gather(x2, tf.tensor1d([29, 0, 3, 3, 17], 'int32'))],
    ['gather with 2-D indices', () => tf.gather(x3, tf.tensor2d([2, 0, 1, 3], [2, 2], 'int32'))],
    ['gather int32 rows', () => tf.gather(xi, tf.tensor1d([11, 2], 'int32'))],
    ['gather along axis 1 (stock path)', () => tf.gather(x2, tf.tensor1d([7, 1], 'int32'), 1)],
    ['gather of no rows', () => tf.gather(x2, tf.tensor1d([], 'int32'))],
  ];
  for (const [what, f] of cases) {
    const { stock, fast } = bothWays(f);
    assert.deepEqual(fast, stock, what);
  }
  assert.throws(() => tf.gather(x2, tf.tensor1d([30], 'int32')), /index value 30 is not in \[0, 29\]/);
  // The gradient of a split (a concat of the upstream gradients) flows through unchanged.
  const g = tf.grad((t: tf.Tensor) => {
    const [a, b] = tf.split(t, [10, 20], 0);
    return tf.add(tf.sum(tf.mul(a!, 2)), tf.sum(tf.mul(b!, 3)));
  })(x2);
  const gv = g.dataSync();
  for (let i = 0; i < 30 * 8; i++) assert.equal(gv[i], i < 80 ? 2 : 3);
  tf.dispose([x3, x2, xi, g]);
});

test('sliceInto merges the trailing whole axes into one run', () => {
  const x = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
  const out = new Float32Array(1 * 3 * 4);
  sliceInto(x, [2, 3, 4], [1, 0, 0], [1, 3, 4], out);
  assert.deepEqual(
    [...out],
    Array.from({ length: 12 }, (_, i) => 12 + i),
  );
  const col = new Float32Array(2 * 3);
  sliceInto(x, [2, 3, 4], [0, 0, 3], [2, 3, 1], col);
  assert.deepEqual([...col], [3, 7, 11, 15, 19, 23]);
});
