import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { D, randDense } from '../ref.js';

const p = 0.4;

/**
 * Random: the reference replays the documented draw from the same fixed-seed stream (entry i kept when the
 * i-th uniform is below 1 − p, then scaled by 1/(1 − p)), so forward and gradient compare exactly to the mask.
 */
export default {
  op: 'dropout',
  params: { p },
  sizes: { items: 6, d: 4 },
  types: { in: dense('items', 'd') },
  inputs: { in: randDense(1, 6, 4) },
  batch: { users: [0], pos: [0], neg: [1] },
  note: 'same drawn mask: the reference replays the stream',
  law: (out) => {
    const zeros = out.out!.filter((v) => v === 0).length;
    if (zeros === 0 || zeros === out.out!.length)
      throw new Error(`dropout: ${zeros} of ${out.out!.length} dropped, expected some`);
  },
  reference: (x, _v, ctx) => {
    const keep = 1 - p;
    return { out: D(x.in).data.map((v) => (ctx.rng.next() < keep ? v / keep : 0)) };
  },
} satisfies ConformanceCase;
