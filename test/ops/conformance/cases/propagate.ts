import { dense, sparse } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { D, matmul, randDense, randSparse, S, toDense } from '../ref.js';

/** Mean of X, AX, A²X over a square sparse graph. */
export default {
  op: 'propagate',
  params: { layers: 2, combine: 'mean' },
  sizes: { items: 5, d: 3 },
  types: { graph: sparse('items', 'items'), in: dense('items', 'd') },
  inputs: { graph: randSparse(1, 5, 5, 0.5), in: randDense(2, 5, 3) },
  reference: (x) => {
    const a = toDense(S(x.graph));
    const x0 = D(x.in);
    const x1 = matmul(a, x0);
    const x2 = matmul(a, x1);
    return { out: x0.data.map((v, i) => (v + x1.data[i]! + x2.data[i]!) / 3) };
  },
} satisfies ConformanceCase;
