/**
 * product: the element-wise (Hadamard) product of same-shaped tensors. SMORE gates its modality views with it
 * (preference gates ⊙ attention-weighted views); `sum` and `mix` cover the additive combinations.
 */
import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import { defineOp, dense, ShapeError, typeToString } from '../types.js';
import { listIn, sameDim } from '../shape.js';

export const product = defineOp<Record<string, never>>({
  name: 'product',
  doc: 'Element-wise product of same-shaped inputs: x_1 ⊙ x_2 ⊙ ….',
  category: 'combine',
  params: Type.Object({}),
  inputs: [{ name: 'in', doc: 'Two or more dense tensors of one shape.', list: true, kind: 'dense' }],
  outputs: [{ name: 'out', doc: 'Their element-wise product, same shape.' }],
  pure: true,
  shape: (_p, inputs) => {
    const ts = listIn(inputs, 'in');
    if (ts.length < 2) throw new ShapeError(`'in' needs at least two inputs, got ${ts.length}`, { port: 'in' });
    const first = ts[0]!;
    ts.forEach((t, i) => {
      if (
        t.kind !== 'dense' ||
        t.dims.length !== first.dims.length ||
        !t.dims.every((d, j) => sameDim(d, first.dims[j]!))
      )
        throw new ShapeError(
          `'in[${i}]' is ${typeToString(t)} but 'in[0]' is ${typeToString(first)}: shapes must match`,
          { port: 'in' },
        );
    });
    return { out: dense(...first.dims) };
  },
  build: () => ({
    run: (v) => {
      const xs = v.in as tf.Tensor[];
      let out = xs[0]!;
      for (let i = 1; i < xs.length; i++) out = tf.mul(out, xs[i]!);
      return { out };
    },
  }),
});
