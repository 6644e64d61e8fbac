/**
 * x[idx] for a full embedding table x, differentiable in x: how losses read the batch's rows.
 *
 * Why a kernel of our own: tf.gather's gradient is an UnsortedSegmentSum, which the wasm backend lacks (training
 * a gathered embedding fails there out of the box) and which the cpu backend implements at a cost of
 * segments x rows x d. The forward gather itself exists and is fast on every backend, so only the gradient is
 * replaced: on wasm/cpu it is a scatter-add of dY's rows into a zeroed [rows, d] buffer in plain JS (duplicate
 * indices accumulate), which touches batch x d values plus one zero fill. Device backends keep tf.gather and its
 * built-in gradient, so nothing is downloaded there.
 */
import * as tf from '@tensorflow/tfjs';
import { heapKernelsActive } from './registry.js';
import { heapScatterAddRows } from './heap/graph.js';

export type GatherRowsKernel = (x: tf.Tensor2D, idx: tf.Tensor1D, idxHost?: Int32Array) => tf.Tensor2D;

/** out[idx[r], :] += dy[r, :] for every r; `out` must be zeroed, [rows * d]. */
export function scatterAddRowsInto(
  dy: Float32Array,
  idx: ArrayLike<number>,
  d: number,
  out: Float32Array,
): Float32Array {
  const n = idx.length;
  for (let r = 0; r < n; r++) {
    const src = r * d;
    const dst = idx[r]! * d;
    if (!(dst >= 0 && dst + d <= out.length)) throw new Error(`gatherRows: index ${idx[r]} out of range`);
    for (let j = 0; j < d; j++) out[dst + j]! += dy[src + j]!;
  }
  return out;
}

/** tf.gather forward with a host scatter-add gradient. `idxHost`, when given, saves reading idx back. */
export const gatherRowsHost: GatherRowsKernel = (x, idx, idxHost) => {
  if (x.rank !== 2) throw new Error(`gatherRows: x must be 2-D, got [${x.shape.join(', ')}]`);
  if (idxHost && idxHost.length !== idx.size)
    throw new Error(`gatherRows: idxHost has ${idxHost.length} entries, idx ${idx.size}`);
  const [rows, d] = x.shape;
  const f = tf.customGrad((xIn) => ({
    value: tf.gather(xIn as tf.Tensor2D, idx),
    gradFunc: (dy: tf.Tensor) => {
      // Read at gradient time: the batch's indices are small, and idx may have been created lazily.
      const ids = idxHost ?? (idx.dataSync() as Int32Array);
      // On wasm the scatter writes straight into a tensor in the backend's memory (heap-kernels.ts).
      if (heapKernelsActive()) return heapScatterAddRows(dy as tf.Tensor2D, ids, rows);
      const g = scatterAddRowsInto(dy.dataSync() as Float32Array, ids, d, new Float32Array(rows * d));
      return tf.tensor2d(g, [rows, d], 'float32');
    },
  }));
  return f(x as tf.Tensor) as tf.Tensor2D;
};

/** tf.gather with its built-in gradient, for backends that have UnsortedSegmentSum on the device. */
export const gatherRowsBuiltin: GatherRowsKernel = (x, idx) => tf.gather(x, idx);

export const GATHER_ROWS_KERNELS: Record<string, GatherRowsKernel> = {
  wasm: gatherRowsHost,
  cpu: gatherRowsHost,
};

/** x[idx] (rows of a 2-D table), differentiable in x, with the kernel suited to the active backend. */
export function gatherRows(x: tf.Tensor2D, idx: tf.Tensor1D, idxHost?: Int32Array): tf.Tensor2D {
  return (GATHER_ROWS_KERNELS[tf.getBackend()] ?? gatherRowsBuiltin)(x, idx, idxHost);
}
