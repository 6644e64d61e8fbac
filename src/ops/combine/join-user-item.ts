/**
 * join_ui: stacks user rows over item rows, [users, d] and [items, d] -> [users+items, d], the layout of the
 * bipartite adjacency. SMORE and LGMRec apply one set of weights (query MLPs, preference gates, modality
 * propagation over the user-item graph) to users and items together; `split_ui` takes them apart again.
 */
import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import { defineOp, dense, ShapeError, typeToString } from '../types.js';
import { denseIn, sameDim } from '../shape.js';

export const joinUserItem = defineOp<Record<string, never>>({
  name: 'join_ui',
  doc: 'Stacks user rows over item rows: [users, d] + [items, d] -> [users+items, d].',
  category: 'combine',
  params: Type.Object({}),
  inputs: [
    { name: 'users', doc: 'User rows [users, d].', kind: 'dense' },
    { name: 'items', doc: 'Item rows [items, d].', kind: 'dense' },
  ],
  outputs: [{ name: 'out', doc: 'Users then items [users+items, d].' }],
  pure: true,
  shape: (_p, inputs) => {
    const u = denseIn(inputs, 'users', 2);
    const i = denseIn(inputs, 'items', 2);
    if (!sameDim(u.dims[0]!, 'users'))
      throw new ShapeError(`'users' must be [users, d], got ${typeToString(u)}`, { port: 'users' });
    if (!sameDim(i.dims[0]!, 'items'))
      throw new ShapeError(`'items' must be [items, d], got ${typeToString(i)}`, { port: 'items' });
    if (!sameDim(u.dims[1]!, i.dims[1]!))
      throw new ShapeError(`'items' is ${typeToString(i)} but 'users' is ${typeToString(u)}: widths differ`, {
        port: 'items',
      });
    return { out: dense('users+items', u.dims[1]!) };
  },
  build: () => ({ run: (v) => ({ out: tf.concat([v.users as tf.Tensor2D, v.items as tf.Tensor2D], 0) }) }),
});
