import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import { Defaulted, defineOp, dense, ShapeError } from '../types.js';
import { isCsr, type CsrMatrix } from '../sparse.js';
import { propagateMean } from '../kernels/propagate-mean.js';
import { MAX_LAYERS, MAX_WIDTH } from '../../util/size-limits.js';

/**
 * LightGCN (He et al., SIGIR 2020) as MMRec implements it: user and item ID embeddings (xavier-uniform),
 * propagated `layers` times over the normalised user-item graph; the output is the mean of all layer outputs.
 * The ego (layer-0) tables are exposed too, because MMRec regularises those, not the propagated ones.
 */
export const lightgcn = defineOp({
  name: 'lightgcn',
  doc: 'ID embeddings for users and items propagated over the user-item graph (mean of layer outputs).',
  category: 'encoder',
  params: Type.Object({
    dim: Defaulted(
      Type.Integer({ minimum: 1, maximum: MAX_WIDTH, default: 64, description: 'Embedding size d.', examples: [64] }),
    ),
    layers: Defaulted(
      Type.Integer({
        minimum: 0,
        maximum: MAX_LAYERS,
        default: 2,
        description: 'Propagation layers (0 = plain MF).',
        examples: [2],
      }),
    ),
  }),
  inputs: [
    { name: 'graph', doc: 'Normalised adjacency [users+items, users+items] (interaction_graph.adj).', kind: 'sparse' },
  ],
  outputs: [
    { name: 'users', doc: 'Propagated user embeddings [users, dim].' },
    { name: 'items', doc: 'Propagated item embeddings [items, dim].' },
    { name: 'user_ego', doc: 'The user ID table before propagation [users, dim].' },
    { name: 'item_ego', doc: 'The item ID table before propagation [items, dim].' },
  ],
  shape: (p, inputs) => {
    const g = inputs.graph;
    if (!g || Array.isArray(g) || g.kind !== 'sparse' || g.dims[0] !== 'users+items')
      throw new ShapeError(`'graph' must be sparse [users+items, users+items] (an interaction_graph's adj)`, {
        port: 'graph',
      });
    const d = p.dim;
    return {
      users: dense('users', d),
      items: dense('items', d),
      user_ego: dense('users', d),
      item_ego: dense('items', d),
    };
  },
  variableShapes: (p, _in, sizes) => [
    [sizes.users!, p.dim],
    [sizes.items!, p.dim],
  ],
  build: (p, _in, ctx) => {
    const d = p.dim;
    const layers = p.layers;
    const nU = ctx.sizes.users!;
    const nI = ctx.sizes.items!;
    const user = ctx.variable('user_emb', [nU, d], 'xavier_uniform');
    const item = ctx.variable('item_emb', [nI, d], 'xavier_uniform');
    return {
      run: (inputs) => {
        const graph = inputs.graph as CsrMatrix;
        if (!isCsr(graph)) throw new Error('lightgcn: graph input is not a sparse matrix');
        const mean = propagateMean(graph, tf.concat([user, item], 0) as tf.Tensor2D, layers);
        const [users, items] = tf.split(mean, [nU, nI], 0);
        return { users: users!, items: items!, user_ego: user, item_ego: item };
      },
    };
  },
});
