/**
 * triplet: the cosine triplet term of the official AnchorRec code (not in the paper), added to BPR with weight
 * 0.01 there: mean over the batch triples of relu(margin − cos(u, i⁺) + cos(u, i⁻)), written in the code as
 * relu(margin + (1 − cos(u, i⁺)) − (1 − cos(u, i⁻))) with the user embedding detached.
 * Cosines use F.cosine_similarity's eps 1e-8 on the norms.
 */
import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import { Defaulted, defineOp, scalar, ShapeError, typeToString } from '../types.js';
import { denseIn, sameDim } from '../shape.js';
import { gatherRows } from '../kernels/gather-rows.js';
import { l2NormalizeRows } from '../combine/normalize.js';
import { stopGradient } from '../combine/stop-gradient.js';

export const triplet = defineOp({
  name: 'triplet',
  doc: 'Cosine triplet loss mean(relu(margin − cos(u, i⁺) + cos(u, i⁻))) on the batch triples.',
  category: 'loss',
  loss: true,
  params: Type.Object({
    margin: Defaulted(
      Type.Number({ default: 0.2, description: 'Margin between the positive and negative cosines.', examples: [0.2] }),
    ),
    detach_user: Defaulted(
      Type.Boolean({
        default: true,
        description: 'No gradient into the user embeddings (the official code detaches them).',
        examples: [true],
      }),
    ),
  }),
  inputs: [
    { name: 'user', doc: 'User embeddings [users, d].', kind: 'dense' },
    { name: 'item', doc: 'Item embeddings [items, d].', kind: 'dense' },
  ],
  outputs: [{ name: 'loss', doc: 'Scalar loss.' }],
  shape: (_p, inputs) => {
    const u = denseIn(inputs, 'user', 2);
    const i = denseIn(inputs, 'item', 2);
    if (!sameDim(u.dims[0]!, 'users'))
      throw new ShapeError(`'user' must have one row per user, got ${typeToString(u)}`, { port: 'user' });
    if (!sameDim(i.dims[0]!, 'items'))
      throw new ShapeError(`'item' must have one row per item, got ${typeToString(i)}`, { port: 'item' });
    if (!sameDim(u.dims[1]!, i.dims[1]!))
      throw new ShapeError(`'user' is ${typeToString(u)} but 'item' is ${typeToString(i)}: widths differ`, {
        port: 'item',
      });
    return { loss: scalar() };
  },
  build: (p) => {
    const margin = p.margin;
    const detach = p.detach_user;
    return {
      run: (v, ctx) => {
        const b = ctx.batch;
        if (!b) throw new Error('triplet needs a training batch');
        let u = l2NormalizeRows(gatherRows(v.user as tf.Tensor2D, b.users, b.usersHost), 1e-8);
        if (detach) u = stopGradient(u);
        const item = v.item as tf.Tensor2D;
        const ip = l2NormalizeRows(gatherRows(item, b.pos, b.posHost), 1e-8);
        const ineg = l2NormalizeRows(gatherRows(item, b.neg, b.negHost), 1e-8);
        const cosPos = tf.sum(tf.mul(u, ip), 1);
        const cosNeg = tf.sum(tf.mul(u, ineg), 1);
        return { loss: tf.mean(tf.relu(tf.add(tf.sub(cosNeg, cosPos), margin))) as tf.Scalar };
      },
    };
  },
});
