/**
 * hypergraph_propagate: LGMRec's global hypergraph embedding (HGNNLayer in MMRec lgmrec.py). With soft
 * assignments H_i [items, h] of items and H_u [users, h] of users to h hyperedges, each layer gathers the item
 * rows into the hyperedges, L = H_iᵀ X, and spreads them back, X ← H_i L; users read the same hyperedges,
 * U = H_u L (of the last layer). Everything is dense and small (h is 4 to 64), so plain tfjs matMuls serve;
 * H_iᵀ is an explicit transpose of an [items, h] matrix (cheap) rather than a transposed-operand matMul.
 */
import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import { Defaulted, defineOp, dense, ShapeError, typeToString } from '../types.js';
import { denseIn, sameDim } from '../shape.js';
import { MAX_LAYERS } from '../../util/size-limits.js';

export const hypergraphPropagate = defineOp({
  name: 'hypergraph_propagate',
  doc: 'Propagation through soft hyperedges: items X <- H_i (H_iᵀ X) per layer; users H_u (H_iᵀ X) (LGMRec).',
  category: 'refine',
  params: Type.Object({
    layers: Defaulted(
      Type.Integer({
        minimum: 1,
        maximum: MAX_LAYERS,
        default: 1,
        description: 'Hypergraph layers (LGMRec n_hyper_layer).',
        examples: [1, 2],
      }),
    ),
  }),
  inputs: [
    { name: 'item_assign', doc: 'Item-to-hyperedge assignments [items, h].', kind: 'dense' },
    { name: 'user_assign', doc: 'User-to-hyperedge assignments [users, h].', kind: 'dense' },
    { name: 'in', doc: 'Item rows to propagate [items, d] (LGMRec: the LightGCN item embeddings).', kind: 'dense' },
  ],
  outputs: [
    { name: 'users', doc: 'User rows read from the hyperedges [users, d].' },
    { name: 'items', doc: 'Item rows after the last layer [items, d].' },
  ],
  pure: true,
  shape: (p, inputs) => {
    const hi = denseIn(inputs, 'item_assign', 2);
    const hu = denseIn(inputs, 'user_assign', 2);
    const x = denseIn(inputs, 'in', 2);
    if (!sameDim(hi.dims[0]!, x.dims[0]!))
      throw new ShapeError(`'item_assign' is ${typeToString(hi)} but 'in' is ${typeToString(x)}: row counts differ`, {
        port: 'item_assign',
      });
    if (!sameDim(hu.dims[1]!, hi.dims[1]!))
      throw new ShapeError(
        `'user_assign' is ${typeToString(hu)} but 'item_assign' is ${typeToString(hi)}: hyperedge counts differ`,
        {
          port: 'user_assign',
        },
      );
    if (!(Number.isInteger(p.layers) && p.layers >= 1))
      throw new ShapeError(`'layers' must be an integer >= 1, got ${p.layers}`, { param: 'layers' });
    return { users: dense(hu.dims[0]!, x.dims[1]!), items: dense(...x.dims) };
  },
  build: (p) => {
    const layers = p.layers;
    return {
      run: (v) => {
        const hi = v.item_assign as tf.Tensor2D;
        const hu = v.user_assign as tf.Tensor2D;
        const hiT = tf.transpose(hi);
        let x = v.in as tf.Tensor2D;
        let lat = x;
        for (let l = 0; l < layers; l++) {
          lat = tf.matMul(hiT, x);
          x = tf.matMul(hi, lat);
        }
        return { users: tf.matMul(hu, lat), items: x };
      },
    };
  },
});
