import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import { Defaulted, defineOp, dense, ShapeError, type OpKernel } from '../types.js';

/**
 * Pretrained item features of one modality. Frozen by default: a constant, loaded once (the paper's setting).
 * `trainable: true` makes a variable initialised from the features instead, as the official AnchorRec code
 * does (nn.Embedding.from_pretrained(..., freeze=False)); that copy is then updated by the optimiser.
 */
export const features = defineOp({
  name: 'features',
  doc: 'Item features of one modality (row i = item i), as declared under data.features; frozen unless trainable.',
  category: 'source',
  params: Type.Object({
    modality: Type.String({ description: 'Modality key declared under data.features.', examples: ['mm', 't', 'v'] }),
    trainable: Defaulted(
      Type.Boolean({
        default: false,
        description: 'Fine-tune a copy of the features (official AnchorRec code) instead of keeping them fixed.',
        examples: [false],
      }),
    ),
  }),
  inputs: [],
  outputs: [{ name: 'out', doc: 'The feature matrix [items, feat_<modality>].' }],
  pure: true,
  rowwise: true,
  shape: (p, _in, env) => {
    if (!env.modalities.includes(p.modality))
      throw new ShapeError(
        `modality '${p.modality}' is not declared under data.features (declared: ${env.modalities.join(', ') || 'none'})`,
        { param: 'modality' },
      );
    return { out: dense('items', env.sizes[`feat_${p.modality}`] ?? `feat_${p.modality}`) };
  },
  variableShapes: (p, _in, sizes) => (p.trainable ? [[sizes.items!, sizes[`feat_${p.modality}`]!]] : []),
  build: (p, _in, ctx): OpKernel => {
    const f = ctx.data.feature(p.modality);
    if (p.trainable) {
      const v = ctx.variable('table', [f.rows, f.cols], f.data.slice());
      return { run: () => ({ out: v }) };
    }
    return { run: () => ({ out: tf.tensor2d(f.data, [f.rows, f.cols]) }) };
  },
});
