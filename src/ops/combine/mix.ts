/**
 * mix: a convex combination Σ w_i x_i of same-shaped tensors with weights that sum to 1, e.g. AnchorRec's
 * p_mix = α p_t + (1 − α) p_v (the official code uses 0.75 text + 0.25 vision). Unlike `sum`, the weights are
 * required and checked, so a typo in a grid cannot silently rescale a loss input.
 */
import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import { defineOp, dense, ShapeError } from '../types.js';
import { sameShapeList } from '../shape.js';

export const mix = defineOp({
  name: 'mix',
  doc: 'Convex mix Σ w_i x_i of same-shaped inputs (weights ≥ 0, summing to 1).',
  category: 'combine',
  params: Type.Object({
    weights: Type.Array(Type.Number({ minimum: 0, maximum: 1 }), {
      minItems: 1,
      description: 'One weight per input, in the order of `in`; non-negative and summing to 1 (within 1e-6).',
      examples: [[0.75, 0.25]],
    }),
  }),
  inputs: [{ name: 'in', doc: 'Dense tensors of one shape, e.g. [p_t, p_v].', list: true, kind: 'dense' }],
  outputs: [{ name: 'out', doc: 'The mix, same shape as the inputs.' }],
  pure: true,
  shape: (p, inputs) => {
    const ts = sameShapeList(inputs, 'in', 'dense');
    const first = ts[0]!;
    const w = p.weights;
    if (!Array.isArray(w) || w.length !== ts.length)
      throw new ShapeError(
        `'weights' needs one entry per input: ${ts.length} inputs, ${Array.isArray(w) ? w.length : 0} weights`,
        {
          param: 'weights',
        },
      );
    if (w.some((x) => typeof x !== 'number' || !Number.isFinite(x) || x < 0))
      throw new ShapeError(`'weights' must be finite and non-negative (a convex mix), got [${w.join(', ')}]`, {
        param: 'weights',
      });
    const total = w.reduce((a, b) => a + b, 0);
    if (Math.abs(total - 1) > 1e-6)
      throw new ShapeError(`'weights' must sum to 1 (a convex mix), got [${w.join(', ')}] summing to ${total}`, {
        param: 'weights',
      });
    return { out: dense(...first.dims) };
  },
  build: (p) => ({
    run: (v) => {
      const xs = v.in as tf.Tensor[];
      const terms = xs.map((x, i) => (p.weights[i] === 1 ? x : tf.mul(x, p.weights[i]!)));
      return { out: terms.length === 1 ? terms[0]! : tf.addN(terms) };
    },
  }),
});
