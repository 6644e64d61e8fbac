/**
 * split_ui: the inverse of join_ui, [users+items, d] -> users [users, d] and items [items, d], so that a model
 * computed over the stacked bipartite layout (SMORE, LGMRec) can be scored and its losses read per side.
 */
import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import { defineOp, dense, ShapeError, typeToString } from '../types.js';
import { denseIn, sameDim } from '../shape.js';

export const splitUserItem = defineOp<Record<string, never>>({
  name: 'split_ui',
  doc: 'Splits stacked rows [users+items, d] into users [users, d] and items [items, d].',
  category: 'combine',
  params: Type.Object({}),
  inputs: [
    {
      name: 'in',
      doc: 'Users then items [users+items, d] (e.g. join_ui or a propagation over ui_graph.adj).',
      kind: 'dense',
    },
  ],
  outputs: [
    { name: 'users', doc: 'The first `users` rows [users, d].' },
    { name: 'items', doc: 'The remaining `items` rows [items, d].' },
  ],
  pure: true,
  shape: (_p, inputs) => {
    const x = denseIn(inputs, 'in', 2);
    if (!sameDim(x.dims[0]!, 'users+items'))
      throw new ShapeError(`'in' must be [users+items, d], got ${typeToString(x)}`, { port: 'in' });
    return { users: dense('users', x.dims[1]!), items: dense('items', x.dims[1]!) };
  },
  build: (_p, _in, ctx) => {
    const nU = ctx.sizes.users!;
    const nI = ctx.sizes.items!;
    return {
      run: (v) => {
        const [users, items] = tf.split(v.in as tf.Tensor2D, [nU, nI], 0);
        return { users: users!, items: items! };
      },
    };
  },
});
