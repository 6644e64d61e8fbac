/**
 * Paired comparisons of every zoo model with a baseline (the flagship by default) on test Recall@20, so that a
 * table row says whether its gap to the baseline is larger than the noise:
 * - over seeds: the per-seed differences (model − baseline, same seeds, so the same data order and negatives
 *   stream) with their mean, 95% t-interval and two-sided paired t-test p-value — the training noise;
 * - over users: a paired bootstrap of the test users at each seed's best valid epoch. Each user's difference is
 *   averaged over the seeds both models have per-user values for (pooled over seeds: the seeds stay fixed and the
 *   users, the same people for both models, are resampled), then the mean over users is bootstrapped
 *   (BOOTSTRAP_RESAMPLES resamples from a fixed seed, so a table is repeatable) — the test-set sampling noise.
 * A row is "within noise" when an interval it has contains 0; otherwise it is "higher" or "lower" than the
 * baseline. Rows whose seeds have no per-user values (tables from before them, carried with --merge from another
 * store) get the seed comparison and "n/a" for the bootstrap.
 */
import { Rng } from '../util/rng.js';
import { bootstrapMean, pairedT, type PairedT } from './stats.js';
import { readPerUserTest, PER_USER_TEST_METRIC, type PerUserJson } from './per-user.js';
import type { ZooRow } from './zoo.js';

export const BOOTSTRAP_RESAMPLES = 2000;
export const BOOTSTRAP_SEED = 2000;
export const COMPARED_METRIC = PER_USER_TEST_METRIC;

export type Verdict = 'within noise' | 'higher' | 'lower' | 'n/a';

export interface PairedComparison {
  model: string;
  baseline: string;
  metric: string;
  /** Over the seeds both rows have: differences model − baseline of the test metric. */
  seeds: (PairedT & { seeds: number[] }) | null;
  /** Over users, pooled over `seeds` (those with per-user values in both); null where there are none. */
  bootstrap: { seeds: number[]; users: number; resamples: number; mean: number; ci: [number, number] } | null;
  verdict: Verdict;
}

/** Finds a seed's per-user values (undefined where there are none): the zoo looks in its store's run folders. */
export type PerUserLookup = (pointId: string, seed: number) => PerUserJson | undefined;

/** The lookup of a store whose points keep their run directory at `runDir(id)`. */
export function storeLookup(runDir: (id: string) => string): PerUserLookup {
  return (id, seed) => {
    const j = readPerUserTest(runDir(id), seed);
    return j?.metric === COMPARED_METRIC ? j : undefined;
  };
}

export function compareWithBaseline(rows: ZooRow[], baseline: string, lookup: PerUserLookup): PairedComparison[] {
  const base = rows.find((r) => r.model === baseline);
  if (!base) return [];
  return rows.filter((r) => r !== base).map((r) => compareRows(r, base, lookup));
}

/** Each row against the row before it, in table order: what each step of a chain adds. */
export function compareWithPrevious(rows: ZooRow[], lookup: PerUserLookup): PairedComparison[] {
  return rows.slice(1).map((r, i) => compareRows(r, rows[i]!, lookup));
}

