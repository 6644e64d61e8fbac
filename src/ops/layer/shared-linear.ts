/**
 * shared_linear: one dense layer y = x·W + b applied, with the same W and b, to up to four inputs: BM3's
 * predictor, which maps the online user, item, text and vision embeddings through one Linear(d, d). Separate
 * `linear` nodes would each own their weights; this op owns one set and has one output per input (out0 for
 * in[0], ...). The layer is `makeDense` (linear.ts), so gradients avoid transposed-operand matMuls.
 */
import * as tf from '@tensorflow/tfjs';
import { defineOp, dense, ShapeError, typeToString, type TensorType } from '../types.js';
import { listIn, sameDim } from '../shape.js';
import { activate, denseShapes, linearParamsSchema, makeDense, numericLast } from './linear.js';

const MAX = 4;

export const sharedLinear = defineOp({
  name: 'shared_linear',
  doc: 'One dense layer (shared weights) applied to each of up to 4 inputs: out_k = act(in[k]·W + b).',
  category: 'layer',
  params: linearParamsSchema,
  inputs: [
    { name: 'in', doc: `1 to ${MAX} tensors [n_k, k] of one width k (rows may differ).`, list: true, kind: 'dense' },
  ],
  outputs: Array.from({ length: MAX }, (_, k) => ({
    name: `out${k}`,
    doc: `The layer applied to in[${k}]: [n_${k}, out].`,
  })),
  transposeConstantInputs: [],
  shape: (p, inputs) => {
    const ts = listIn(inputs, 'in');
    if (ts.length === 0 || ts.length > MAX)
      throw new ShapeError(`'in' takes 1 to ${MAX} inputs, got ${ts.length}`, { port: 'in' });
    const out: Record<string, TensorType> = {};
    ts.forEach((t, k) => {
      if (t.kind !== 'dense' || t.dims.length !== 2)
        throw new ShapeError(`'in[${k}]' must be a dense rank-2 tensor, got ${typeToString(t)}`, { port: 'in' });
      if (!sameDim(t.dims[1]!, ts[0]!.dims[1]!))
        throw new ShapeError(
          `'in[${k}]' is ${typeToString(t)} but 'in[0]' is ${typeToString(ts[0]!)}: one layer needs one input width`,
          { port: 'in' },
        );
      out[`out${k}`] = dense(t.dims[0]!, p.out);
    });
    // Ports without an input get a type no other op accepts, so referencing one fails with a located error.
    for (let k = ts.length; k < MAX; k++) out[`out${k}`] = dense(`no_input_in[${k}]`, p.out);
    return out;
  },
  variableShapes: (p, inputs, sizes) => denseShapes(numericLast(listIn(inputs, 'in')[0]!, sizes), p.out, p.bias),
  build: (p, inputs, ctx) => {
    const ts = listIn(inputs, 'in');
    const layer = makeDense(ctx, 'linear', numericLast(ts[0]!, ctx.sizes), p.out, {
      bias: p.bias,
      init: p.init,
      biasInit: p.bias_init,
    });
    return {
      run: (v, run) => {
        const xs = v.in as tf.Tensor2D[];
        const out: Record<string, tf.Tensor> = {};
        xs.forEach((x, k) => (out[`out${k}`] = activate(layer(x, run), p.activation)));
        return out;
      },
    };
  },
});
