import * as tf from '@tensorflow/tfjs';
import { Type, type TUnsafe } from '@sinclair/typebox';
import { Defaulted, defineOp, dense, StringEnum, type BuildContext, type RunContext } from '../types.js';
import { denseIn } from '../shape.js';
import { initSchema, parseInit } from '../init.js';
import { linearMatMul } from '../kernels/dense-matmul.js';
import { MAX_WIDTH } from '../../util/size-limits.js';

const activations = ['none', 'tanh', 'relu', 'leaky_relu', 'sigmoid', 'elu'] as const;
export type Activation = (typeof activations)[number];

/** No schema default: the bias initialiser follows `init` (makeDense), which a constant default cannot say. */
export const biasInitSchema = (): TUnsafe<'torch_default' | 'zeros'> =>
  StringEnum(['torch_default', 'zeros'], {
    description: "Bias initialiser; default: 'torch_default' when init is torch_default, else zeros.",
    examples: ['zeros'],
  });

/** An activation parameter; `options` adds the op's default (and may reword the text). */
export const activationSchema = (options: Record<string, unknown> = {}): TUnsafe<Activation> =>
  StringEnum(activations, { description: 'Non-linearity applied after the layer.', examples: ['tanh'], ...options });

export function activate(x: tf.Tensor, a: Activation | undefined): tf.Tensor {
  switch (a ?? 'none') {
    case 'none':
      return x;
    case 'tanh':
      return tf.tanh(x);
    case 'relu':
      return tf.relu(x);
    case 'leaky_relu':
      return tf.leakyRelu(x, 0.01);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'elu':
      return tf.elu(x);
  }
}

/** One dense layer's weights and its forward pass; shared by `linear` and `mlp`. */
export function makeDense(
  ctx: BuildContext,
  name: string,
  inDim: number,
  outDim: number,
  opts: { bias: boolean; init?: string; biasInit?: string },
): (x: tf.Tensor2D, run: RunContext) => tf.Tensor2D {
  const init = parseInit(opts.init, 'torch_default');
  const fans = { fanIn: inDim, fanOut: outDim };
  const w = ctx.variable(`${name}/w`, [inDim, outDim], init, fans);
  // PyTorch initialises a default Linear's bias uniform ±1/sqrt(fan_in); MMRec's xavier_*_initialization
  // zeroes it, while code that re-initialises only the weight (official AnchorRec) keeps the default bias.
  const biasInit = opts.biasInit ?? (init === 'torch_default' ? 'torch_default' : 'zeros');
  const b = opts.bias ? ctx.variable(`${name}/b`, [outDim], parseInit(biasInit, 'zeros'), fans) : undefined;
  return (x, run) => {
    const xT = run.transposeOfConstant(x);
    // A whole constant with no cached transpose is the evaluation's input (the step reads its rows): one thread.
    const split = xT !== undefined || !run.isConstant(x);
    const y = linearMatMul(x, w as tf.Tensor as tf.Tensor2D, xT, run.isFrozen?.(x) ?? false, split);
    return b ? (tf.add(y, b) as tf.Tensor2D) : y;
  };
}

/** The variable shapes `makeDense` creates, for an op's variableShapes. */
export function denseShapes(inDim: number, outDim: number, bias: boolean): number[][] {
  return bias ? [[inDim, outDim], [outDim]] : [[inDim, outDim]];
}

function numericLast(t: { dims: (string | number)[] }, sizes: Record<string, number>): number {
  const d = t.dims[t.dims.length - 1]!;
  const n = typeof d === 'number' ? d : sizes[d];
  if (n === undefined) throw new Error(`input width ${d} unknown at build time`);
  return n;
}
export { numericLast };

/** The parameters of one dense layer; shared by `linear` and `shared_linear`. */
export const linearParamsSchema = Type.Object({
  out: Type.Integer({ minimum: 1, maximum: MAX_WIDTH, description: 'Output width.', examples: [64] }),
  bias: Defaulted(Type.Boolean({ default: true, description: 'Add a bias vector.', examples: [true] })),
  activation: Defaulted(activationSchema({ default: 'none' })),
  init: Defaulted(initSchema({ default: 'torch_default' })),
  bias_init: Type.Optional(biasInitSchema()),
});

/** y = act(x·W + b). */
export const linear = defineOp({
  name: 'linear',
  doc: 'A dense layer y = act(x·W + b) applied row-wise.',
  category: 'layer',
  rowwise: true,
  params: linearParamsSchema,
  inputs: [{ name: 'in', doc: 'Rows to transform [n, k].', kind: 'dense' }],
  outputs: [{ name: 'out', doc: '[n, out].' }],
  transposeConstantInputs: ['in'],
  shape: (p, inputs) => {
    const x = denseIn(inputs, 'in', 2);
    return { out: dense(x.dims[0]!, p.out) };
  },
  variableShapes: (p, inputs, sizes) => denseShapes(numericLast(denseIn(inputs, 'in', 2), sizes), p.out, p.bias),
  build: (p, inputs, ctx) => {
    const x = denseIn(inputs, 'in', 2);
    const layer = makeDense(ctx, 'linear', numericLast(x, ctx.sizes), p.out, {
      bias: p.bias,
      init: p.init,
      biasInit: p.bias_init,
    });
    return { run: (v, run) => ({ out: activate(layer(v.in as tf.Tensor2D, run), p.activation) }) };
  },
});
