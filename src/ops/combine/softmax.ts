/**
 * softmax: row-wise softmax over the feature axis. SMORE's modality-aware preference module turns its query
 * MLP's output into per-dimension attention weights this way (nn.Softmax(dim=-1)) before multiplying them into
 * the modality views.
 */
import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import { defineOp, dense } from '../types.js';
import { denseIn } from '../shape.js';

export const softmax = defineOp<Record<string, never>>({
  name: 'softmax',
  doc: 'Row-wise softmax over the last (feature) axis.',
  category: 'combine',
  params: Type.Object({}),
  inputs: [{ name: 'in', doc: 'Rows of logits [n, d].', kind: 'dense' }],
  outputs: [{ name: 'out', doc: 'Rows that are probability vectors [n, d].' }],
  pure: true,
  shape: (_p, inputs) => ({ out: dense(...denseIn(inputs, 'in', 2).dims) }),
  build: () => ({ run: (v) => ({ out: tf.softmax(v.in as tf.Tensor2D) }) }),
});
