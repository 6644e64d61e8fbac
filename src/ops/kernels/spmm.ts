/**
 * Sparse x dense product A·X for a constant CSR matrix A (normalised adjacency, kNN graphs), differentiable in X.
 *
 * Why a kernel of our own: on tfjs's wasm backend (single-threaded in Node) UnsortedSegmentSum is missing, so the
 * textbook gather -> mul -> unsortedSegmentSum propagation does not even have a gradient there, and on the cpu
 * backend the built-in segment sum costs segments x edges x d. Measured on 26,495 nodes / 256k edges / d 64: the
 * built-in route takes 3.2 s (wasm) and 8.7 s (cpu) per forward + backward; a fused CSR loop in plain JS takes
 * about 0.3 s on either. Reading X out of wasm with dataSync is a cheap copy, so the host kernel serves both.
 *
 * On device backends (`tensorflow` = tfjs-node / tfjs-node-gpu, `webgl`) downloading X every step would be the
 * bottleneck, so there the built-in ops are used, with the COO index tensors uploaded once per matrix.
 * The choice is a small table keyed by `tf.getBackend()`.
 */
import * as tf from '@tensorflow/tfjs';
import type { CsrMatrix } from '../sparse.js';
import { csrMulWasm } from './spmm-wasm.js';
import { referenceMode } from './mode.js';
import { heapKernelsActive } from './registry.js';
import { heapSpmm } from './heap/graph.js';

export type SpmmKernel = (a: CsrMatrix, x: tf.Tensor2D) => tf.Tensor2D;

/**
 * out[i, :] += sum_k values[k] * x[indices[k], :] over row i's entries; `out` must be zeroed, [a.rows * d].
 * Row-major, the d-wide loop innermost, nothing allocated per row. Entries are taken eight (then four) at a
 * time so each pass over out's row does 8 multiply-adds per load/store of out, about three times faster than
 * one entry at a time (docs/kernels.md). The partial sums are JS doubles, rounded to float32 once per pass.
 */
export function csrMulIntoJs(a: CsrMatrix, x: Float32Array, d: number, out: Float32Array): Float32Array {
  const { indptr, indices, values, rows } = a;
  for (let i = 0; i < rows; i++) {
    const o = i * d;
    const end = indptr[i + 1]!;
    let k = indptr[i]!;
    for (; k + 7 < end; k += 8) {
      const w0 = values[k]!,
        w1 = values[k + 1]!,
        w2 = values[k + 2]!,
        w3 = values[k + 3]!;
      const w4 = values[k + 4]!,
        w5 = values[k + 5]!,
        w6 = values[k + 6]!,
        w7 = values[k + 7]!;
      const s0 = indices[k]! * d,
        s1 = indices[k + 1]! * d,
        s2 = indices[k + 2]! * d,
        s3 = indices[k + 3]! * d;
      const s4 = indices[k + 4]! * d,
        s5 = indices[k + 5]! * d,
        s6 = indices[k + 6]! * d,
        s7 = indices[k + 7]! * d;
      for (let j = 0; j < d; j++) {
        out[o + j]! +=
          w0 * x[s0 + j]! +
          w1 * x[s1 + j]! +
          w2 * x[s2 + j]! +
          w3 * x[s3 + j]! +
          w4 * x[s4 + j]! +
          w5 * x[s5 + j]! +
          w6 * x[s6 + j]! +
          w7 * x[s7 + j]!;
      }
    }
    for (; k + 3 < end; k += 4) {
      const w0 = values[k]!,
        w1 = values[k + 1]!,
        w2 = values[k + 2]!,
        w3 = values[k + 3]!;
      const s0 = indices[k]! * d,
        s1 = indices[k + 1]! * d,
        s2 = indices[k + 2]! * d,
        s3 = indices[k + 3]! * d;
      for (let j = 0; j < d; j++) out[o + j]! += w0 * x[s0 + j]! + w1 * x[s1 + j]! + w2 * x[s2 + j]! + w3 * x[s3 + j]!;
    }
    for (; k < end; k++) {
      const w = values[k]!;
      const s0 = indices[k]! * d;
      for (let j = 0; j < d; j++) out[o + j]! += w * x[s0 + j]!;
    }
  }
  return out;
}

