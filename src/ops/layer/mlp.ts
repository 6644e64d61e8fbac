import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import { Defaulted, defineOp, dense } from '../types.js';
import { denseIn } from '../shape.js';
import { initSchema } from '../init.js';
import { activate, activationSchema, biasInitSchema, denseShapes, makeDense, numericLast } from './linear.js';
import { MAX_LAYERS, MAX_WIDTH } from '../../util/size-limits.js';

/** A stack of dense layers with a hidden activation; the last layer has `final_activation`. */
export const mlp = defineOp({
  name: 'mlp',
  doc: 'A multi-layer perceptron: dense layers of the given widths, activation between them.',
  category: 'layer',
  rowwise: true,
  params: Type.Object({
    dims: Type.Array(Type.Integer({ minimum: 1, maximum: MAX_WIDTH }), {
      minItems: 1,
      maxItems: MAX_LAYERS,
      description: 'Output width of each layer, in order.',
      examples: [[64, 64]],
    }),
    activation: Defaulted(activationSchema({ default: 'tanh', description: 'Activation between layers.' })),
    final_activation: Defaulted(activationSchema({ default: 'none', description: 'Activation after the last layer.' })),
    bias: Defaulted(Type.Boolean({ default: true, description: 'Bias vectors in every layer.', examples: [true] })),
    init: Defaulted(initSchema({ default: 'torch_default' })),
    bias_init: Type.Optional(biasInitSchema()),
  }),
  inputs: [{ name: 'in', doc: 'Rows to transform [n, k].', kind: 'dense' }],
  outputs: [{ name: 'out', doc: '[n, last of dims].' }],
  transposeConstantInputs: ['in'],
  shape: (p, inputs) => {
    const x = denseIn(inputs, 'in', 2);
    return { out: dense(x.dims[0]!, p.dims[p.dims.length - 1]!) };
  },
  variableShapes: (p, inputs, sizes) => {
    let width = numericLast(denseIn(inputs, 'in', 2), sizes);
    return p.dims.flatMap((out) => {
      const s = denseShapes(width, out, p.bias);
      width = out;
      return s;
    });
  },
  build: (p, inputs, ctx) => {
    const x = denseIn(inputs, 'in', 2);
    let width = numericLast(x, ctx.sizes);
    const layers = p.dims.map((out, i) => {
      const l = makeDense(ctx, `layer${i}`, width, out, { bias: p.bias, init: p.init, biasInit: p.bias_init });
      width = out;
      return l;
    });
    return {
      run: (v, run) => {
        let h = v.in as tf.Tensor2D;
        layers.forEach((layer, i) => {
          const last = i === layers.length - 1;
          h = activate(layer(h, run), last ? p.final_activation : p.activation) as tf.Tensor2D;
        });
        return { out: h };
      },
    };
  },
});
