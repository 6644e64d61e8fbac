/**
 * An operator defined outside anchorflow's source tree: row-wise layer normalisation with a learnable gain
 * and bias. Importing this module registers the op, so a pipeline can use `op: layer_norm`:
 *
 *   anchorflow --plugin dist/examples/custom-op/layer-norm.js run examples/custom-op/lightgcn-layernorm.yaml
 *
 * In a project of your own, import from 'anchorflow' instead of the relative path.
 */
import * as tf from '@tensorflow/tfjs';
import { defineOp, dense, denseIn, registerOp, registry } from '../../src/index.js';

export const layerNorm = defineOp<{ eps?: number }>({
  name: 'layer_norm',
  doc: 'Row-wise layer normalisation with a learnable gain and bias (an example plugin op).',
  category: 'layer',
  params: {
    type: 'object',
    properties: {
      eps: {
        type: 'number',
        exclusiveMinimum: 0,
        default: 1e-5,
        description: 'Added to the variance.',
        examples: [1e-5],
      },
    },
  },
  inputs: [{ name: 'in', doc: 'Rows to normalise [n, d].', kind: 'dense' }],
  outputs: [{ name: 'out', doc: '[n, d].' }],
  // The shape rule: same shape out as in; denseIn raises a located error for anything else.
  shape: (_p, inputs) => ({ out: dense(...denseIn(inputs, 'in', 2).dims) }),
  build: (p, inputs, ctx) => {
    const width = denseIn(inputs, 'in', 2).dims[1]!;
    const d = typeof width === 'number' ? width : ctx.sizes[width]!;
    const gain = ctx.variable('gain', [d], 'ones');
    const bias = ctx.variable('bias', [d], 'zeros');
    return {
      run: (v) => {
        const x = v.in as tf.Tensor2D;
        const { mean, variance } = tf.moments(x, 1, true);
        return { out: tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, p.eps ?? 1e-5))), gain), bias) };
      },
    };
  },
});

// Registering twice (e.g. a module imported by two paths) would throw; guard it.
if (!registry.has(layerNorm.name)) registerOp(layerNorm);
