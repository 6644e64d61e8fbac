/**
 * table_norm: MMRec's EmbLoss applied to whole tables, Σ_k ‖T_k‖_F / rows(T_last) — the unsquared Frobenius
 * norms of the tables divided by the row count of the last one. BM3 regularises its online user and item
 * tables this way (reg_loss(u_online_ori, i_online_ori) over all rows, not the batch's), so `bpr`'s batch-row
 * L2 does not express it. sqrt(max(·, tiny)) keeps the gradient finite at an all-zero table.
 */
import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import { defineOp, scalar, ShapeError, typeToString } from '../types.js';
import { listIn } from '../shape.js';

export const tableNorm = defineOp<Record<string, never>>({
  name: 'table_norm',
  doc: 'MMRec EmbLoss on whole tables: Σ ‖T_k‖_F / rows of the last table (BM3 regulariser).',
  category: 'loss',
  loss: true,
  params: Type.Object({}),
  inputs: [
    {
      name: 'in',
      doc: 'Tables to regularise, each [n_k, d_k], e.g. [cf.users, item_online].',
      list: true,
      kind: 'dense',
    },
  ],
  outputs: [{ name: 'loss', doc: 'Scalar loss.' }],
  shape: (_p, inputs) => {
    const ts = listIn(inputs, 'in');
    if (ts.length === 0) throw new ShapeError(`'in' needs at least one table`, { port: 'in' });
    ts.forEach((t, i) => {
      if (t.kind !== 'dense' || t.dims.length !== 2)
        throw new ShapeError(`'in[${i}]' must be a dense rank-2 table, got ${typeToString(t)}`, { port: 'in' });
    });
    return { loss: scalar() };
  },
  build: () => ({
    run: (v) => {
      const ts = v.in as tf.Tensor2D[];
      const norms = ts.map((t) => tf.sqrt(tf.maximum(tf.sum(tf.square(t)), 1e-30)));
      return {
        loss: tf.div(norms.length === 1 ? norms[0]! : tf.addN(norms), ts[ts.length - 1]!.shape[0]) as tf.Scalar,
      };
    },
  }),
});
