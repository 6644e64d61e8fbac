import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spectralFilter, rfftRows, irfftRows, bins } from '../../src/ops/layer/spectral-filter.js';
import { dense } from '../../src/ops/types.js';
import { Rng } from '../../src/util/rng.js';
import {
  assertClose,
  assertShapeError,
  buildOp,
  numericalGrad,
  randn64,
  runContext,
  runOp,
  shapeOf,
  t2,
  tf,
  useBackend,
} from './harness.js';

/** Naive float64 rfft (ortho) of one row: [re, im] of bins 0..F-1. */
function naiveRfft(x: ArrayLike<number>, off: number, d: number): [Float64Array, Float64Array] {
  const F = bins(d);
  const re = new Float64Array(F);
  const im = new Float64Array(F);
  for (let k = 0; k < F; k++)
    for (let j = 0; j < d; j++) {
      const t = (2 * Math.PI * j * k) / d;
      re[k]! += x[off + j]! * Math.cos(t);
      im[k]! -= x[off + j]! * Math.sin(t);
    }
  const s = 1 / Math.sqrt(d);
  return [re.map((v) => v * s), im.map((v) => v * s)];
}

/** Naive float64 irfft (ortho, length d): Hermitian extension, DC / Nyquist imaginary parts ignored. */
function naiveIrfft(re: ArrayLike<number>, im: ArrayLike<number>, d: number): Float64Array {
  const F = bins(d);
  const zr = new Float64Array(d);
  const zi = new Float64Array(d);
  for (let k = 0; k < F; k++) {
    zr[k] = re[k]!;
    zi[k] = im[k]!;
  }
  zi[0] = 0;
  if (d % 2 === 0) zi[d / 2] = 0;
  for (let k = F; k < d; k++) {
    zr[k] = zr[d - k]!;
    zi[k] = -zi[d - k]!;
  }
  const y = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    let s = 0;
    for (let k = 0; k < d; k++) {
      const t = (2 * Math.PI * j * k) / d;
      s += zr[k]! * Math.cos(t) - zi[k]! * Math.sin(t);
    }
    y[j] = s / Math.sqrt(d);
  }
  return y;
}

/** The op in float64: irfft(Π_m rfft(x_m) ⊙ (wr + i wi)) row by row. */
function reference(
  xs: Float64Array[],
  wr: ArrayLike<number>,
  wi: ArrayLike<number>,
  n: number,
  d: number,
): Float64Array {
  const F = bins(d);
  const out = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    let pr = new Float64Array(F).fill(1);
    let pi = new Float64Array(F);
    for (const x of xs) {
      const [a, b] = naiveRfft(x, r * d, d);
      const nr = pr.map((v, k) => v * a[k]! - pi[k]! * b[k]!);
      const ni = pr.map((v, k) => v * b[k]! + pi[k]! * a[k]!);
      pr = nr;
      pi = ni;
    }
    const fr = pr.map((v, k) => v * wr[k]! - pi[k]! * wi[k]!);
    const fi = pr.map((v, k) => v * wi[k]! + pi[k]! * wr[k]!);
    out.set(naiveIrfft(fr, fi, d), r * d);
  }
  return out;
}

describe('spectral_filter shape rule', () => {
  test('one or two [n, d] inputs give [n, d]', () => {
    assert.deepEqual(shapeOf(spectralFilter, {}, { in: [dense('items', 64)] }).out, dense('items', 64));
    assert.deepEqual(
      shapeOf(spectralFilter, {}, { in: [dense('items', 64), dense('items', 64)] }).out,
      dense('items', 64),
    );
  });
  test('inputs of different widths name the in port', () => {
    assertShapeError(
      () => shapeOf(spectralFilter, {}, { in: [dense('items', 64), dense('items', 32)] }),
      { port: 'in' },
      /shapes must match/,
    );
  });
  test('no input names the in port', () => {
    assertShapeError(() => shapeOf(spectralFilter, {}, { in: [] }), { port: 'in' });
  });
});

