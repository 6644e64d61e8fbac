/**
 * cosine_alignment: 1 − mean_r cos(a[rows_a[r]], b[rows_b[r]]) over the batch rows, with F.cosine_similarity's
 * eps 1e-8 on the norms. BM3 aligns online and (detached, dropped-out) target views this way — user with
 * positive item, item with user, each modality with the item and with its own target — and AlignRec adds it
 * between users and their positive items (its user-item alignment, weight 0.1). No negatives are involved.
 */
import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import { Defaulted, defineOp, scalar, ShapeError, StringEnum, typeToString } from '../types.js';
import { denseIn, sameDim } from '../shape.js';
import { gatherRows } from '../kernels/gather-rows.js';
import { l2NormalizeRows } from '../combine/normalize.js';
import { batchRows, type BatchRows } from './infonce.js';

const rowsSchema = (d: BatchRows, example: BatchRows) =>
  Defaulted(
    StringEnum(['users', 'pos', 'neg'], {
      default: d,
      description: "Which batch rows to read: 'users', 'pos' (positive items) or 'neg' (negative items).",
      examples: [example],
    }),
  );

export const cosineAlignment = defineOp({
  name: 'cosine_alignment',
  doc: '1 − mean cos(a_r, b_r) over paired batch rows (BM3 bootstrap terms, AlignRec user-item alignment).',
  category: 'loss',
  loss: true,
  params: Type.Object({
    rows_a: rowsSchema('users', 'users'),
    rows_b: rowsSchema('pos', 'pos'),
  }),
  inputs: [
    { name: 'a', doc: 'First view [users, d] or [items, d], matching rows_a.', kind: 'dense' },
    {
      name: 'b',
      doc: 'Second view, same width, matching rows_b (detach it with stop_gradient for a target).',
      kind: 'dense',
    },
  ],
  outputs: [{ name: 'loss', doc: 'Scalar loss in [0, 2].' }],
  shape: (p, inputs) => {
    const a = denseIn(inputs, 'a', 2);
    const b = denseIn(inputs, 'b', 2);
    const want = (r: BatchRows) => (r === 'users' ? 'users' : 'items');
    if (!sameDim(a.dims[0]!, want(p.rows_a)))
      throw new ShapeError(`'a' must be [${want(p.rows_a)}, d] for rows_a: ${p.rows_a}, got ${typeToString(a)}`, {
        port: 'a',
      });
    if (!sameDim(b.dims[0]!, want(p.rows_b)))
      throw new ShapeError(`'b' must be [${want(p.rows_b)}, d] for rows_b: ${p.rows_b}, got ${typeToString(b)}`, {
        port: 'b',
      });
    if (!sameDim(a.dims[1]!, b.dims[1]!))
      throw new ShapeError(`'a' is ${typeToString(a)} but 'b' is ${typeToString(b)}: widths differ`, { port: 'b' });
    return { loss: scalar() };
  },
  build: (p) => ({
    run: (v, ctx) => {
      const bt = ctx.batch;
      if (!bt) throw new Error('cosine_alignment needs a training batch');
      const ra = batchRows(bt, p.rows_a);
      const rb = batchRows(bt, p.rows_b);
      const a = l2NormalizeRows(gatherRows(v.a as tf.Tensor2D, ra.idx, ra.host), 1e-8);
      const b = l2NormalizeRows(gatherRows(v.b as tf.Tensor2D, rb.idx, rb.host), 1e-8);
      return { loss: tf.sub(1, tf.mean(tf.sum(tf.mul(a, b), 1))) as tf.Scalar };
    },
  }),
});
