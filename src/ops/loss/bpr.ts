import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import {
  Defaulted,
  defineOp,
  scalar,
  ShapeError,
  StringEnum,
  typeToString,
  type Batch,
  type InputTypes,
} from '../types.js';
import { denseIn, sameDim } from '../shape.js';
import { gatherRows } from '../kernels/gather-rows.js';

/**
 * BPR (Rendle et al.) on the batch's (user, positive, negative) rows, as MMRec computes it:
 *   mean(-log(1e-10 + sigmoid(u·i⁺ - u·i⁻)))  +  l2 · reg
 * where reg is MMRec's EmbLoss over the batch rows of the regularised tables: the sum of the *unsquared*
 * Frobenius norms of U_b, I⁺_b, I⁻_b, divided by the batch size (`l2_form: norm`), or the usual
 * ½·Σ squared norms / batch size (`l2_form: squared`).
 */
/** [pos | neg] indices of a batch, built once per batch and shared by every loss that reads both. */
const pairCache = new WeakMap<Batch, { idx: tf.Tensor1D; host: Int32Array }>();
export function pairIndex(b: Batch): { idx: tf.Tensor1D; host: Int32Array } {
  let p = pairCache.get(b);
  if (!p) {
    const host = new Int32Array(2 * b.size);
    host.set(b.posHost, 0);
    host.set(b.negHost, b.size);
    p = { idx: tf.concat([b.pos, b.neg]) as tf.Tensor1D, host };
    pairCache.set(b, p);
  }
  return p;
}

export const bpr = defineOp({
  name: 'bpr',
  doc: 'Bayesian personalised ranking loss on the batch triples, with MMRec-style L2 on the batch rows.',
  category: 'loss',
  batchItemRowInputs: ['item', 'reg_item'],
  loss: true,
  params: Type.Object({
    l2: Defaulted(
      Type.Number({
        minimum: 0,
        default: 0,
        description: 'Weight of the regulariser (MMRec reg_weight).',
        examples: [1e-4],
      }),
    ),
    l2_form: Defaulted(
      StringEnum(['norm', 'squared'], {
        default: 'norm',
        description: "'norm': MMRec EmbLoss (sum of Frobenius norms / batch); 'squared': ½ sum of squares / batch.",
        examples: ['norm'],
      }),
    ),
  }),
  inputs: [
    { name: 'user', doc: 'User embeddings used for scoring [users, d].', kind: 'dense' },
    { name: 'item', doc: 'Item embeddings used for scoring [items, d].', kind: 'dense' },
    { name: 'reg_user', doc: 'User table to regularise (default: user).', optional: true, kind: 'dense' },
    { name: 'reg_item', doc: 'Item table to regularise (default: item).', optional: true, kind: 'dense' },
  ],
  outputs: [{ name: 'loss', doc: 'Scalar loss.' }],
  shape: (_p, inputs: InputTypes) => {
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
    if (inputs.reg_user) {
      const r = denseIn(inputs, 'reg_user', 2);
      if (!sameDim(r.dims[0]!, 'users'))
        throw new ShapeError(`'reg_user' must be [users, *], got ${typeToString(r)}`, { port: 'reg_user' });
    }
    if (inputs.reg_item) {
      const r = denseIn(inputs, 'reg_item', 2);
      if (!sameDim(r.dims[0]!, 'items'))
        throw new ShapeError(`'reg_item' must be [items, *], got ${typeToString(r)}`, { port: 'reg_item' });
    }
    return { loss: scalar() };
  },
  build: (p) => ({
    run: (v, ctx) => {
      const b = ctx.batch;
      if (!b) throw new Error('bpr needs a training batch');
      const user = v.user as tf.Tensor2D;
      const item = v.item as tf.Tensor2D;
      // Positives and negatives in one gather per table: on wasm each gather's gradient is a dense [rows, d]
      // scatter, so one instead of two halves that work.
      const both = pairIndex(b);
      const u = gatherRows(user, b.users, b.usersHost);
      const [ip, ineg] = tf.split(gatherRows(item, both.idx, both.host), 2, 0) as [tf.Tensor2D, tf.Tensor2D];
      const diff = tf.sub(tf.sum(tf.mul(u, ip), 1), tf.sum(tf.mul(u, ineg), 1));
      // -log(γ + σ(x)) as MMRec writes it; tfjs's logSigmoid gradient is broken on intermediates.
      let loss = tf.neg(tf.mean(tf.log(tf.add(tf.sigmoid(diff), 1e-10))));
      const l2 = p.l2;
      if (l2 > 0) {
        const ru = v.reg_user ? gatherRows(v.reg_user as tf.Tensor2D, b.users, b.usersHost) : u;
        const ri = v.reg_item ? gatherRows(v.reg_item as tf.Tensor2D, both.idx, both.host) : undefined;
        const [rp, rn] = ri ? (tf.split(ri, 2, 0) as [tf.Tensor2D, tf.Tensor2D]) : [ip, ineg];
        const parts = [ru, rp, rn];
        const reg =
          p.l2_form === 'norm'
            ? tf.addN(parts.map((t) => tf.sqrt(tf.sum(tf.square(t)))))
            : tf.mul(0.5, tf.addN(parts.map((t) => tf.sum(tf.square(t)))));
        loss = tf.add(loss, tf.mul(l2 / b.size, reg));
      }
      return { loss };
    },
  }),
});
