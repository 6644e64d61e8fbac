/**
 * The graph kernels in the wasm backend's memory: sparse products over pinned CSR matrices (propagation) and the
 * scatter-add that is the gradient of a row gather.
 */
import * as tf from '@tensorflow/tfjs';
import { align16, heapModule, offsetOf, pin, runHeapKernel, type HeapKernelArgs, type WasmBackend } from './runtime.js';
import type { CsrMatrix } from '../../sparse.js';

export const SPMM = 'AnchorflowSpmm';
export const PROPAGATE_MEAN = 'AnchorflowPropagateMean';
export const SCATTER_ROWS = 'AnchorflowScatterAddRows';

export function spmmKernel({ inputs, attrs, backend }: HeapKernelArgs): tf.TensorInfo {
  const be = backend as WasmBackend;
  const x = inputs.x as tf.TensorInfo;
  const a = (attrs as unknown as { matrix: CsrMatrix }).matrix;
  const d = x.shape[1]!;
  const out = be.makeOutput([a.rows, d], 'float32');
  const m = heapModule(be);
  const p = pin(be, a);
  m.spmm(a.rows, p.indptr, p.indices, p.values, offsetOf(be, x), d, offsetOf(be, out));
  return out;
}

export function propagateMeanKernel({ inputs, attrs, backend }: HeapKernelArgs): tf.TensorInfo {
  const be = backend as WasmBackend;
  const x = inputs.x as tf.TensorInfo;
  const { matrix: a, layers } = attrs as unknown as { matrix: CsrMatrix; layers: number };
  const d = x.shape[1]!;
  const out = be.makeOutput([a.rows, d], 'float32');
  const m = heapModule(be);
  const p = pin(be, a);
  const bytes = a.rows * d * 4;
  const scratch = be.wasm._malloc(2 * bytes + 32);
  try {
    const s0 = align16(scratch);
    m.propagateMean(
      a.rows,
      p.indptr,
      p.indices,
      p.values,
      offsetOf(be, x),
      d,
      layers,
      offsetOf(be, out),
      s0,
      align16(s0 + bytes),
    );
  } finally {
    be.wasm._free(scratch);
  }
  return out;
}

/** out[rows, d] = 0, then out[idx[r], :] += dy[r, :]: the gradient of a row gather, written in place. */
export function scatterAddRowsKernel({ inputs, attrs, backend }: HeapKernelArgs): tf.TensorInfo {
  const be = backend as WasmBackend;
  const dy = inputs.dy as tf.TensorInfo;
  const { rows, ids } = attrs as unknown as { rows: number; ids: ArrayLike<number> };
  const d = dy.shape[1]!;
  if (ids.length !== dy.shape[0]) throw new Error(`gatherRows: ${ids.length} indices for ${dy.shape[0]} gradient rows`);
  const out = be.makeOutput([rows, d], 'float32');
  const buf = be.wasm.HEAPU8.buffer; // views after makeOutput, which can grow the memory
  const o = new Float32Array(buf, offsetOf(be, out), rows * d);
  const g = new Float32Array(buf, offsetOf(be, dy), dy.shape[0]! * d);
  o.fill(0);
  for (let r = 0; r < ids.length; r++) {
    const dst = ids[r]! * d;
    if (!(dst >= 0 && dst + d <= o.length)) throw new Error(`gatherRows: index ${ids[r]} out of range`);
    const src = r * d;
    for (let j = 0; j < d; j++) o[dst + j]! += g[src + j]!;
  }
  return out;
}

/**
 * A·x in the wasm backend's memory, differentiable in x (its gradient, Aᵀ·dy, is registered in ../registry.ts). d a
 * multiple of 4.
 */
export function heapSpmm(a: CsrMatrix, x: tf.Tensor2D): tf.Tensor2D {
  return runHeapKernel(SPMM, { x }, { matrix: a }) as tf.Tensor2D;
}

/**
 * mean(x, A·x, …, A^layers·x) in the wasm backend's memory, differentiable in x (the same mean over Aᵀ, registered in
 * ../registry.ts). A square, d a multiple of 4.
 */
export function heapPropagateMean(a: CsrMatrix, x: tf.Tensor2D, layers: number): tf.Tensor2D {
  return runHeapKernel(PROPAGATE_MEAN, { x }, { matrix: a, layers }) as tf.Tensor2D;
}

/**
 * The [rows, d] gradient of gathering rows `ids` of a table, from the gathered rows' gradient dy. The indices
 * come as a host array: the index tensor of the forward pass may already be disposed when the gradient runs.
 */
export function heapScatterAddRows(dy: tf.Tensor2D, ids: ArrayLike<number>, rows: number): tf.Tensor2D {
  return runHeapKernel(SCATTER_ROWS, { dy }, { rows, ids }) as tf.Tensor2D;
}
