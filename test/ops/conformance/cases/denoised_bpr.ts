import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { D, DL, dot, normalizeRows, randDense, row, scalar, sigmoid } from '../ref.js';

const batch = { users: [0, 1, 2, 1, 0], pos: [0, 3, 2, 4, 1], neg: [4, 2, 0, 1, 3] };
const logSig = (z: number) => -Math.log1p(Math.exp(-z));
const clamp01 = (z: number) => Math.min(1, Math.max(0, z));

/**
 * −mean(w⁺ log σ(s⁺ − s⁻) + w⁻ log σ(s⁻ − s⁺)) with the weights from the views' agreement, computed from the
 * unperturbed inputs (the op computes them off the tape).
 */
export default {
  op: 'denoised_bpr',
  params: {},
  sizes: { users: 3, items: 5, d: 3 },
  types: { user: dense('users', 'd'), item: dense('items', 'd'), views: [dense('items', 'd'), dense('items', 'd')] },
  inputs: { user: randDense(1, 3, 3), item: randDense(2, 5, 3), views: [randDense(3, 5, 3), randDense(4, 5, 3)] },
  batch,
  reference: (x, _v, ctx) => {
    const B = batch.users.length;
    const ub = D(ctx.base.inputs.user!);
    const views = DL(ctx.base.inputs.views!).map((v) => normalizeRows(v));
    const p = views.map((v) => batch.users.map((uu, b) => sigmoid(dot(row(ub, uu), row(v, batch.pos[b]!)))));
    const n = views.map((v) => batch.users.map((uu, b) => sigmoid(dot(row(ub, uu), row(v, batch.neg[b]!)))));
    const nbar = n.flat().reduce((s, z) => s + z, 0) / (B * views.length);
    const u = D(x.user);
    const it = D(x.item);
    let s = 0;
    for (let b = 0; b < B; b++) {
      const ps = p.map((pm) => pm[b]!);
      const mean = ps.reduce((a, z) => a + z, 0) / ps.length;
      const variance = ps.reduce((a, z) => a + (z - mean) ** 2, 0) / (ps.length - 1);
      const wPos = clamp01(mean * Math.exp(-variance) ** 2);
      const wNeg = mean < nbar ? clamp01(Math.max(...ps) - nbar) : 0;
      const uu = row(u, batch.users[b]!);
      const diff = dot(uu, row(it, batch.pos[b]!)) - dot(uu, row(it, batch.neg[b]!));
      s += wPos * logSig(diff) + wNeg * logSig(-diff);
    }
    return { loss: scalar(-s / B) };
  },
} satisfies ConformanceCase;
