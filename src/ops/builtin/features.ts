import * as tf from '@tensorflow/tfjs';
import { defineOp, dense, ShapeError } from '../types.js';

/** Frozen pretrained item features of one modality; a constant, loaded once. */
export const features = defineOp<{ modality: string }>({
  name: 'features',
  doc: 'Frozen item features of one modality (row i = item i), as declared under data.features.',
  category: 'source',
  params: {
    type: 'object',
    properties: {
      modality: { type: 'string', description: 'Modality key declared under data.features.', examples: ['mm', 't', 'v'] },
    },
    required: ['modality'],
  },
  inputs: [],
  outputs: [{ name: 'out', doc: 'The feature matrix [items, feat_<modality>].' }],
  pure: true,
  shape: (p, _in, env) => {
    if (!env.modalities.includes(p.modality))
      throw new ShapeError(
        `modality '${p.modality}' is not declared under data.features (declared: ${env.modalities.join(', ') || 'none'})`,
        { param: 'modality' },
      );
    return { out: dense('items', env.sizes[`feat_${p.modality}`] ?? `feat_${p.modality}`) };
  },
  build: (p, _in, ctx) => {
    const f = ctx.data.feature(p.modality);
    return { run: () => ({ out: tf.tensor2d(f.data, [f.rows, f.cols]) }) };
  },
});
