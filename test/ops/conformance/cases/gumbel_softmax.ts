import { dense } from '../../../../src/ops/types.js';
import type { ConformanceCase } from '../case.js';
import { D, randDense, softmaxRows } from '../ref.js';

const tau = 0.5;

/**
 * Random: softmax((x + g)/τ) with g = −log(−log u), u the stream's uniforms (zeros redrawn); the reference replays
 * the same draws, so forward and gradient compare to the same noise.
 */
export default {
  op: 'gumbel_softmax',
  params: { tau },
  sizes: { items: 4, h: 3 },
  types: { in: dense('items', 'h') },
  inputs: { in: randDense(1, 4, 3) },
  batch: { users: [0], pos: [0], neg: [1] },
  note: 'same drawn noise: the reference replays the stream',
  reference: (x, _v, ctx) => {
    const a = D(x.in);
    const noisy = a.data.map((v) => {
      let u = ctx.rng.next();
      while (u === 0) u = ctx.rng.next();
      return (v - Math.log(-Math.log(u))) / tau;
    });
    return { out: softmaxRows({ shape: a.shape, data: noisy }).data };
  },
} satisfies ConformanceCase;
