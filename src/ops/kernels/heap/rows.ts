/**
 * The row kernels in the wasm backend's memory: one SIMD pass over a [rows, cols] block each (softmax,
 * exponentiated similarities with their sums, row scaling, top-k), the inner loops of the contrastive losses.
 */
import * as tf from '@tensorflow/tfjs';
import { heapModule, offsetOf, runHeapKernel, type HeapKernelArgs, type WasmBackend } from './runtime.js';

export const SOFTMAX_ROWS = 'AnchorflowSoftmaxRows';
export const EXP_ROWS = 'AnchorflowExpRows';
export const SCALE_ROWS = 'AnchorflowScaleRows';
export const TOPK_ROWS = 'AnchorflowTopkRows';
export const TRANSPOSE_ROWS = 'AnchorflowTransposeRows';

/** Row softmax of x [rows, cols] and, per row, [max, Σ exp(x − max)]: two outputs. */
export function softmaxRowsKernel({ inputs, backend }: HeapKernelArgs): tf.TensorInfo[] {
  const be = backend as WasmBackend;
  const x = inputs.x as tf.TensorInfo;
  const [rows, cols] = x.shape as [number, number];
  const out = be.makeOutput([rows, cols], 'float32');
  const stats = be.makeOutput([rows, 2], 'float32');
  heapModule(be).softmaxRows(offsetOf(be, x), rows, cols, offsetOf(be, out), offsetOf(be, stats));
  return [out, stats];
}

/**
 * exp(scale · x − shift) of x [rows, cols]: the row sums always; the [rows, cols] exponentials (times the
 * per-row factors when given) only when asked for.
 */
export function expRowsKernel({ inputs, attrs, backend }: HeapKernelArgs): tf.TensorInfo[] {
  const be = backend as WasmBackend;
  const x = inputs.x as tf.TensorInfo;
  const f = inputs.factors as tf.TensorInfo | undefined;
  const { scale, shift, keep } = attrs as unknown as { scale: number; shift: number; keep: boolean };
  const [rows, cols] = x.shape as [number, number];
  if (f && f.shape[0] !== rows) throw new Error(`expRows: ${f.shape[0]} factors for ${rows} rows`);
  const sums = be.makeOutput([rows], 'float32');
  const out = keep ? be.makeOutput([rows, cols], 'float32') : undefined;
  heapModule(be).expRows(
    offsetOf(be, x),
    rows,
    cols,
    scale,
    shift,
    f ? offsetOf(be, f) : 0,
    out ? offsetOf(be, out) : 0,
    offsetOf(be, sums),
  );
  return out ? [sums, out] : [sums];
}

/** x [rows, cols] with row i multiplied by factors[i]. */
export function scaleRowsKernel({ inputs, backend }: HeapKernelArgs): tf.TensorInfo {
  const be = backend as WasmBackend;
  const x = inputs.x as tf.TensorInfo;
  const f = inputs.factors as tf.TensorInfo;
  const [rows, cols] = x.shape as [number, number];
  if (f.shape[0] !== rows) throw new Error(`scaleRows: ${f.shape[0]} factors for ${rows} rows`);
  const out = be.makeOutput([rows, cols], 'float32');
  heapModule(be).scaleRows(offsetOf(be, x), rows, cols, offsetOf(be, f), offsetOf(be, out));
  return out;
}

/** xᵀ [cols, rows] of x [rows, cols], tiled. */
export function transposeRowsKernel({ inputs, backend }: HeapKernelArgs): tf.TensorInfo {
  const be = backend as WasmBackend;
  const x = inputs.x as tf.TensorInfo;
  const [rows, cols] = x.shape as [number, number];
  if (x.dtype !== 'float32') throw new Error(`transposeRows: float32 only, got ${x.dtype}`);
  const out = be.makeOutput([cols, rows], 'float32');
  heapModule(be).transposeRows(offsetOf(be, x), rows, cols, offsetOf(be, out));
  return out;
}

