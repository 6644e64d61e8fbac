/**
 * preference_kl: DA-MRS's user-preference alignment (damrs.py KL_loss). For the batch's distinct users U and
 * distinct items I (positives and negatives), p_a = σ(u · â_i) and p_b = σ(u · b̂_i) with â, b̂ the L2-normalised
 * item rows of two views (behaviour: LightGCN items; content: the mean of the modality views); the loss is the
 * mean over U × I of the symmetric Bernoulli KL, KL(p_a‖p_b) + KL(p_b‖p_a). That sum simplifies exactly to
 * (p_a − p_b)(x_a − x_b) with x the logits, which is what is computed: no logarithm of a saturated sigmoid
 * (the reference's log(σ) becomes −inf there), the same value everywhere else.
 */
import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import { defineOp, scalar, ShapeError, typeToString } from '../types.js';
import { denseIn, sameDim } from '../shape.js';
import { gatherRows } from '../kernels/gather-rows.js';
import { l2NormalizeRows } from '../combine/normalize.js';
import { matMulABt } from './infonce.js';
import { uniqueIndices } from './batch-unique.js';

export const preferenceKl = defineOp<Record<string, never>>({
  name: 'preference_kl',
  doc: 'Symmetric KL between user preferences σ(u·î) under two item views, on the batch users × items (DA-MRS).',
  category: 'loss',
  loss: true,
  params: Type.Object({}),
  inputs: [
    { name: 'user', doc: 'User embeddings [users, d].', kind: 'dense' },
    { name: 'item_a', doc: 'First item view [items, d] (e.g. LightGCN items).', kind: 'dense' },
    { name: 'item_b', doc: 'Second item view [items, d] (e.g. the mean of the modality views).', kind: 'dense' },
  ],
  outputs: [{ name: 'loss', doc: 'Scalar loss.' }],
  shape: (_p, inputs) => {
    const u = denseIn(inputs, 'user', 2);
    if (!sameDim(u.dims[0]!, 'users'))
      throw new ShapeError(`'user' must be [users, d], got ${typeToString(u)}`, { port: 'user' });
    for (const port of ['item_a', 'item_b']) {
      const t = denseIn(inputs, port, 2);
      if (!sameDim(t.dims[0]!, 'items') || !sameDim(t.dims[1]!, u.dims[1]!))
        throw new ShapeError(
          `'${port}' must be [items, ${u.dims[1]}] to score against 'user', got ${typeToString(t)}`,
          { port },
        );
    }
    return { loss: scalar() };
  },
  build: () => ({
    run: (v, ctx) => {
      const b = ctx.batch;
      if (!b) throw new Error('preference_kl needs a training batch');
      const uh = uniqueIndices(b.usersHost);
      const ih = uniqueIndices(b.posHost, b.negHost);
      const userIdx = tf.tensor1d(uh, 'int32');
      const ii = tf.tensor1d(ih, 'int32');
      const u = gatherRows(v.user as tf.Tensor2D, userIdx, uh);
      const xa = matMulABt(u, l2NormalizeRows(gatherRows(v.item_a as tf.Tensor2D, ii, ih)));
      const xb = matMulABt(u, l2NormalizeRows(gatherRows(v.item_b as tf.Tensor2D, ii, ih)));
      return { loss: tf.mean(tf.mul(tf.sub(tf.sigmoid(xa), tf.sigmoid(xb)), tf.sub(xa, xb))) as tf.Scalar };
    },
  }),
});
