import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spmm, spmmBuiltin, spmmHost, SPMM_KERNELS } from '../../src/ops/kernels/index.js';
import { CsrMatrix } from '../../src/ops/sparse.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose, densify, randn, randomCsr, randomSymmetricCsr, tf, useBackend } from './_setup.js';

interface Case {
  name: string;
  a: CsrMatrix;
  d: number;
}

function cases(): Case[] {
  const rng = new Rng(7);
  return [
    { name: 'rectangular 13x9, empty rows', a: randomCsr(rng, 13, 9, 0.3, [0, 4, 12]), d: 5 },
    { name: 'rectangular 6x20 (wide)', a: randomCsr(rng, 6, 20, 0.25, [2]), d: 3 },
    { name: 'square 17x17', a: randomCsr(rng, 17, 17, 0.2, [16]), d: 8 },
    { name: 'symmetric 15x15', a: randomSymmetricCsr(rng, 15, 0.25), d: 4 },
    // Rows of 1 to ~30 entries exercise the 8-wide, 4-wide and single-entry paths of the loop.
    { name: 'dense-ish 12x30 (long rows)', a: randomCsr(rng, 12, 30, 0.6, [5]), d: 7 },
    { name: 'all empty 4x5', a: randomCsr(rng, 4, 5, 0, [0, 1, 2, 3]), d: 2 },
  ];
}

/** Forward A·X and d/dX of sum(A·X ⊙ W), with dense A and the built-in matMul gradient on the cpu backend. */
async function denseReference(a: CsrMatrix, x: Float32Array, w: Float32Array, d: number) {
  const prev = tf.getBackend() as 'wasm' | 'cpu';
  await useBackend('cpu');
  const out = tf.tidy(() => {
    const A = tf.tensor2d(densify(a), [a.rows, a.cols]);
    const X = tf.tensor2d(x, [a.cols, d]);
    const W = tf.tensor2d(w, [a.rows, d]);
    const y = tf.matMul(A, X).dataSync().slice();
    const g = tf
      .grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.matMul(A, xx as tf.Tensor2D), W)))(X)
      .dataSync()
      .slice();
    return { y, g };
  });
  await useBackend(prev);
  return out;
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`spmm on ${backend}`, () => {
    test('uses the host kernel on this backend', async () => {
      await useBackend(backend);
      assert.equal(SPMM_KERNELS[backend], spmmHost);
    });

    for (const c of cases()) {
      test(`forward and gradient match dense A: ${c.name}`, async () => {
        await useBackend(backend);
        const rng = new Rng(c.a.rows * 31 + c.d);
        const x = randn(rng, c.a.cols * c.d);
        const w = randn(rng, c.a.rows * c.d);
        const ref = await denseReference(c.a, x, w, c.d);
        const before = tf.memory().numTensors;
        const { y, g } = tf.tidy(() => {
          const X = tf.tensor2d(x, [c.a.cols, c.d]);
          const W = tf.tensor2d(w, [c.a.rows, c.d]);
          const yy = spmm(c.a, X);
          assert.deepEqual(yy.shape, [c.a.rows, c.d]);
          const gg = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(spmm(c.a, xx as tf.Tensor2D), W)))(X);
          assert.deepEqual(gg.shape, [c.a.cols, c.d]);
          return { y: yy.dataSync().slice(), g: gg.dataSync().slice() };
        });
        assert.equal(tf.memory().numTensors, before, 'tensor count');
        assertClose(y, ref.y, 1e-5, 'forward');
        assertClose(g, ref.g, 1e-5, 'gradient');
      });
    }

    test('gradient flows to a variable through two layers; tensor count flat', async () => {
      await useBackend(backend);
      const rng = new Rng(3);
      const a = randomSymmetricCsr(rng, 20, 0.2);
      const x0 = randn(rng, 20 * 4);
      const ref = await (async () => {
        // d/dX sum(A(AX)) = Aᵀ Aᵀ 1 per column; computed densely on cpu.
        const prev = tf.getBackend() as 'wasm' | 'cpu';
        await useBackend('cpu');
        const g = tf.tidy(() => {
          const A = tf.tensor2d(densify(a), [20, 20]);
          return tf
            .grad((xx: tf.Tensor) => tf.sum(tf.matMul(A, tf.matMul(A, xx as tf.Tensor2D))))(tf.tensor2d(x0, [20, 4]))
            .dataSync()
            .slice();
        });
        await useBackend(prev);
        return g;
      })();
      const v = tf.variable(tf.tensor2d(x0, [20, 4]));
      const before = tf.memory().numTensors;
      for (let step = 0; step < 3; step++) {
        const g = tf.tidy(() => {
          const { grads, value } = tf.variableGrads(() => tf.sum(spmm(a, spmm(a, v))) as tf.Scalar, [v]);
          value.dispose();
          return grads[v.name]!.dataSync().slice();
        });
        assertClose(g, ref, 1e-5, 'variable gradient');
      }
      assert.equal(tf.memory().numTensors, before, 'tensor count');
      v.dispose();
    });

    test('rejects a mismatched X', async () => {
      await useBackend(backend);
      const a = randomCsr(new Rng(1), 4, 5, 0.5);
      const x = tf.zeros([4, 2]) as tf.Tensor2D;
      assert.throws(() => spmm(a, x), /spmm: A is \[4, 5\]/);
      x.dispose();
    });
  });
}

describe('spmm built-in fallback (device backends), checked on cpu', () => {
  test('forward and gradient match dense A; constants uploaded once', async () => {
    await useBackend('cpu');
    for (const c of cases()) {
      const rng = new Rng(c.a.cols * 17 + c.d);
      const x = randn(rng, c.a.cols * c.d);
      const w = randn(rng, c.a.rows * c.d);
      const ref = await denseReference(c.a, x, w, c.d);
      const { y, g } = tf.tidy(() => {
        const X = tf.tensor2d(x, [c.a.cols, c.d]);
        const W = tf.tensor2d(w, [c.a.rows, c.d]);
        const yy = spmmBuiltin(c.a, X).dataSync().slice();
        const gg = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(spmmBuiltin(c.a, xx as tf.Tensor2D), W)))(X);
        return { y: yy, g: gg.dataSync().slice() };
      });
      assertClose(y, ref.y, 1e-5, `${c.name} forward`);
      assertClose(g, ref.g, 1e-5, `${c.name} gradient`);
      // The COO constants now exist; further calls add no tensors.
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const X = tf.tensor2d(x, [c.a.cols, c.d]);
        tf.grad((xx: tf.Tensor) => tf.sum(spmmBuiltin(c.a, xx as tf.Tensor2D)))(X).dataSync();
      });
      assert.equal(tf.memory().numTensors, before, `${c.name} tensor count`);
    }
  });
});
