/**
 * spectral_filter: SMORE's spectrum-domain modality denoising and fusion (Ong and Khong, WSDM 2025):
 *   out = irfft( rfft(x_1) ⊙ … ⊙ rfft(x_M) ⊙ W ),  rfft/irfft along the feature axis with norm 'ortho',
 * W a learnable complex filter with one entry per frequency bin (d/2 + 1 of them), initialised N(0, 1) in its
 * real and imaginary parts (torch.randn, as smore.py). One input is SMORE's uni-modal denoising; two inputs
 * (text, image) its cross-modality fusion, where the product of spectra is a circular convolution of the rows.
 *
 * Why a transform of our own: tfjs's wasm backend has no FFT kernel. The transforms run on the host over rows
 * (float64 work buffers): an iterative radix-2 complex FFT when d is a power of two (d = 64 in SMORE), and a
 * table-driven direct DFT otherwise (O(d²) per row, still cheap at embedding sizes). Two real rows share one
 * complex transform (separated by Hermitian symmetry), which halves the work (timing in docs/kernels.md).
 *
 * Gradients are the adjoints of the two linear maps (each is linear, so its gradient is its transpose), written
 * in terms of the same transforms (c_k = 1 at the DC and Nyquist bins, 2 at interior bins):
 *   rfft backward:  dx = irfft(G ⊘ c)    irfft backward:  dZ = c ⊙ rfft(g),  Im at DC / Nyquist = 0
 * irfft ignores the imaginary parts of the DC and Nyquist bins, as torch.fft.irfft does.
 * The spectra travel between host and tfjs packed as [n, 2F] (real parts, then imaginary parts), so the complex
 * products and the filter are plain differentiable tfjs element-wise ops.
 */
import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import { Defaulted, defineOp, dense, ShapeError, typeToString } from '../types.js';
import { listIn, sameDim } from '../shape.js';

/** Number of frequency bins of a real transform of length d. */
export const bins = (d: number): number => Math.floor(d / 2) + 1;

interface Plan {
  d: number;
  pow2: boolean;
  cos: Float64Array;
  sin: Float64Array;
  rev: Int32Array;
}
const plans = new Map<number, Plan>();

function plan(d: number): Plan {
  let p = plans.get(d);
  if (p) return p;
  const cos = new Float64Array(d);
  const sin = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / d);
    sin[k] = Math.sin((2 * Math.PI * k) / d);
  }
  const pow2 = d > 0 && (d & (d - 1)) === 0;
  const rev = new Int32Array(d);
  if (pow2) {
    const bits = Math.round(Math.log2(d));
    for (let i = 0; i < d; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      rev[i] = r;
    }
  }
  p = { d, pow2, cos, sin, rev };
  plans.set(d, p);
  return p;
}

/**
 * In-place unnormalised complex DFT of (re, im), length d: X_k = Σ_j x_j e^{sign·2πi jk/d}.
 * Radix-2 for powers of two; otherwise a direct sum through the twiddle table into `tmpRe`/`tmpIm`.
 */
function dft(
  p: Plan,
  re: Float64Array,
  im: Float64Array,
  sign: 1 | -1,
  tmpRe: Float64Array,
  tmpIm: Float64Array,
): void {
  const d = p.d;
  if (p.pow2) {
    for (let i = 0; i < d; i++) {
      const r = p.rev[i]!;
      if (r > i) {
        let t = re[i]!;
        re[i] = re[r]!;
        re[r] = t;
        t = im[i]!;
        im[i] = im[r]!;
        im[r] = t;
      }
    }
    for (let size = 2; size <= d; size <<= 1) {
      const half = size >> 1;
      const step = d / size;
      for (let start = 0; start < d; start += size) {
        for (let j = 0; j < half; j++) {
          const wr = p.cos[j * step]!;
          const wi = sign * p.sin[j * step]!;
          const a = start + j;
          const b = a + half;
          const xr = re[b]! * wr - im[b]! * wi;
          const xi = re[b]! * wi + im[b]! * wr;
          re[b] = re[a]! - xr;
          im[b] = im[a]! - xi;
          re[a] = re[a]! + xr;
          im[a] = im[a]! + xi;
        }
      }
    }
    return;
  }
  for (let k = 0; k < d; k++) {
    let sr = 0;
    let si = 0;
    for (let j = 0; j < d; j++) {
      const t = (j * k) % d;
      const c = p.cos[t]!;
      const s = sign * p.sin[t]!;
      sr += re[j]! * c - im[j]! * s;
      si += re[j]! * s + im[j]! * c;
    }
    tmpRe[k] = sr;
    tmpIm[k] = si;
  }
  re.set(tmpRe);
  im.set(tmpIm);
}

