import type { ConformanceCase } from '../case.js';
import { tinyData } from '../../graph-data.js';
import { bipartite, symNorm, uniquePairList } from '../ref.js';

const data = tinyData();
const dropout = 0.5;

/**
 * Random: ⌊(1 − p)·|E|⌋ unique train edges drawn without replacement with probability ∝ 1/sqrt(d_u d_i), as
 * Efraimidis–Spirakis keys log(u)/w (u the stream's uniforms, zeros redrawn; the largest keys win, ties to the
 * earlier edge); the reference replays the same draws and renormalises the kept graph symmetrically. The law
 * checks the kept edge count on the op's own output.
 */
export default {
  op: 'degree_edge_dropout',
  params: { dropout, sampling: 'degree' },
  sizes: { users: 4, items: 5 },
  data,
  types: {},
  inputs: {},
  batch: { users: [0], pos: [0], neg: [1] },
  gradient: 'none',
  note: 'same drawn edges: the reference replays the stream',
  law: (out) => {
    const pairs = uniquePairList(data.trainPairs.users, data.trainPairs.items);
    const stored = out.adj!.filter((v) => v !== 0).length;
    const want = 2 * Math.floor(pairs.length * (1 - dropout));
    if (stored !== want) throw new Error(`degree_edge_dropout: ${stored} stored entries, expected ${want}`);
  },
  reference: (_x, _v, ctx) => {
    const pairs = uniquePairList(data.trainPairs.users, data.trainPairs.items);
    const du = new Map<number, number>();
    const di = new Map<number, number>();
    for (const [u, i] of pairs) {
      du.set(u, (du.get(u) ?? 0) + 1);
      di.set(i, (di.get(i) ?? 0) + 1);
    }
    const keys = pairs.map(([u, i]) => {
      let r = ctx.rng.next();
      while (r === 0) r = ctx.rng.next();
      return Math.log(r) * Math.sqrt((du.get(u)! + 1e-7) * (di.get(i)! + 1e-7));
    });
    const m = Math.floor(pairs.length * (1 - dropout));
    const kept = keys
      .map((key, e) => [key, e] as const)
      .sort((a, b) => b[0] - a[0] || a[1] - b[1])
      .slice(0, m)
      .map(([, e]) => pairs[e]!);
    return { adj: symNorm(bipartite(4, 5, kept)).data };
  },
} satisfies ConformanceCase;
