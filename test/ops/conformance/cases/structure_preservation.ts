import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { DL, gatherRows, matmul, normalizeRows, randDense, scalar, transpose, type Dense64 } from '../ref.js';

const batch = { users: [0, 1, 2, 1], pos: [0, 3, 2, 4], neg: [4, 2, 0, 1] };

/**
 * Σ_m w_m ‖Ĥ_b Ĥ_bᵀ − F̂_b F̂_bᵀ‖_F over the batch positives (cosine similarity, Frobenius distance); the features
 * are a target (read from the unperturbed inputs: no gradient into them).
 */
export default {
  op: 'structure_preservation',
  params: { weights: [1, 0.5] },
  sizes: { users: 3, items: 5 },
  types: { emb: [dense('items', 3), dense('items', 2)], feat: [dense('items', 4), dense('items', 6)] },
  inputs: { emb: [randDense(1, 5, 3), randDense(2, 5, 2)], feat: [randDense(3, 5, 4), randDense(4, 5, 6)] },
  batch,
  reference: (x, _v, ctx) => {
    const gram = (t: Dense64) => {
      const n = normalizeRows(gatherRows(t, batch.pos));
      return matmul(n, transpose(n));
    };
    const feats = DL(ctx.base.inputs.feat!);
    const terms = DL(x.emb).map((e, m) => {
      const s = gram(e);
      const t = gram(feats[m]!);
      return Math.sqrt(s.data.reduce((acc, v, i) => acc + (v - t.data[i]!) ** 2, 0));
    });
    return { loss: scalar(terms[0]! + 0.5 * terms[1]!) };
  },
} satisfies ConformanceCase;