/**
 * rfft of each row of x [n, d] with norm 'ortho', packed [n, 2F]: row r holds Re X_0..X_{F-1}, then Im.
 * `scale` multiplies bin k by scale[k] (used by the irfft gradient); default 1.
 * Two real rows go through one complex transform, z = x_a + i·x_b, and are separated by Hermitian symmetry:
 * X_a[k] = (Z[k] + conj Z[−k]) / 2, X_b[k] = (Z[k] − conj Z[−k]) / 2i; half the work of one transform per row.
 */
export function rfftRows(x: ArrayLike<number>, n: number, d: number, scale?: Float64Array): Float32Array {
  const p = plan(d);
  const F = bins(d);
  const out = new Float32Array(n * 2 * F);
  const re = new Float64Array(d);
  const im = new Float64Array(d);
  const tr = new Float64Array(d);
  const ti = new Float64Array(d);
  const norm = 1 / Math.sqrt(d);
  for (let r = 0; r < n; r += 2) {
    const pair = r + 1 < n;
    for (let j = 0; j < d; j++) {
      re[j] = x[r * d + j]!;
      im[j] = pair ? x[(r + 1) * d + j]! : 0;
    }
    dft(p, re, im, -1, tr, ti);
    const oa = r * 2 * F;
    const ob = oa + 2 * F;
    for (let k = 0; k < F; k++) {
      const m = k === 0 ? 0 : d - k;
      const s = (scale ? scale[k]! * norm : norm) * 0.5;
      out[oa + k] = (re[k]! + re[m]!) * s;
      out[oa + F + k] = (im[k]! - im[m]!) * s;
      if (pair) {
        out[ob + k] = (im[k]! + im[m]!) * s;
        out[ob + F + k] = (re[m]! - re[k]!) * s;
      }
    }
  }
  return out;
}

/**
 * irfft of each packed row of z [n, 2F] back to length d with norm 'ortho' (Hermitian extension; the imaginary
 * parts of the DC and, for even d, Nyquist bins are ignored, as torch.fft.irfft). `scale` multiplies bin k first.
 * Two rows share one complex inverse transform: the spectrum X_a + i·X_b has x_a as its real and x_b as its
 * imaginary part, since both are real.
 */
export function irfftRows(z: ArrayLike<number>, n: number, d: number, scale?: Float64Array): Float32Array {
  const p = plan(d);
  const F = bins(d);
  const out = new Float32Array(n * d);
  const ar = new Float64Array(d);
  const ai = new Float64Array(d);
  const br = new Float64Array(d);
  const bi = new Float64Array(d);
  const re = new Float64Array(d);
  const im = new Float64Array(d);
  const tr = new Float64Array(d);
  const ti = new Float64Array(d);
  const norm = 1 / Math.sqrt(d);
  const even = d % 2 === 0;
  /** The Hermitian extension of packed row r into (hr, hi); zeros when r is past the end. */
  const extend = (r: number, hr: Float64Array, hi: Float64Array) => {
    if (r >= n) {
      hr.fill(0);
      hi.fill(0);
      return;
    }
    const o = r * 2 * F;
    for (let k = 0; k < F; k++) {
      const s = scale ? scale[k]! : 1;
      hr[k] = z[o + k]! * s;
      hi[k] = z[o + F + k]! * s;
    }
    hi[0] = 0;
    if (even) hi[d / 2] = 0;
    for (let k = F; k < d; k++) {
      hr[k] = hr[d - k]!;
      hi[k] = -hi[d - k]!;
    }
  };
  for (let r = 0; r < n; r += 2) {
    extend(r, ar, ai);
    extend(r + 1, br, bi);
    for (let k = 0; k < d; k++) {
      re[k] = ar[k]! - bi[k]!;
      im[k] = ai[k]! + br[k]!;
    }
    dft(p, re, im, 1, tr, ti);
    for (let j = 0; j < d; j++) out[r * d + j] = re[j]! * norm;
    if (r + 1 < n) for (let j = 0; j < d; j++) out[(r + 1) * d + j] = im[j]! * norm;
  }
  return out;
}

/** c_k: 1 at the DC (and for even d, Nyquist) bin, 2 at the interior bins (their mirrored twins). */
function binMultiplicity(d: number): Float64Array {
  const F = bins(d);
  const c = new Float64Array(F).fill(2);
  c[0] = 1;
  if (d % 2 === 0) c[F - 1] = 1;
  return c;
}

/** rfft (ortho) of the rows of x [n, d] as a packed [n, 2F] tensor, differentiable (gradient: the adjoint). */
export function rfft(x: tf.Tensor2D): tf.Tensor2D {
  const [n, d] = x.shape;
  const F = bins(d);
  const inv = binMultiplicity(d).map((c) => 1 / c);
  const f = tf.customGrad((xIn) => ({
    value: tf.tensor2d(rfftRows((xIn as tf.Tensor).dataSync() as Float32Array, n, d), [n, 2 * F], 'float32'),
    gradFunc: (dy: tf.Tensor) => tf.tensor2d(irfftRows(dy.dataSync() as Float32Array, n, d, inv), [n, d], 'float32'),
  }));
  return f(x as tf.Tensor) as tf.Tensor2D;
}

