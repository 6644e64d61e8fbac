import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { D, dot, randDense, row, scalar, type Dense64 } from '../ref.js';

const batch = { users: [0, 1, 2, 1], pos: [0, 1, 2, 3], neg: [4, 2, 0, 1] };

/**
 * mean −log(1e-10 + σ(u·i⁺ − u·i⁻)) + l2/B · (‖U_b‖_F + ‖I⁺_b‖_F + ‖I⁻_b‖_F) over the regularised tables' batch rows
 * (MMRec EmbLoss, l2_form norm), with separate reg tables so that the optional ports are exercised.
 */
export default {
  op: 'bpr',
  params: { l2: 0.1 },
  sizes: { users: 3, items: 5, d: 3 },
  types: {
    user: dense('users', 'd'),
    item: dense('items', 'd'),
    reg_user: dense('users', 'd'),
    reg_item: dense('items', 'd'),
  },
  inputs: {
    user: randDense(1, 3, 3),
    item: randDense(2, 5, 3),
    reg_user: randDense(3, 3, 3),
    reg_item: randDense(4, 5, 3),
  },
  batch,
  reference: (x) => {
    const [u, it, ru, ri] = [D(x.user), D(x.item), D(x.reg_user), D(x.reg_item)];
    const B = batch.users.length;
    let l = 0;
    for (let b = 0; b < B; b++) {
      const uu = row(u, batch.users[b]!);
      const d = dot(uu, row(it, batch.pos[b]!)) - dot(uu, row(it, batch.neg[b]!));
      l += -Math.log(1e-10 + 1 / (1 + Math.exp(-d)));
    }
    const fro = (t: Dense64, idx: number[]) => Math.sqrt(idx.reduce((s, i) => s + dot(row(t, i), row(t, i)), 0));
    const reg = fro(ru, batch.users) + fro(ri, batch.pos) + fro(ri, batch.neg);
    return { loss: scalar(l / B + (0.1 / B) * reg) };
  },
} satisfies ConformanceCase;
