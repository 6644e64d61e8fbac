import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import { defineOp, dense, ShapeError, typeToString, type Dim } from '../types.js';
import { denseIn, listIn, sameDim, sameShapeList } from '../shape.js';

function denseList(inputs: Parameters<typeof listIn>[0], port: string) {
  const ts = listIn(inputs, port);
  if (ts.length === 0) throw new ShapeError(`'${port}' needs at least one input`, { port });
  ts.forEach((t, i) => {
    if (t.kind !== 'dense' || t.dims.length !== 2)
      throw new ShapeError(`'${port}[${i}]' must be a dense rank-2 tensor, got ${typeToString(t)}`, { port });
  });
  return ts;
}

/** Column-wise concatenation [n, a] ++ [n, b] -> [n, a+b]. */
export const concat = defineOp<Record<string, never>>({
  name: 'concat',
  doc: 'Concatenates inputs along the feature axis (rows must match).',
  category: 'combine',
  params: Type.Object({}),
  inputs: [{ name: 'in', doc: 'Tensors [n, k_i] to join.', list: true, kind: 'dense' }],
  outputs: [{ name: 'out', doc: '[n, sum of k_i].' }],
  pure: true,
  rowwise: true,
  shape: (_p, inputs) => {
    const ts = denseList(inputs, 'in');
    const rows = ts[0]!.dims[0]!;
    ts.forEach((t, i) => {
      if (!sameDim(t.dims[0]!, rows))
        throw new ShapeError(`'in[${i}]' has ${t.dims[0]} rows but 'in[0]' has ${rows}`, { port: 'in' });
    });
    const widths = ts.map((t) => t.dims[1]!);
    const width: Dim = widths.every((w) => typeof w === 'number')
      ? (widths as number[]).reduce((a, b) => a + b, 0)
      : widths.join('+');
    return { out: dense(rows, width) };
  },
  build: () => ({ run: (v) => ({ out: tf.concat(v.in as tf.Tensor2D[], 1) }) }),
});

/** Element-wise (optionally weighted) sum of same-shaped tensors. */
export const sum = defineOp({
  name: 'sum',
  doc: 'Element-wise sum of same-shaped inputs, optionally weighted: Σ w_i x_i.',
  category: 'combine',
  params: Type.Object({
    weights: Type.Optional(
      Type.Array(Type.Number(), { description: 'One weight per input (default all 1).', examples: [[1, 0.0005]] }),
    ),
  }),
  inputs: [{ name: 'in', doc: 'Tensors of one shape.', list: true, kind: 'dense' }],
  outputs: [{ name: 'out', doc: 'Same shape as the inputs.' }],
  pure: true,
  rowwise: true,
  shape: (p, inputs) => {
    const ts = sameShapeList(inputs, 'in', 'dense');
    const first = ts[0]!;
    if (p.weights && p.weights.length !== ts.length)
      throw new ShapeError(`'weights' has ${p.weights.length} entries for ${ts.length} inputs`, { param: 'weights' });
    return { out: dense(...first.dims) };
  },
  build: (p) => ({
    run: (v) => {
      const xs = v.in as tf.Tensor[];
      const terms = p.weights ? xs.map((x, i) => (p.weights![i] === 1 ? x : tf.mul(x, p.weights![i]!))) : xs;
      return { out: terms.length === 1 ? terms[0]! : tf.addN(terms) };
    },
  }),
});

/** Passes its input through unchanged: used by ablations to remove a block (e.g. no projection). */
export const identity = defineOp<Record<string, never>>({
  name: 'identity',
  doc: 'Passes its input through unchanged (ablations use it to remove a block).',
  category: 'combine',
  params: Type.Object({}),
  inputs: [{ name: 'in', doc: 'Any tensor.' }],
  outputs: [{ name: 'out', doc: 'The same tensor.' }],
  pure: true,
  rowwise: true,
  shape: (_p, inputs) => {
    const t = inputs.in;
    if (!t || Array.isArray(t)) throw new ShapeError(`'in' takes one reference`, { port: 'in' });
    return { out: t };
  },
  build: () => ({ run: (v) => ({ out: v.in as tf.Tensor }) }),
});

export { denseIn };
