/**
 * gated_refine: AnchorRec's (and AlignRec's) item-side collaborative refinement before propagation,
 * h̃_m = h_id ⊙ σ(MLP(f_m)): a gate computed from an item's modality features scales its ID embedding
 * element-wise. The gate MLP is `hidden` dense layers followed by a final d-wide layer; the official code's
 * Linear(f→d) then Linear(d→d) + sigmoid is `hidden: [d]` with `activation: none`.
 * The layers are `makeDense` from linear.ts, so when `features` is a folded constant its transpose is computed
 * once per run for the first layer's weight gradient (no transposed-operand matMul per step).
 */
import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import { Defaulted, defineOp, dense, ShapeError, typeToString } from '../types.js';
import { denseIn, sameDim } from '../shape.js';
import { initSchema } from '../init.js';
import { activate, activationSchema, denseShapes, makeDense, numericLast } from '../layer/linear.js';
import { MAX_LAYERS, MAX_WIDTH } from '../../util/size-limits.js';

export const gatedRefine = defineOp({
  name: 'gated_refine',
  doc: 'Gates ID embeddings with modality features: ids ⊙ sigmoid(MLP(features)).',
  category: 'refine',
  params: Type.Object({
    hidden: Defaulted(
      Type.Array(Type.Integer({ minimum: 1, maximum: MAX_WIDTH }), {
        maxItems: MAX_LAYERS,
        default: [],
        description: 'Widths of the gate layers before the final d-wide layer; [] = one linear layer features -> d.',
        examples: [[], [64]],
      }),
    ),
    activation: Defaulted(
      activationSchema({
        default: 'none',
        description: 'Activation between gate layers (not after the last one, which is the sigmoid).',
      }),
    ),
    bias: Defaulted(Type.Boolean({ default: true, description: 'Bias vectors in the gate layers.', examples: [true] })),
    init: Defaulted(initSchema({ default: 'torch_default' })),
  }),
  inputs: [
    { name: 'ids', doc: 'ID embeddings to gate [rows, d] (e.g. the item ID table).', kind: 'dense' },
    { name: 'features', doc: 'Modality features of the same rows [rows, f] (frozen features).', kind: 'dense' },
  ],
  outputs: [{ name: 'out', doc: 'Gated embeddings h̃ [rows, d].' }],
  transposeConstantInputs: ['features'],
  shape: (_p, inputs) => {
    const ids = denseIn(inputs, 'ids', 2);
    const f = denseIn(inputs, 'features', 2);
    if (!sameDim(ids.dims[0]!, f.dims[0]!))
      throw new ShapeError(`'features' is ${typeToString(f)} but 'ids' is ${typeToString(ids)}: row counts differ`, {
        port: 'features',
      });
    return { out: dense(...ids.dims) };
  },
  variableShapes: (p, inputs, sizes) => {
    let width = numericLast(denseIn(inputs, 'features', 2), sizes);
    return [...p.hidden, numericLast(denseIn(inputs, 'ids', 2), sizes)].flatMap((out) => {
      const s = denseShapes(width, out, p.bias);
      width = out;
      return s;
    });
  },
  build: (p, inputs, ctx) => {
    const d = numericLast(denseIn(inputs, 'ids', 2), ctx.sizes);
    let width = numericLast(denseIn(inputs, 'features', 2), ctx.sizes);
    const widths = [...p.hidden, d];
    const layers = widths.map((out, i) => {
      const l = makeDense(ctx, `layer${i}`, width, out, { bias: p.bias, init: p.init });
      width = out;
      return l;
    });
    return {
      run: (v, run) => {
        let h = v.features as tf.Tensor2D;
        layers.forEach((layer, i) => {
          h = layer(h, run);
          if (i < layers.length - 1) h = activate(h, p.activation) as tf.Tensor2D;
        });
        return { out: tf.mul(v.ids as tf.Tensor2D, tf.sigmoid(h)) };
      },
    };
  },
});