/**
 * out = A·x for a zeroed `out`: the WebAssembly SIMD kernel where it is built (spmm-wasm.ts), else the JS loop.
 * Both sum a row's entries in CSR order; the SIMD kernel in float32, the JS loop in doubles per group of 8, so
 * results agree to float32 rounding.
 */
export function csrMulInto(a: CsrMatrix, x: Float32Array, d: number, out: Float32Array): Float32Array {
  if (!referenceMode() && csrMulWasm(a, x, d, out)) return out;
  return csrMulIntoJs(a, x, d, out);
}

function checkShapes(a: CsrMatrix, x: tf.Tensor): void {
  if (x.rank !== 2 || x.shape[0] !== a.cols) {
    throw new Error(`spmm: A is [${a.rows}, ${a.cols}] but X is [${x.shape.join(', ')}]`);
  }
}

/** A·X with the host loop and a custom gradient Aᵀ·dY (Aᵀ cached on the matrix; symmetric A is its own). */
export const spmmHost: SpmmKernel = (a, x) => {
  checkShapes(a, x);
  const d = x.shape[1];
  if (d % 4 === 0 && heapKernelsActive()) {
    // The same SIMD kernel, run in the wasm backend's memory: no copies in or out (heap/graph.ts). Its gradient
    // is registered by name (registry.ts).
    return heapSpmm(a, x);
  }
  const f = tf.customGrad((xIn) => {
    const xs = (xIn as tf.Tensor).dataSync() as Float32Array;
    const value = tf.tensor2d(csrMulInto(a, xs, d, new Float32Array(a.rows * d)), [a.rows, d], 'float32');
    return {
      value,
      gradFunc: (dy: tf.Tensor) => {
        const at = a.transpose();
        const g = csrMulInto(at, dy.dataSync() as Float32Array, d, new Float32Array(at.rows * d));
        return tf.tensor2d(g, [at.rows, d], 'float32');
      },
    };
  });
  return f(x as tf.Tensor) as tf.Tensor2D;
};

/** COO tensors of a matrix, uploaded once per (matrix, backend) and kept for the matrix's lifetime. */
interface CooTensors {
  rowIds: tf.Tensor1D;
  colIds: tf.Tensor1D;
  vals: tf.Tensor2D;
}
const cooCache = new WeakMap<CsrMatrix, Map<string, CooTensors>>();

function cooTensors(a: CsrMatrix): CooTensors {
  const backend = tf.getBackend();
  let perBackend = cooCache.get(a);
  if (!perBackend) cooCache.set(a, (perBackend = new Map()));
  let t = perBackend.get(backend);
  if (!t) {
    const rowIds = new Int32Array(a.nnz);
    for (let i = 0; i < a.rows; i++) rowIds.fill(i, a.indptr[i]!, a.indptr[i + 1]!);
    // tf.keep: these constants outlive any tidy they are first created in.
    t = {
      rowIds: tf.keep(tf.tensor1d(rowIds, 'int32')),
      colIds: tf.keep(tf.tensor1d(a.indices, 'int32')),
      vals: tf.keep(tf.tensor2d(a.values, [a.nnz, 1], 'float32')),
    };
    perBackend.set(backend, t);
  }
  return t;
}

/**
 * A·X from built-in differentiable ops (gather, mul, unsortedSegmentSum): correct everywhere those kernels exist,
 * and the data stays on the device. Used for tfjs-node(-gpu) and webgl.
 */
export const spmmBuiltin: SpmmKernel = (a, x) => {
  checkShapes(a, x);
  const { rowIds, colIds, vals } = cooTensors(a);
  return tf.tidy(() => tf.unsortedSegmentSum(tf.mul(tf.gather(x, colIds), vals), rowIds, a.rows) as tf.Tensor2D);
};

/** Per-backend choice; backends not listed get the built-in route. */
export const SPMM_KERNELS: Record<string, SpmmKernel> = {
  wasm: spmmHost,
  cpu: spmmHost,
};

/** A·X for a constant sparse A, differentiable with respect to X, with the fastest kernel for the active backend. */
export function spmm(a: CsrMatrix, x: tf.Tensor2D): tf.Tensor2D {
  return (SPMM_KERNELS[tf.getBackend()] ?? spmmBuiltin)(a, x);
}