export function compareRows(row: ZooRow, base: ZooRow, lookup: PerUserLookup): PairedComparison {
  const baseBySeed = new Map(base.perSeed.map((s) => [s.seed, s]));
  const pairs = row.perSeed.flatMap((s) => {
    const b = baseBySeed.get(s.seed);
    const x = s.test[COMPARED_METRIC];
    const y = b?.test[COMPARED_METRIC];
    return b && x !== undefined && y !== undefined ? [{ seed: s.seed, a: s, b, diff: x - y }] : [];
  });
  const t = pairedT(pairs.map((p) => p.diff));
  const seeds = t ? { ...t, seeds: pairs.map((p) => p.seed) } : null;

  // Per user: the difference averaged over the seeds where both have values, users matched by id.
  const withUsers = pairs.flatMap((p) => {
    const a = lookup(p.a.id, p.seed);
    const b = lookup(p.b.id, p.seed);
    return a && b ? [{ seed: p.seed, a, b }] : [];
  });
  let bootstrap: PairedComparison['bootstrap'] = null;
  if (withUsers.length) {
    const sum = new Map<number, number>();
    const count = new Map<number, number>();
    for (const { a, b } of withUsers) {
      const bv = new Map(b.users.map((u, i) => [u, b.values[i]!]));
      a.users.forEach((u, i) => {
        const y = bv.get(u);
        if (y === undefined) return;
        sum.set(u, (sum.get(u) ?? 0) + a.values[i]! - y);
        count.set(u, (count.get(u) ?? 0) + 1);
      });
    }
    // Only users present at every compared seed, in ascending id order (the resamples do not depend on map order).
    const users = [...count]
      .filter(([, c]) => c === withUsers.length)
      .map(([u]) => u)
      .sort((x, y) => x - y);
    if (users.length) {
      const diffs = Float64Array.from(users, (u) => sum.get(u)! / withUsers.length);
      const r = bootstrapMean(diffs, BOOTSTRAP_RESAMPLES, new Rng(BOOTSTRAP_SEED));
      bootstrap = {
        seeds: withUsers.map((w) => w.seed),
        users: users.length,
        resamples: r.resamples,
        mean: r.mean,
        ci: r.ci,
      };
    }
  }
  return {
    model: row.model,
    baseline: base.model,
    metric: COMPARED_METRIC,
    seeds,
    bootstrap,
    verdict: verdict(seeds, bootstrap),
  };
}

function verdict(seeds: PairedComparison['seeds'], bootstrap: PairedComparison['bootstrap']): Verdict {
  const intervals = [seeds?.ci, bootstrap?.ci].filter((c): c is [number, number] => c !== undefined);
  if (!intervals.length) return 'n/a';
  if (intervals.some(([lo, hi]) => lo <= 0 && 0 <= hi)) return 'within noise';
  return (seeds?.mean ?? bootstrap!.mean) > 0 ? 'higher' : 'lower';
}

const f4 = (x: number) => (x >= 0 ? '+' : '') + x.toFixed(4);
const ci = (c: [number, number]) => `[${f4(c[0])}, ${f4(c[1])}]`;
const pv = (p: number) => (p < 0.001 ? p.toExponential(1) : p.toFixed(3));

/** The Markdown section of the zoo table: one row per model against the baseline. */
export function comparisonMarkdown(baseline: string, comparisons: PairedComparison[], present: boolean): string[] {
  const chain = baseline === 'previous';
  const head = chain
    ? '## Paired comparison of each row with the row before it (test Recall@20, model − previous)'
    : `## Paired comparison with ${baseline} (test Recall@20, model − ${baseline})`;
  if (!present)
    return [
      head,
      '',
      chain
        ? 'No comparison: the table has a single row.'
        : `No comparison: ${baseline} is not in this table (choose another with \`--baseline\`).`,
    ];
  const lines = [
    head,
    '',
    '| model | Δ over seeds | 95% t-interval | paired t p | seeds | Δ over users | 95% bootstrap interval | users × seeds | verdict |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const c of comparisons) {
    const s = c.seeds;
    const b = c.bootstrap;
    lines.push(
      `| ${chain ? `${c.model} − ${c.baseline}` : c.model} | ${s ? f4(s.mean) : 'n/a'} | ${s ? ci(s.ci) : 'n/a'} | ${s ? pv(s.p) : 'n/a'} | ${s ? s.n : 'n/a'} | ${b ? f4(b.mean) : 'n/a'} | ${b ? ci(b.ci) : 'n/a'} | ${b ? `${b.users} × ${b.seeds.length}` : 'n/a'} | ${c.verdict} |`,
    );
  }
  lines.push(
    '',
    'Δ over seeds: per-seed differences on the same seeds, mean with a 95% t-interval and a two-sided paired t-test (needs 2 or more common seeds). ' +
      `Δ over users: each test user's Recall@20 difference at the best valid epochs, averaged over the seeds both models have per-user values for, then a paired bootstrap over users (${BOOTSTRAP_RESAMPLES} resamples, fixed seed, percentile interval); n/a where per-user values are missing (rows carried from older tables). ` +
      '"within noise": an interval contains 0; otherwise higher or lower than the baseline.',
  );
  return lines;
}
