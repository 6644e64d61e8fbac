import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { D, map, matmul, randDense, zip, type Dense64 } from '../ref.js';

/** Two dense layers, tanh between them, sigmoid after the last. */
export default {
  op: 'mlp',
  params: { dims: [4, 2], activation: 'tanh', final_activation: 'sigmoid' },
  sizes: { items: 4 },
  types: { in: dense('items', 3) },
  inputs: { in: randDense(1, 4, 3) },
  reference: (x, v) => {
    const layer = (h: Dense64, i: number, k: number, n: number) =>
      zip(
        matmul(h, { shape: [k, n], data: v[`layer${i}/w`]! }),
        { shape: [n], data: v[`layer${i}/b`]! },
        (a, b) => a + b,
      );
    const h = map(layer(D(x.in), 0, 3, 4), Math.tanh);
    return { out: map(layer(h, 1, 4, 2), (z) => 1 / (1 + Math.exp(-z))).data };
  },
} satisfies ConformanceCase;
