import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { propagateMean, propagateMeanComposed } from '../../src/ops/kernels/propagate-mean.js';
import { CsrMatrix } from '../../src/ops/sparse.js';
import { Rng } from '../../src/util/rng.js';

function randomSquare(n: number, nnz: number, rng: Rng): CsrMatrix {
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  for (let k = 0; k < nnz; k++) {
    r.push(rng.int(n));
    c.push(rng.int(n));
    v.push(rng.next());
  }
  return CsrMatrix.fromCoo(n, n, r, c, v);
}

for (const backend of ['wasm', 'cpu']) {
  test(`the fused mean of propagations equals spmm + add + div, values and gradients, bit for bit (${backend})`, async () => {
    await tf.setBackend(backend);
    const rng = new Rng(4);
    const a = randomSquare(40, 300, rng);
    const x = tf.tensor2d(
      Float32Array.from({ length: 40 * 8 }, () => rng.normal()),
      [40, 8],
    );
    const w = tf.tensor2d(
      Float32Array.from({ length: 40 * 8 }, () => rng.normal()),
      [40, 8],
    );
    for (const layers of [1, 2, 3]) {
      const before = tf.memory().numTensors;
      const [fv, fg, cv, cg] = tf.tidy(() => {
        const loss = (f: typeof propagateMean) => (t: tf.Tensor) => tf.sum(tf.mul(f(a, t as tf.Tensor2D, layers), w));
        return [
          propagateMean(a, x, layers).dataSync(),
          tf.grad(loss(propagateMean))(x).dataSync(),
          propagateMeanComposed(a, x, layers).dataSync(),
          tf.grad(loss(propagateMeanComposed))(x).dataSync(),
        ];
      });
      assert.deepEqual([...fv!], [...cv!], `values, ${layers} layers`);
      for (let i = 0; i < fg!.length; i++)
        assert.ok(Math.abs(fg![i]! - cg![i]!) <= 1e-6 * Math.max(1, Math.abs(cg![i]!)), `grad ${i}`);
      assert.equal(tf.memory().numTensors, before);
    }
    x.dispose();
    w.dispose();
  });
}