/** irfft (ortho, length d) of packed spectra z [n, 2F], differentiable (gradient: the adjoint). */
export function irfft(z: tf.Tensor2D, d: number): tf.Tensor2D {
  const [n, w] = z.shape;
  const F = bins(d);
  if (w !== 2 * F) throw new Error(`irfft: packed spectra must have ${2 * F} columns for length ${d}, got ${w}`);
  const c = binMultiplicity(d);
  const even = d % 2 === 0;
  const f = tf.customGrad((zIn) => ({
    value: tf.tensor2d(irfftRows((zIn as tf.Tensor).dataSync() as Float32Array, n, d), [n, d], 'float32'),
    gradFunc: (dy: tf.Tensor) => {
      const g = rfftRows(dy.dataSync() as Float32Array, n, d, c);
      // The DC and Nyquist imaginary parts never reach the output, so their gradient is exactly 0.
      for (let r = 0; r < n; r++) {
        g[r * 2 * F + F] = 0;
        if (even) g[r * 2 * F + F + F - 1] = 0;
      }
      return tf.tensor2d(g, [n, 2 * F], 'float32');
    },
  }));
  return f(z as tf.Tensor) as tf.Tensor2D;
}

export const spectralFilter = defineOp({
  name: 'spectral_filter',
  doc: 'SMORE spectral filter: irfft(Π rfft(in_m) ⊙ W) along the feature axis, W a learnable complex filter.',
  category: 'layer',
  params: Type.Object({
    init_std: Defaulted(
      Type.Number({
        exclusiveMinimum: 0,
        default: 1,
        description:
          "Standard deviation of the normal initialisation of the filter's real and imaginary parts (smore.py: torch.randn, 1).",
        examples: [1],
      }),
    ),
  }),
  inputs: [
    {
      name: 'in',
      doc: 'One or more tensors [n, d] of one shape; their spectra are multiplied (one: denoising, two: cross-modal fusion).',
      list: true,
      kind: 'dense',
    },
  ],
  outputs: [{ name: 'out', doc: 'The filtered rows back in the feature domain [n, d].' }],
  shape: (p, inputs) => {
    const ts = listIn(inputs, 'in');
    if (ts.length === 0) throw new ShapeError(`'in' needs at least one input`, { port: 'in' });
    const first = ts[0]!;
    ts.forEach((t, i) => {
      if (t.kind !== 'dense' || t.dims.length !== 2)
        throw new ShapeError(`'in[${i}]' must be a dense rank-2 tensor, got ${typeToString(t)}`, { port: 'in' });
      if (!sameDim(t.dims[0]!, first.dims[0]!) || !sameDim(t.dims[1]!, first.dims[1]!))
        throw new ShapeError(
          `'in[${i}]' is ${typeToString(t)} but 'in[0]' is ${typeToString(first)}: shapes must match`,
          { port: 'in' },
        );
    });
    if (!(p.init_std > 0)) throw new ShapeError(`'init_std' must be > 0, got ${p.init_std}`, { param: 'init_std' });
    return { out: dense(...first.dims) };
  },
  variableShapes: (_p, inputs, sizes) => {
    const dd = listIn(inputs, 'in')[0]!.dims[1]!;
    const F = bins(typeof dd === 'number' ? dd : sizes[dd]!);
    return [
      [1, F],
      [1, F],
    ];
  },
  build: (p, inputs, ctx) => {
    const t = listIn(inputs, 'in')[0]!;
    const dd = t.dims[1]!;
    const d = typeof dd === 'number' ? dd : ctx.sizes[dd];
    if (d === undefined) throw new Error(`spectral_filter: width ${dd} unknown at build time`);
    const F = bins(d);
    const init = { normal: p.init_std };
    const wr = ctx.variable('filter_re', [1, F], init);
    const wi = ctx.variable('filter_im', [1, F], init);
    return {
      run: (v) => {
        const xs = v.in as tf.Tensor2D[];
        let re: tf.Tensor | undefined;
        let im: tf.Tensor | undefined;
        for (const x of xs) {
          const [a, b] = tf.split(rfft(x), [F, F], 1) as [tf.Tensor2D, tf.Tensor2D];
          if (!re || !im) {
            re = a;
            im = b;
          } else {
            const r2 = tf.sub(tf.mul(re, a), tf.mul(im, b));
            im = tf.add(tf.mul(re, b), tf.mul(im, a));
            re = r2;
          }
        }
        const fr = tf.sub(tf.mul(re!, wr), tf.mul(im!, wi));
        const fi = tf.add(tf.mul(re!, wi), tf.mul(im!, wr));
        return { out: irfft(tf.concat([fr, fi], 1) as tf.Tensor2D, d) };
      },
    };
  },
});
