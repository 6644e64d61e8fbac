/**
 * normalize: row-wise L2 normalisation x / max(‖x‖₂, eps), PyTorch's F.normalize(x, dim=1) with eps 1e-12.
 * Cosine similarities (InfoNCE, structure preservation, the cosine triplet) are dot products of such rows.
 *
 * max(‖x‖, eps) is computed as sqrt(max(‖x‖², eps²)): the same value, but an all-zero row then has a zero
 * gradient instead of the NaN that the derivative of sqrt at 0 would give.
 */
import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import { Defaulted, defineOp, dense, ShapeError } from '../types.js';
import { denseIn } from '../shape.js';

/** x / max(‖x_i‖₂, eps) for each row i of a 2-D tensor; differentiable. */
export function l2NormalizeRows(x: tf.Tensor2D, eps = 1e-12): tf.Tensor2D {
  const sq = tf.sum(tf.square(x), 1, true);
  const norm = tf.sqrt(tf.maximum(sq, eps * eps));
  return tf.div(x, norm) as tf.Tensor2D;
}

export const normalize = defineOp({
  name: 'normalize',
  doc: 'Row-wise L2 normalisation x / max(‖x‖, eps), like F.normalize(x, dim=1).',
  category: 'combine',
  params: Type.Object({
    eps: Defaulted(
      Type.Number({
        exclusiveMinimum: 0,
        default: 1e-12,
        description: 'Lower bound on the row norm (F.normalize uses 1e-12).',
        examples: [1e-12],
      }),
    ),
  }),
  inputs: [{ name: 'in', doc: 'Rows to normalise [n, d].', kind: 'dense' }],
  outputs: [{ name: 'out', doc: 'Unit-length rows [n, d] (all-zero rows stay zero).' }],
  pure: true,
  rowwise: true,
  shape: (p, inputs) => {
    const x = denseIn(inputs, 'in', 2);
    if (!(p.eps > 0)) throw new ShapeError(`'eps' must be > 0, got ${p.eps}`, { param: 'eps' });
    return { out: dense(...x.dims) };
  },
  build: (p) => ({ run: (v) => ({ out: l2NormalizeRows(v.in as tf.Tensor2D, p.eps) }) }),
});
