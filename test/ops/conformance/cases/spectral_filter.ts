import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { DL, randDense } from '../ref.js';

const n = 3;
const d = 6; // even and not a power of two: the direct-DFT path and a Nyquist bin
const F = d / 2 + 1;

/**
 * out = irfft( rfft(x_1) ⊙ rfft(x_2) ⊙ W ) along the rows, norm 'ortho', from the definition:
 * X_k = d^-1/2 Σ_j x_j e^{−2πi jk/d} (k < F); the inverse sums the Hermitian extension (the imaginary parts of the
 * DC and Nyquist bins dropped) with e^{+2πi jk/d}.
 */
export default {
  op: 'spectral_filter',
  params: { init_std: 1 },
  sizes: { items: n, d },
  types: { in: [dense('items', 'd'), dense('items', 'd')] },
  inputs: { in: [randDense(1, n, d), randDense(2, n, d)] },
  reference: (x, v) => {
    const [a, b] = DL(x.in);
    const out = new Float64Array(n * d);
    const s = 1 / Math.sqrt(d);
    for (let r = 0; r < n; r++) {
      const re = new Float64Array(F);
      const im = new Float64Array(F);
      for (let k = 0; k < F; k++) {
        let ar = 0,
          ai = 0,
          br = 0,
          bi = 0;
        for (let j = 0; j < d; j++) {
          const t = (-2 * Math.PI * j * k) / d;
          ar += a!.data[r * d + j]! * Math.cos(t) * s;
          ai += a!.data[r * d + j]! * Math.sin(t) * s;
          br += b!.data[r * d + j]! * Math.cos(t) * s;
          bi += b!.data[r * d + j]! * Math.sin(t) * s;
        }
        const pr = ar * br - ai * bi;
        const pi = ar * bi + ai * br;
        const wr = v.filter_re![k]!;
        const wi = v.filter_im![k]!;
        re[k] = pr * wr - pi * wi;
        im[k] = pr * wi + pi * wr;
      }
      im[0] = 0;
      im[F - 1] = 0;
      for (let j = 0; j < d; j++) {
        let acc = 0;
        for (let k = 0; k < d; k++) {
          const kr = k < F ? re[k]! : re[d - k]!;
          const ki = k < F ? im[k]! : -im[d - k]!;
          const t = (2 * Math.PI * j * k) / d;
          acc += kr * Math.cos(t) - ki * Math.sin(t);
        }
        out[r * d + j] = acc * s;
      }
    }
    return { out };
  },
} satisfies ConformanceCase;