describe('host real FFT against a naive DFT', () => {
  for (const d of [1, 2, 5, 6, 8, 12, 64]) {
    test(`rfft, irfft and the round trip, d = ${d}${(d & (d - 1)) === 0 ? ' (radix-2)' : ' (direct)'}`, () => {
      const n = 3;
      const F = bins(d);
      const x = randn64(new Rng(d), n * d);
      const spec = rfftRows(x, n, d);
      for (let r = 0; r < n; r++) {
        const [re, im] = naiveRfft(x, r * d, d);
        assertClose(spec.subarray(r * 2 * F, r * 2 * F + F), re, 1e-5, `re row ${r}`);
        assertClose(spec.subarray(r * 2 * F + F, (r + 1) * 2 * F), im, 1e-5, `im row ${r}`);
      }
      assertClose(irfftRows(spec, n, d), x, 1e-5, 'irfft(rfft(x)) = x');
      const z = randn64(new Rng(100 + d), n * 2 * F);
      const y = irfftRows(z, n, d);
      for (let r = 0; r < n; r++)
        assertClose(
          y.subarray(r * d, (r + 1) * d),
          naiveIrfft(z.subarray(r * 2 * F, r * 2 * F + F), z.subarray(r * 2 * F + F, (r + 1) * 2 * F), d),
          1e-5,
          `irfft row ${r}`,
        );
    });
  }
});

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`spectral_filter on ${backend}`, () => {
    for (const [d, m] of [
      [8, 1],
      [8, 2],
      [6, 2],
      [5, 1],
    ] as const) {
      test(`forward and gradients (inputs and filter) match float64: d ${d}, ${m} input(s)`, async () => {
        await useBackend(backend);
        const n = 4;
        const F = bins(d);
        const rng = new Rng(d * 10 + m);
        const xs = Array.from({ length: m }, () => randn64(rng, n * d));
        const r = randn64(rng, n * d);
        const op = buildOp(spectralFilter, {}, { in: Array.from({ length: m }, () => dense(n, d)) }, { seed: 3 });
        const wr = op.variables.get('filter_re')!;
        const wi = op.variables.get('filter_im')!;
        assert.deepEqual(wr.shape, [1, F]);
        const wr64 = Float64Array.from(wr.dataSync());
        const wi64 = Float64Array.from(wi.dataSync());
        const before = tf.memory().numTensors;
        const got = tf.tidy(() => {
          const X = xs.map((x) => t2(x, n, d));
          const R = t2(r, n, d);
          const loss = (...ins: tf.Tensor[]) =>
            tf.sum(tf.mul(runOp(op, { in: ins as tf.Tensor2D[] }, runContext()) as tf.Tensor, R)) as tf.Scalar;
          const y = (runOp(op, { in: X }, runContext()) as tf.Tensor).dataSync().slice();
          const gx = tf
            .grads(loss)(X)
            .map((g) => g.dataSync().slice());
          const { grads } = tf.variableGrads(() => loss(...X), [wr, wi]);
          return { y, gx, gwr: grads[wr.name]!.dataSync().slice(), gwi: grads[wi.name]!.dataSync().slice() };
        });
        assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
        assertClose(got.y, reference(xs, wr64, wi64, n, d), 1e-4, 'forward');
        const f = (vs: Float64Array[]) =>
          reference(vs.slice(0, m), vs[m]!, vs[m + 1]!, n, d).reduce((s, v, e) => s + v * r[e]!, 0);
        const num = numericalGrad(f, [...xs, wr64, wi64]);
        got.gx.forEach((g, i) => assertClose(g, num[i]!, 1e-3, `d in[${i}]`));
        assertClose(got.gwr, num[m]!, 1e-3, 'd filter_re');
        assertClose(got.gwi, num[m + 1]!, 1e-3, 'd filter_im');
        op.variables.forEach((v) => v.dispose());
      });
    }
  });
}
