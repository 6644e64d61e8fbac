/**
 * propagate: multiplies dense rows by a constant sparse graph, Y = A·X, `layers` times, with an optional mean
 * over all layer outputs (LightGCN-style, layer 0 included). AnchorRec uses it twice: refined item embeddings
 * propagated over a frozen kNN item-item graph (h_m = S·h̃_m, 1 to 3 layers), and user-side modality
 * preferences as R_norm·h_m over the rectangular user-item block (interaction_graph.ui, one layer).
 * The product is the fused CSR kernel (kernels/spmm.ts), differentiable in X.
 */
import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import { Defaulted, defineOp, dense, ShapeError, StringEnum, typeToString } from '../types.js';
import { denseIn, sameDim } from '../shape.js';
import { isCsr } from '../sparse.js';
import { spmm } from '../kernels/spmm.js';
import { MAX_LAYERS } from '../../util/size-limits.js';

export const propagate = defineOp({
  name: 'propagate',
  doc: 'Propagates dense rows over a constant sparse graph: A·X repeated `layers` times (last or mean of layers).',
  category: 'graph',
  params: Type.Object({
    layers: Defaulted(
      Type.Integer({
        minimum: 0,
        maximum: MAX_LAYERS,
        default: 1,
        description: 'How many times to multiply by the graph; more than 1 (or 0) needs a square graph.',
        examples: [1, 2],
      }),
    ),
    combine: Defaulted(
      StringEnum(['last', 'mean'], {
        default: 'last',
        description:
          "'last': the output of the last layer; 'mean': the mean of all layer outputs including the input (square graphs only).",
        examples: ['last'],
      }),
    ),
  }),
  inputs: [
    { name: 'graph', doc: 'A constant sparse matrix [n, m] (a knn_graph, or interaction_graph.ui).', kind: 'sparse' },
    { name: 'in', doc: 'Rows to propagate [m, d].', kind: 'dense' },
  ],
  outputs: [{ name: 'out', doc: 'Propagated rows [n, d].' }],
  pure: true,
  shape: (p, inputs) => {
    const g = inputs.graph;
    if (!g || Array.isArray(g)) throw new ShapeError(`'graph' takes one sparse matrix`, { port: 'graph' });
    if (g.kind !== 'sparse')
      throw new ShapeError(`'graph' must be a sparse matrix, got ${typeToString(g)}`, { port: 'graph' });
    const x = denseIn(inputs, 'in', 2);
    const [n, m] = g.dims;
    if (!sameDim(m, x.dims[0]!))
      throw new ShapeError(
        `'graph' is ${typeToString(g)} but 'in' is ${typeToString(x)}: graph columns must equal the rows of 'in'`,
        {
          port: 'in',
        },
      );
    const square = sameDim(n, m);
    const layers = p.layers;
    if (!square && layers !== 1)
      throw new ShapeError(
        `'layers' is ${layers} but the graph ${typeToString(g)} is not square: only 1 layer is possible`,
        {
          param: 'layers',
        },
      );
    if (!square && p.combine === 'mean')
      throw new ShapeError(
        `'combine: mean' averages the input with the layer outputs, so it needs a square graph, got ${typeToString(g)}`,
        {
          param: 'combine',
        },
      );
    return { out: dense(n, x.dims[1]!) };
  },
  build: (p) => {
    const layers = p.layers;
    const mean = p.combine === 'mean';
    return {
      run: (v) => {
        const a = v.graph;
        if (!isCsr(a)) throw new Error('propagate: graph input is not a sparse matrix');
        let x = v.in as tf.Tensor2D;
        let acc = x;
        for (let l = 0; l < layers; l++) {
          x = spmm(a, x);
          if (mean) acc = tf.add(acc, x);
        }
        return { out: mean && layers > 0 ? tf.div(acc, layers + 1) : x };
      },
    };
  },
});
