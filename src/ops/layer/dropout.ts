/**
 * dropout: inverted dropout while training (each entry zeroed with probability `p`, the rest scaled by
 * 1/(1 − p)), the identity at evaluation, like nn.Dropout / F.dropout. BM3 perturbs its detached target
 * embeddings with it, LGMRec its hyperedge assignments (p = 1 − keep_rate), SMORE its preference gates
 * (dropout_rate). The mask is drawn on the host from ctx.rng, so a seed repeats it on every backend; a node runs
 * once per step, so every term that reads it sees the same mask.
 */
import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import { defineOp, dense, ShapeError } from '../types.js';
import { denseIn } from '../shape.js';

export const dropout = defineOp({
  name: 'dropout',
  doc: 'Inverted dropout while training (mask from the run seed), identity at evaluation.',
  category: 'layer',
  params: Type.Object({
    p: Type.Number({
      minimum: 0,
      exclusiveMaximum: 1,
      description:
        'Probability of zeroing an entry (BM3: dropout; LGMRec: 1 − keep_rate; SMORE: dropout_rate). 0 is the identity.',
      examples: [0.5, 0.1],
    }),
  }),
  inputs: [{ name: 'in', doc: 'Any dense tensor.', kind: 'dense' }],
  outputs: [{ name: 'out', doc: 'Same shape; entries dropped and rescaled while training.' }],
  shape: (p, inputs) => {
    const x = denseIn(inputs, 'in');
    if (!(typeof p.p === 'number' && p.p >= 0 && p.p < 1))
      throw new ShapeError(`'p' must be in [0, 1), got ${p.p}`, { param: 'p' });
    return { out: dense(...x.dims) };
  },
  build: (p) => ({
    run: (v, ctx) => {
      const x = v.in as tf.Tensor;
      if (!ctx.training || p.p <= 0) return { out: x };
      const keep = 1 - p.p;
      const mask = new Float32Array(x.size);
      for (let i = 0; i < mask.length; i++) mask[i] = ctx.rng.next() < keep ? 1 / keep : 0;
      return { out: tf.mul(x, tf.tensor(mask, x.shape, 'float32')) };
    },
  }),
});
