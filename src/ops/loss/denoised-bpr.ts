/**
 * denoised_bpr: DA-MRS's feedback denoising (damrs.py get_weight_modal + bpr_loss). Each batch triple gets
 * weights from how consistently the modality views score it, computed without gradient:
 *   p_m = σ(u · v̂_m[i⁺]), n_m = σ(u · v̂_m[i⁻]) for each view m (v̂ row-normalised);
 *   w⁺ = clamp(mean_m p_m · exp(−var_m p_m)², 0, 1)    (var unbiased, as torch.var);
 *   n̄ = mean of all n_m over the batch;  w⁻ = clamp(max_m p_m − n̄, 0, 1) where mean_m p_m < n̄, else 0;
 *   loss = −mean( w⁺ log σ(s⁺ − s⁻) + w⁻ log σ(s⁻ − s⁺) )  with s the scores of user and item.
 * A positive the modalities doubt counts less; one they reject turns into a pushed-away negative.
 * log σ(x) is −softplus(−x) (tfjs's logSigmoid gradient is broken on intermediates). No L2 term: DA-MRS has none.
 */
import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import { defineOp, scalar, ShapeError, typeToString } from '../types.js';
import { denseIn, listIn, sameDim } from '../shape.js';
import { gatherRows } from '../kernels/gather-rows.js';
import { l2NormalizeRows } from '../combine/normalize.js';

const logSigmoid = (x: tf.Tensor) => tf.neg(tf.softplus(tf.neg(x)));

export const denoisedBpr = defineOp<Record<string, never>>({
  name: 'denoised_bpr',
  doc: 'BPR with per-triple weights from modality agreement (DA-MRS feedback denoising).',
  category: 'loss',
  loss: true,
  params: Type.Object({}),
  inputs: [
    { name: 'user', doc: 'User embeddings for scoring and weighting [users, d].', kind: 'dense' },
    { name: 'item', doc: 'Item embeddings for scoring [items, d].', kind: 'dense' },
    { name: 'views', doc: 'Modality item views that judge each triple, each [items, d].', list: true, kind: 'dense' },
  ],
  outputs: [{ name: 'loss', doc: 'Scalar loss.' }],
  shape: (_p, inputs) => {
    const u = denseIn(inputs, 'user', 2);
    const i = denseIn(inputs, 'item', 2);
    if (!sameDim(u.dims[0]!, 'users'))
      throw new ShapeError(`'user' must be [users, d], got ${typeToString(u)}`, { port: 'user' });
    if (!sameDim(i.dims[0]!, 'items') || !sameDim(i.dims[1]!, u.dims[1]!))
      throw new ShapeError(`'item' must be [items, ${u.dims[1]}], got ${typeToString(i)}`, { port: 'item' });
    const vs = listIn(inputs, 'views');
    if (vs.length < 2)
      throw new ShapeError(`'views' needs at least two views (a variance over one view is undefined)`, {
        port: 'views',
      });
    vs.forEach((t, k) => {
      if (
        t.kind !== 'dense' ||
        t.dims.length !== 2 ||
        !sameDim(t.dims[0]!, 'items') ||
        !sameDim(t.dims[1]!, u.dims[1]!)
      )
        throw new ShapeError(`'views[${k}]' must be [items, ${u.dims[1]}], got ${typeToString(t)}`, { port: 'views' });
    });
    return { loss: scalar() };
  },
  build: () => ({
    run: (v, ctx) => {
      const b = ctx.batch;
      if (!b) throw new Error('denoised_bpr needs a training batch');
      const u = gatherRows(v.user as tf.Tensor2D, b.users, b.usersHost);
      const item = v.item as tf.Tensor2D;
      const sPos = tf.sum(tf.mul(u, gatherRows(item, b.pos, b.posHost)), 1);
      const sNeg = tf.sum(tf.mul(u, gatherRows(item, b.neg, b.negHost)), 1);
      // The weights are constants of the step (.data in the reference): computed on host copies, off the tape
      // (comparison ops have no gradient in tfjs, and nothing should flow back through them anyway).
      const copy = (t: tf.Tensor2D) => tf.tensor2d(t.dataSync() as Float32Array, t.shape);
      const ud = copy(u);
      const views = (v.views as tf.Tensor2D[]).map((h) => l2NormalizeRows(copy(h)));
      const judge = (idx: tf.Tensor1D) =>
        tf.stack(views.map((h) => tf.sigmoid(tf.sum(tf.mul(ud, tf.gather(h, idx)), 1)))) as tf.Tensor2D; // [views, B]
      const p = judge(b.pos);
      const nmean = tf.mean(judge(b.neg));
      const pMean = tf.mean(p, 0);
      const pVar = tf.div(tf.sum(tf.square(tf.sub(p, pMean)), 0), views.length - 1);
      const wPos = tf.clipByValue(tf.mul(pMean, tf.square(tf.exp(tf.neg(pVar)))), 0, 1);
      const mask = tf.cast(tf.less(pMean, nmean), 'float32');
      const wNeg = tf.clipByValue(tf.mul(tf.sub(tf.max(p, 0), nmean), mask), 0, 1);
      const diff = tf.sub(sPos, sNeg);
      const l = tf.add(tf.mul(logSigmoid(diff), wPos), tf.mul(logSigmoid(tf.neg(diff)), wNeg));
      return { loss: tf.neg(tf.mean(l)) as tf.Scalar };
    },
  }),
});
