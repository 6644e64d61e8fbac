import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { D, map, matmul, randDense, sigmoid, zip, type Dense64 } from '../ref.js';

/** ids ⊙ σ(MLP(features)) with one hidden layer (relu) before the d-wide gate layer. */
export default {
  op: 'gated_refine',
  params: { hidden: [4], activation: 'relu' },
  sizes: { items: 5, d: 3, f: 6 },
  types: { ids: dense('items', 3), features: dense('items', 6) },
  inputs: { ids: randDense(1, 5, 3), features: randDense(2, 5, 6) },
  reference: (x, v) => {
    const layer = (h: Dense64, i: number, k: number, n: number) =>
      zip(
        matmul(h, { shape: [k, n], data: v[`layer${i}/w`]! }),
        { shape: [n], data: v[`layer${i}/b`]! },
        (a, b) => a + b,
      );
    const h = map(layer(D(x.features), 0, 6, 4), (z) => Math.max(0, z));
    const gate = map(layer(h, 1, 4, 3), sigmoid);
    return { out: zip(D(x.ids), gate, (a, b) => a * b).data };
  },
} satisfies ConformanceCase;
