/**
 * graph_smoothing: the graph smoothness term of the official AnchorRec code (not in the paper; weight 0.1 there):
 * the mean over the stored entries (i, j, w_ij) of a sparse graph of w_ij · ‖z_i − z_j‖², on the mm kNN graph.
 * Computed without materialising the edge pairs (nnz × d gathers on both ends):
 *   Σ w_ij ‖z_i − z_j‖² = Σ_i r_i ‖z_i‖² + Σ_j c_j ‖z_j‖² − 2 Σ_i z_i · (W z)_i
 * with r, c the row and column sums of W and W z through the fused sparse kernel; divided by nnz.
 * (Where neighbours are nearly equal the expansion loses some relative precision in float32; the value is a
 * regulariser, and its gradient is exact in form.)
 */
import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import { defineOp, scalar, ShapeError, typeToString } from '../types.js';
import { denseIn, sameDim } from '../shape.js';
import { isCsr, type CsrMatrix } from '../sparse.js';
import { spmm } from '../kernels/spmm.js';

const sumsCache = new WeakMap<CsrMatrix, { rows: Float32Array; cols: Float32Array }>();

/** Row and column sums of a constant sparse matrix, computed once per matrix. */
export function rowColSums(a: CsrMatrix): { rows: Float32Array; cols: Float32Array } {
  let s = sumsCache.get(a);
  if (!s) {
    const rows = new Float64Array(a.rows);
    const cols = new Float64Array(a.cols);
    for (let i = 0; i < a.rows; i++) {
      for (let k = a.indptr[i]!; k < a.indptr[i + 1]!; k++) {
        rows[i]! += a.values[k]!;
        cols[a.indices[k]!]! += a.values[k]!;
      }
    }
    s = { rows: Float32Array.from(rows), cols: Float32Array.from(cols) };
    sumsCache.set(a, s);
  }
  return s;
}

export const graphSmoothing = defineOp<Record<string, never>>({
  name: 'graph_smoothing',
  doc: "Mean over a graph's entries of w_ij · ‖z_i − z_j‖² (neighbours in the graph get similar embeddings).",
  category: 'loss',
  loss: true,
  params: Type.Object({}),
  inputs: [
    { name: 'graph', doc: 'A constant sparse square graph [n, n], e.g. the mm knn_graph.', kind: 'sparse' },
    { name: 'emb', doc: "Embeddings of the graph's nodes [n, d].", kind: 'dense' },
  ],
  outputs: [{ name: 'loss', doc: 'Scalar loss.' }],
  shape: (_p, inputs) => {
    const g = inputs.graph;
    if (!g || Array.isArray(g) || g.kind !== 'sparse')
      throw new ShapeError(`'graph' must be one sparse matrix`, { port: 'graph' });
    if (!sameDim(g.dims[0], g.dims[1]))
      throw new ShapeError(`'graph' must be square, got ${typeToString(g)}`, { port: 'graph' });
    const z = denseIn(inputs, 'emb', 2);
    if (!sameDim(z.dims[0]!, g.dims[1]))
      throw new ShapeError(
        `'emb' is ${typeToString(z)} but 'graph' is ${typeToString(g)}: one row per graph node needed`,
        { port: 'emb' },
      );
    return { loss: scalar() };
  },
  build: () => ({
    run: (v) => {
      const a = v.graph;
      if (!isCsr(a)) throw new Error('graph_smoothing: graph input is not a sparse matrix');
      const z = v.emb as tf.Tensor2D;
      if (a.nnz === 0) return { loss: tf.scalar(0) };
      const { rows, cols } = rowColSums(a);
      const sq = tf.sum(tf.square(z), 1); // ‖z_i‖²
      const degTerm = tf.sum(tf.mul(sq, tf.add(tf.tensor1d(rows), tf.tensor1d(cols))));
      const cross = tf.sum(tf.mul(z, spmm(a, z)));
      return { loss: tf.div(tf.sub(degTerm, tf.mul(cross, 2)), a.nnz) as tf.Scalar };
    },
  }),
});
