import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  gatherRows,
  gatherRowsBuiltin,
  gatherRowsHost,
  GATHER_ROWS_KERNELS,
  scatterAddRowsInto,
} from '../../src/ops/kernels/index.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose, randn, tf, useBackend } from './_setup.js';

const ROWS = 11;
const D = 6;
const IDX = Int32Array.from([3, 0, 3, 10, 7, 3, 0, 5]); // duplicates: 3 three times, 0 twice; rows 1,2,4,... unused

/** Forward and d/dX sum(x[idx] ⊙ W) via a one-hot matMul, dense, on the cpu backend. */
async function oneHotReference(x: Float32Array, w: Float32Array) {
  const prev = tf.getBackend() as 'wasm' | 'cpu';
  await useBackend('cpu');
  const out = tf.tidy(() => {
    const X = tf.tensor2d(x, [ROWS, D]);
    const W = tf.tensor2d(w, [IDX.length, D]);
    const H = tf.oneHot(tf.tensor1d(IDX, 'int32'), ROWS).toFloat() as tf.Tensor2D;
    const y = tf.matMul(H, X).dataSync().slice();
    const g = tf
      .grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.matMul(H, xx as tf.Tensor2D), W)))(X)
      .dataSync()
      .slice();
    return { y, g };
  });
  await useBackend(prev);
  return out;
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`gatherRows on ${backend}`, () => {
    test('uses the host-gradient kernel on this backend', async () => {
      await useBackend(backend);
      assert.equal(GATHER_ROWS_KERNELS[backend], gatherRowsHost);
    });

    for (const withHost of [false, true]) {
      test(`forward and gradient with duplicate indices match the one-hot version (idxHost ${withHost ? 'given' : 'absent'})`, async () => {
        await useBackend(backend);
        const rng = new Rng(withHost ? 2 : 1);
        const x = randn(rng, ROWS * D);
        const w = randn(rng, IDX.length * D);
        const ref = await oneHotReference(x, w);
        const before = tf.memory().numTensors;
        const { y, g } = tf.tidy(() => {
          const X = tf.tensor2d(x, [ROWS, D]);
          const W = tf.tensor2d(w, [IDX.length, D]);
          const idx = tf.tensor1d(IDX, 'int32');
          const host = withHost ? IDX : undefined;
          const yy = gatherRows(X, idx, host);
          assert.deepEqual(yy.shape, [IDX.length, D]);
          const gg = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(gatherRows(xx as tf.Tensor2D, idx, host), W)))(X);
          assert.deepEqual(gg.shape, [ROWS, D]);
          return { y: yy.dataSync().slice(), g: gg.dataSync().slice() };
        });
        assert.equal(tf.memory().numTensors, before, 'tensor count');
        assertClose(y, ref.y, 1e-6, 'forward');
        assertClose(g, ref.g, 1e-5, 'gradient');
      });
    }

    test('trains a variable with Adam; tensor count flat across steps', async () => {
      await useBackend(backend);
      const v = tf.variable(tf.tensor2d(randn(new Rng(5), ROWS * D), [ROWS, D]));
      const opt = tf.train.adam(0.01);
      const idx = tf.tensor1d(IDX, 'int32');
      const losses: number[] = [];
      // Adam creates its slots on the first step; count from the second.
      let before = -1;
      for (let step = 0; step < 5; step++) {
        if (step === 1) before = tf.memory().numTensors;
        const loss = opt.minimize(() => tf.sum(tf.square(gatherRows(v, idx, IDX))) as tf.Scalar, true)!;
        losses.push(loss.dataSync()[0]!);
        loss.dispose();
      }
      assert.equal(tf.memory().numTensors, before, 'tensor count');
      assert.ok(losses[4]! < losses[0]!, `loss went down: ${losses.join(', ')}`);
      opt.dispose();
      idx.dispose();
      v.dispose();
    });

    test('an out-of-range index fails (in the gather or its gradient) rather than writing nowhere', async () => {
      await useBackend(backend);
      const host = Int32Array.from([1, ROWS]);
      tf.tidy(() => {
        const X = tf.zeros([ROWS, D]) as tf.Tensor2D;
        const idx = tf.tensor1d([1, ROWS], 'int32');
        assert.throws(
          () => tf.grad((xx: tf.Tensor) => tf.sum(gatherRows(xx as tf.Tensor2D, idx, host)))(X),
          /out of range|is not in \[0, /,
        );
      });
      // The scatter itself refuses an index beyond the table.
      assert.throws(
        () => scatterAddRowsInto(new Float32Array(D), [ROWS], D, new Float32Array(ROWS * D)),
        /out of range/,
      );
    });
  });
}

describe('gatherRows built-in route (device backends), checked on cpu', () => {
  test('forward and gradient match the one-hot version', async () => {
    await useBackend('cpu');
    const rng = new Rng(9);
    const x = randn(rng, ROWS * D);
    const w = randn(rng, IDX.length * D);
    const ref = await oneHotReference(x, w);
    const { y, g } = tf.tidy(() => {
      const X = tf.tensor2d(x, [ROWS, D]);
      const W = tf.tensor2d(w, [IDX.length, D]);
      const idx = tf.tensor1d(IDX, 'int32');
      const yy = gatherRowsBuiltin(X, idx).dataSync().slice();
      const gg = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(gatherRowsBuiltin(xx as tf.Tensor2D, idx), W)))(X);
      return { y: yy, g: gg.dataSync().slice() };
    });
    assertClose(y, ref.y, 1e-6, 'forward');
    assertClose(g, ref.g, 1e-5, 'gradient');
  });
});
