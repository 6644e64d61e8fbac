/**
 * gumbel_softmax: soft Gumbel-softmax over the last axis, softmax((x + g)/τ) with g = −log(−log u), u uniform,
 * as F.gumbel_softmax(x, tau, hard=False). LGMRec uses it to turn hyperedge logits into soft assignments of items
 * and users to hyperedges (τ = 0.2). The noise is drawn on the host from ctx.rng (a seed repeats it) and is a
 * constant of the step, so the gradient is the softmax's. MMRec's LGMRec calls it in evaluation too (the
 * function has no training switch), so noise at evaluation is on by default; `eval_noise: false` turns it off.
 */
import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import { Defaulted, defineOp, dense, ShapeError } from '../types.js';
import { denseIn } from '../shape.js';
import type { RandomStream } from '../../util/rng.js';

/** n standard Gumbel draws. */
export function gumbelNoise(n: number, rng: RandomStream): Float32Array {
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let u = rng.next();
    while (u === 0) u = rng.next();
    g[i] = -Math.log(-Math.log(u));
  }
  return g;
}

export const gumbelSoftmax = defineOp({
  name: 'gumbel_softmax',
  doc: 'Soft Gumbel-softmax over the last axis: softmax((x + Gumbel noise) / tau), noise from the run seed.',
  category: 'layer',
  params: Type.Object({
    tau: Defaulted(
      Type.Number({ exclusiveMinimum: 0, default: 1, description: 'Temperature τ (LGMRec: 0.2).', examples: [0.2] }),
    ),
    eval_noise: Defaulted(
      Type.Boolean({
        default: true,
        description: "Add the noise at evaluation too, as MMRec's LGMRec does; false gives softmax(x / tau) there.",
        examples: [true],
      }),
    ),
  }),
  inputs: [{ name: 'in', doc: 'Logits [n, h] (e.g. hyperedge scores).', kind: 'dense' }],
  outputs: [{ name: 'out', doc: 'Soft assignments [n, h], rows summing to 1.' }],
  shape: (p, inputs) => {
    const x = denseIn(inputs, 'in', 2);
    if (!(p.tau > 0)) throw new ShapeError(`'tau' must be > 0, got ${p.tau}`, { param: 'tau' });
    return { out: dense(...x.dims) };
  },
  build: (p) => {
    const tau = p.tau;
    return {
      run: (v, ctx) => {
        const x = v.in as tf.Tensor2D;
        const noisy = ctx.training || p.eval_noise;
        const logits = noisy ? tf.add(x, tf.tensor2d(gumbelNoise(x.size, ctx.rng), x.shape, 'float32')) : x;
        return { out: tf.softmax(tf.div(logits, tau) as tf.Tensor2D) };
      },
    };
  },
});