/** Columns of the k largest entries of each row of x (+ y when given), descending: [rows, k] int32. */
export function topkRowsKernel({ inputs, attrs, backend }: HeapKernelArgs): tf.TensorInfo {
  const be = backend as WasmBackend;
  const x = inputs.x as tf.TensorInfo;
  const y = inputs.y as tf.TensorInfo | undefined;
  const { k } = attrs as unknown as { k: number };
  const [rows, cols] = x.shape as [number, number];
  if (!(k >= 1 && k <= cols)) throw new Error(`topkRows: k ${k} outside 1..${cols}`);
  if (y && (y.shape[0] !== rows || y.shape[1] !== cols))
    throw new Error(`topkRows: y is [${y.shape}], x is [${x.shape}]`);
  const out = be.makeOutput([rows, k], 'int32');
  const scratch = be.wasm._malloc(k * 4);
  try {
    heapModule(be).topkRows(offsetOf(be, x), y ? offsetOf(be, y) : 0, rows, cols, k, offsetOf(be, out), scratch);
  } finally {
    be.wasm._free(scratch);
  }
  return out;
}

/**
 * Row softmax of x [rows, cols] in one SIMD pass set (exp by a ~1 ulp polynomial), with each row's max and
 * Σ exp(x − max), so that logSumExp = log(sum) + max. No gradient: InfoNCE supplies its closed form.
 */
export function heapSoftmaxRows(x: tf.Tensor2D): { softmax: tf.Tensor2D; max: tf.Tensor1D; sum: tf.Tensor1D } {
  const [softmax, stats] = runHeapKernel<[tf.Tensor2D, tf.Tensor2D]>(SOFTMAX_ROWS, { x }, {});
  const [max, sum] = tf.unstack(stats, 1) as [tf.Tensor1D, tf.Tensor1D];
  stats.dispose();
  return { softmax, max, sum };
}

/**
 * Σ_j exp(scale · x_ij − shift) per row of x [rows, cols] (exp by the same ~1 ulp polynomial as the softmax) and,
 * with keep, the exponentials themselves, each row times factors[i] when factors are given. No gradient.
 */
export function heapExpRows(
  x: tf.Tensor2D,
  scale: number,
  shift: number,
  opts: { keep?: boolean; factors?: tf.Tensor1D } = {},
): { sum: tf.Tensor1D; exp?: tf.Tensor2D } {
  const inputs: tf.NamedTensorMap = opts.factors ? { x, factors: opts.factors } : { x };
  const out = runHeapKernel<tf.Tensor[]>(EXP_ROWS, inputs, { scale, shift, keep: !!opts.keep });
  return { sum: out[0] as tf.Tensor1D, exp: out[1] as tf.Tensor2D | undefined };
}

/** x [rows, cols] with each row i multiplied by factors[i] (a broadcast multiply in one SIMD pass). No gradient. */
export function heapScaleRows(x: tf.Tensor2D, factors: tf.Tensor1D): tf.Tensor2D {
  return runHeapKernel(SCALE_ROWS, { x, factors }, {}) as tf.Tensor2D;
}

/** xᵀ of a float32 [rows, cols] block, tiled in the backend's memory (bit-identical to tf.transpose). No gradient. */
export function heapTranspose(x: tf.Tensor2D): tf.Tensor2D {
  return runHeapKernel(TRANSPOSE_ROWS, { x }, {}) as tf.Tensor2D;
}

/**
 * The columns of the k largest entries of each row of x + y (y optional), in descending order, ties to the lower
 * column (as topkRows in cosine.ts): [rows, k] int32 read back to the host. No gradient.
 */
export function heapTopkRows(x: tf.Tensor2D, y: tf.Tensor2D | undefined, k: number): Int32Array {
  const t = runHeapKernel(TOPK_ROWS, y ? { x, y } : { x }, { k });
  const out = t.dataSync() as Int32Array;
  t.dispose();
  return out;
}
