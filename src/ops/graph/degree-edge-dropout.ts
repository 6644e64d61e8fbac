/**
 * degree_edge_dropout: FREEDOM's degree-sensitive edge pruning of the user-item graph (Zhou and Shen, ACM MM
 * 2023; MMRec freedom.py `pre_epoch_processing`). Once per epoch (or per step) it keeps ⌊(1 − dropout)·|E|⌋ of
 * the train edges, drawn without replacement with probability proportional to 1/sqrt(d_u d_i) (edges between
 * low-degree nodes are kept more often), and renormalises the kept graph symmetrically (degrees of the kept
 * graph + 1e-7). Evaluation uses the full, unpruned graph (MMRec's full_sort_predict reads norm_adj).
 *
 * Sampling without replacement with weights is done as Efraimidis and Spirakis (2006): each edge gets the key
 * log(u)/w with u uniform from ctx.rng, and the largest keys win. This has the same distribution as
 * torch.multinomial(weights, m, replacement=False) (successive weighted draws) and costs one sort.
 * The pruned graph of an epoch is cached, so the steps of that epoch share it; the draw comes from the run's
 * step stream, so a seed repeats it.
 */
import { Type } from '@sinclair/typebox';
import { Defaulted, defineOp, ShapeError, sparse, StringEnum } from '../types.js';
import type { CsrMatrix } from '../sparse.js';
import { bipartiteAdjacency, uniquePairs } from './user-item-graph.js';
import type { RandomStream } from '../../util/rng.js';

/** Indices of `m` of the `weights.length` items drawn without replacement with probability ∝ weights. */
export function weightedSampleWithoutReplacement(weights: ArrayLike<number>, m: number, rng: RandomStream): Int32Array {
  const n = weights.length;
  const keys = new Float64Array(n);
  for (let e = 0; e < n; e++) {
    let u = rng.next();
    while (u === 0) u = rng.next();
    const w = weights[e]!;
    keys[e] = w > 0 ? Math.log(u) / w : -Infinity;
  }
  const order = new Int32Array(n);
  for (let e = 0; e < n; e++) order[e] = e;
  order.sort((a, b) => keys[b]! - keys[a]! || a - b);
  return order.slice(0, m).sort();
}

export const degreeEdgeDropout = defineOp({
  name: 'degree_edge_dropout',
  doc: "FREEDOM's degree-sensitive edge pruning: the user-item graph with a degree-weighted sample of edges, redrawn each epoch.",
  category: 'graph',
  params: Type.Object({
    dropout: Defaulted(
      Type.Number({
        minimum: 0,
        exclusiveMaximum: 1,
        default: 0.8,
        description:
          'Share of the train edges dropped while training (FREEDOM grid {0.8, 0.9}); 0 keeps the full graph.',
        examples: [0.8, 0.9],
      }),
    ),
    sampling: Defaulted(
      StringEnum(['degree', 'uniform'], {
        default: 'degree',
        description:
          "'degree': keep edges with probability ∝ 1/sqrt(d_u d_i) (FREEDOM); 'uniform': plain random edge dropout.",
        examples: ['degree'],
      }),
    ),
    resample: Defaulted(
      StringEnum(['epoch', 'step'], {
        default: 'epoch',
        description:
          "'epoch': one pruned graph per epoch (MMRec's pre_epoch_processing); 'step': a new one every training step.",
        examples: ['epoch'],
      }),
    ),
  }),
  inputs: [],
  outputs: [
    {
      name: 'adj',
      doc: 'Pruned, renormalised adjacency while training; the full normalised one at evaluation: sparse [users+items, users+items].',
    },
  ],
  shape: (p) => {
    if (!(p.dropout >= 0 && p.dropout < 1))
      throw new ShapeError(`'dropout' must be in [0, 1), got ${p.dropout}`, { param: 'dropout' });
    return { adj: sparse('users+items', 'users+items') };
  },
  build: (p, _in, ctx) => {
    const dropout = p.dropout;
    const { nUsers, nItems } = ctx.data;
    const { users, items } = uniquePairs(ctx.data);
    const full = bipartiteAdjacency(nUsers, nItems, users, items, 'symmetric', false).adj;
    // Sampling weights: the edge's value in the full normalised graph, 1/sqrt((d_u + 1e-7)(d_i + 1e-7)).
    const du = new Float64Array(nUsers);
    const di = new Float64Array(nItems);
    for (let k = 0; k < users.length; k++) {
      du[users[k]!]! += 1;
      di[items[k]!]! += 1;
    }
    const weights = new Float64Array(users.length);
    for (let k = 0; k < users.length; k++)
      weights[k] = p.sampling === 'uniform' ? 1 : 1 / Math.sqrt((du[users[k]!]! + 1e-7) * (di[items[k]!]! + 1e-7));
    const keep = Math.floor(users.length * (1 - dropout));
    let cached: { epoch: number; adj: CsrMatrix } | undefined;
    return {
      run: (_v, run) => {
        if (!run.training || dropout <= 0) return { adj: full };
        if (p.resample === 'epoch' && cached && cached.epoch === run.epoch) return { adj: cached.adj };
        const idx = weightedSampleWithoutReplacement(weights, keep, run.rng);
        const ku = new Int32Array(keep);
        const ki = new Int32Array(keep);
        for (let t = 0; t < keep; t++) {
          ku[t] = users[idx[t]!]!;
          ki[t] = items[idx[t]!]!;
        }
        const adj = bipartiteAdjacency(nUsers, nItems, ku, ki, 'symmetric', false).adj;
        cached = { epoch: run.epoch, adj };
        return { adj };
      },
    };
  },
});
