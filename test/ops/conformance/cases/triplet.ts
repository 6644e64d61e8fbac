import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { D, dot, normalizeRows, randDense, row, scalar } from '../ref.js';

const batch = { users: [0, 1, 2, 1], pos: [0, 1, 2, 3], neg: [4, 2, 0, 1] };

/** mean relu(margin − cos(u, i⁺) + cos(u, i⁻)), the user detached (read from the unperturbed inputs). */
export default {
  op: 'triplet',
  params: { margin: 0.5 },
  sizes: { users: 3, items: 5, d: 3 },
  types: { user: dense('users', 'd'), item: dense('items', 'd') },
  inputs: { user: randDense(1, 3, 3), item: randDense(2, 5, 3) },
  batch,
  reference: (x, _v, ctx) => {
    const u = normalizeRows(D(ctx.base.inputs.user!), 1e-8);
    const it = normalizeRows(D(x.item), 1e-8);
    let s = 0;
    for (let b = 0; b < 4; b++) {
      const uu = row(u, batch.users[b]!);
      s += Math.max(0, 0.5 - dot(uu, row(it, batch.pos[b]!)) + dot(uu, row(it, batch.neg[b]!)));
    }
    return { loss: scalar(s / 4) };
  },
} satisfies ConformanceCase;
