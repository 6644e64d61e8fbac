import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { D, distinct, dot, normalizeRows, randDense, row, scalar, sigmoid } from '../ref.js';

const batch = { users: [0, 1, 2, 1], pos: [0, 3, 2, 4], neg: [4, 2, 0, 1] };

/**
 * Over distinct batch users × distinct batch items (pos ∪ neg): the mean of KL(p_a‖p_b) + KL(p_b‖p_a) for the
 * Bernoulli p = σ(u · î) under the two item views, written here as the two KL divergences themselves.
 */
export default {
  op: 'preference_kl',
  params: {},
  sizes: { users: 3, items: 5, d: 3 },
  types: { user: dense('users', 'd'), item_a: dense('items', 'd'), item_b: dense('items', 'd') },
  inputs: { user: randDense(1, 3, 3), item_a: randDense(2, 5, 3), item_b: randDense(3, 5, 3) },
  batch,
  reference: (x) => {
    const u = D(x.user);
    const a = normalizeRows(D(x.item_a));
    const b = normalizeRows(D(x.item_b));
    const us = distinct(batch.users);
    const is = distinct(batch.pos, batch.neg);
    const kl = (p: number, q: number) => p * Math.log(p / q) + (1 - p) * Math.log((1 - p) / (1 - q));
    let s = 0;
    for (const uu of us)
      for (const i of is) {
        const pa = sigmoid(dot(row(u, uu), row(a, i)));
        const pb = sigmoid(dot(row(u, uu), row(b, i)));
        s += kl(pa, pb) + kl(pb, pa);
      }
    return { loss: scalar(s / (us.length * is.length)) };
  },
} satisfies ConformanceCase;
