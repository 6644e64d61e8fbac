import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { D, matmul, randDense, transpose } from '../ref.js';

/** Per layer L = H_iᵀ X, X ← H_i L; users H_u L of the last layer. */
export default {
  op: 'hypergraph_propagate',
  params: { layers: 2 },
  sizes: { users: 3, items: 5, h: 2, d: 3 },
  types: { item_assign: dense('items', 'h'), user_assign: dense('users', 'h'), in: dense('items', 'd') },
  inputs: { item_assign: randDense(1, 5, 2, 0.5), user_assign: randDense(2, 3, 2, 0.5), in: randDense(3, 5, 3) },
  reference: (x) => {
    const hi = D(x.item_assign);
    let h = D(x.in);
    let lat = h;
    for (let l = 0; l < 2; l++) {
      lat = matmul(transpose(hi), h);
      h = matmul(hi, lat);
    }
    return { users: matmul(D(x.user_assign), lat).data, items: h.data };
  },
} satisfies ConformanceCase;
