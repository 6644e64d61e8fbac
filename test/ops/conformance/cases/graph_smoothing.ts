import { dense, sparse } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { D, randDense, randSparse, row, S, scalar } from '../ref.js';

/** mean over the stored entries (i, j, w) of w · ‖z_i − z_j‖². */
export default {
  op: 'graph_smoothing',
  params: {},
  sizes: { items: 5, d: 3 },
  types: { graph: sparse('items', 'items'), emb: dense('items', 'd') },
  inputs: { graph: randSparse(3, 5, 5, 0.5), emb: randDense(4, 5, 3) },
  reference: (x) => {
    const g = S(x.graph);
    const z = D(x.emb);
    let s = 0;
    for (let i = 0; i < g.rows; i++)
      for (let k = g.indptr[i]!; k < g.indptr[i + 1]!; k++) {
        const a = row(z, i);
        const b = row(z, g.indices[k]!);
        let d2 = 0;
        for (let t = 0; t < a.length; t++) d2 += (a[t]! - b[t]!) ** 2;
        s += g.values[k]! * d2;
      }
    return { loss: scalar(s / g.nnz) };
  },
} satisfies ConformanceCase;
