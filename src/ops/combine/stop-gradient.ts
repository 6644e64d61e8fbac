/**
 * stop_gradient: the identity in the forward pass and a zero gradient in the backward pass (PyTorch's
 * `.detach()`). tfjs has no stop-gradient op, so it is a tf.customGrad whose gradient is zerosLike(dy). Used where
 * a reference implementation detaches a tensor: the anchor p_mm in AnchorRec's second AAL term, the user side of
 * the cosine triplet.
 */
import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import { defineOp, ShapeError } from '../types.js';

/** x in the forward pass, no gradient to x in the backward pass. */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  const f = tf.customGrad((xIn) => ({
    // A copy rather than xIn itself, so the tape records a distinct output tensor.
    value: tf.clone(xIn as tf.Tensor),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  }));
  return f(x as tf.Tensor) as T;
}

export const stopGradientOp = defineOp<Record<string, never>>({
  name: 'stop_gradient',
  doc: 'Identity in the forward pass, zero gradient in the backward pass (PyTorch detach()).',
  category: 'combine',
  params: Type.Object({}),
  inputs: [{ name: 'in', doc: 'Any dense tensor.', kind: 'dense' }],
  outputs: [{ name: 'out', doc: 'The same values, with no gradient flowing back into `in`.' }],
  pure: true,
  shape: (_p, inputs) => {
    const t = inputs.in;
    if (!t || Array.isArray(t)) throw new ShapeError(`'in' takes one reference`, { port: 'in' });
    if (t.kind !== 'dense')
      throw new ShapeError(`'in' must be a dense tensor (a sparse graph has no gradient anyway)`, { port: 'in' });
    return { out: t };
  },
  build: () => ({ run: (v) => ({ out: stopGradient(v.in as tf.Tensor) }) }),
});
