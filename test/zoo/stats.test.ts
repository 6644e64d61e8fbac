/**
 * The statistics behind the zoo's paired comparisons, against known values: Student's t quantiles of printed
 * tables, CDF values and a paired t-test as scipy.stats computes them (1.17: stats.t.cdf / ppf, ttest_1samp), and
 * the bootstrap's defining properties; then the comparison of two zoo rows on hand-made data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapMean, pairedT, quantileSorted, tCdf, tQuantile } from '../../src/experiments/stats.js';
import { BOOTSTRAP_RESAMPLES, compareRows, compareWithBaseline } from '../../src/experiments/zoo-compare.js';
import type { ZooRow } from '../../src/experiments/zoo.js';
import type { PerUserJson } from '../../src/experiments/per-user.js';
import { Rng } from '../../src/util/rng.js';

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('t quantiles match printed tables', () => {
  // [p, df, t]: two-sided 95% for df 1, 2, 4, 10, 29; one-sided 90% df 7; 99.5% df 30.
  const table: [number, number, number][] = [
    [0.975, 1, 12.706205],
    [0.975, 2, 4.302653],
    [0.975, 4, 2.776445],
    [0.975, 10, 2.228139],
    [0.975, 29, 2.04523],
    [0.9, 7, 1.414924],
    [0.995, 30, 2.749996],
  ];
  for (const [p, df, t] of table) {
    close(tQuantile(p, df), t, 1e-6, `t(${p}, ${df})`);
    close(tQuantile(1 - p, df), -t, 1e-6, `t(${1 - p}, ${df})`);
  }
});

test('the t CDF matches known values', () => {
  close(tCdf(1, 1), 0.75, 1e-12, 'Cauchy at 1');
  close(tCdf(0, 3), 0.5, 1e-15, 'median');
  close(tCdf(2, 5), 0.9490302605850708, 1e-12, 'df 5 at 2');
  close(tCdf(-1.5, 3), 0.11529193262241147, 1e-12, 'df 3 at -1.5');
  close(tCdf(0.7, 25), 0.754804731606935, 1e-12, 'df 25 at 0.7');
  close(2 * (1 - tCdf(10, 3)), 0.0021283990584141503, 1e-12, 'two-sided p of t=10, df 3');
});

test('paired t: mean, interval and p-value of known differences; degenerate cases', () => {
  const r = pairedT([0.01, 0.02, 0, 0.03, 0.01])!;
  assert.equal(r.n, 5);
  close(r.mean, 0.014, 1e-15, 'mean');
  close(r.sd, Math.sqrt(130e-6), 1e-15, 'sd');
  close(r.p, 0.05160595781117475, 1e-10, 'p');
  close(r.ci[0], -0.00015714776982272104, 1e-10, 'lower');
  close(r.ci[1], 0.02815714776982272, 1e-10, 'upper');
  assert.equal(pairedT([0.01]), undefined, 'one pair has no interval');
  assert.deepEqual(pairedT([0.02, 0.02, 0.02]), { n: 3, mean: 0.02, sd: 0, ci: [0.02, 0.02], p: 0 });
});

test('bootstrap: repeatable for a seed, the interval brackets the mean and narrows with more users', () => {
  assert.equal(quantileSorted([1, 2, 3, 4, 5], 0.25), 2);
  assert.equal(quantileSorted([0, 10], 0.975), 9.75);
  const rng = new Rng(1);
  const small = Float64Array.from({ length: 100 }, () => rng.normal() * 0.1 + 0.05);
  const large = Float64Array.from({ length: 10_000 }, () => rng.normal() * 0.1 + 0.05);
  const a = bootstrapMean(small, 2000, new Rng(7));
  assert.deepEqual(bootstrapMean(small, 2000, new Rng(7)), a);
  assert.ok(a.ci[0] < a.mean && a.mean < a.ci[1]);
  const b = bootstrapMean(large, 2000, new Rng(7));
  const width = (x: typeof a) => x.ci[1] - x.ci[0];
  // The standard error falls as 1/sqrt(n): 10x for 100x the users (with bootstrap jitter).
  close(width(a) / width(b), 10, 1.5, 'width ratio');
  // About 2 x 1.96 standard errors wide.
  close(width(b), (2 * 1.96 * 0.1) / 100, 0.0006, 'width');
  assert.deepEqual(bootstrapMean([0.3, 0.3, 0.3], 50, new Rng(7)).ci, [0.3, 0.3]);
});

function row(model: string, recalls: [number, number][]): ZooRow {
  const perSeed = recalls.map(([seed, r]) => ({
    seed,
    id: `${model}-${seed}`,
    bestEpoch: 1,
    epochs: 1,
    secondsPerEpoch: 1,
    valid: {},
    test: { 'recall@20': r },
  }));
  const z = { mean: {}, std: {} };
  return {
    model,
    file: `${model}.yaml`,
    seeds: perSeed.map((s) => s.seed),
    missingSeeds: [],
    valid: z,
    test: z,
    bestEpoch: { mean: 1, std: 0 },
    epochs: { mean: 1, std: 0 },
    secondsPerEpoch: { mean: 1, std: 0 },
    perSeed,
  };
}

test('comparing rows: seed differences on common seeds, users matched by id, verdicts', () => {
  const base = row('anchorrec', [
    [1, 0.1],
    [2, 0.12],
    [3, 0.11],
  ]);
  const better = row('better', [
    [1, 0.15],
    [2, 0.16],
    [3, 0.17],
    [4, 0.5],
  ]); // seed 4: no pair
  const users = (id: string, vals: number[]): PerUserJson => ({
    metric: 'recall@20',
    epoch: 1,
    users: [5, 3, 9].slice(0, vals.length),
    values: vals,
  });
  // Per-user values for seeds 1 and 2 only; the baseline's lists the users in another order.
  const perUser: Record<string, PerUserJson> = {
    'anchorrec-1': { metric: 'recall@20', epoch: 1, users: [9, 5, 3], values: [0.3, 0, 0] },
    'anchorrec-2': { metric: 'recall@20', epoch: 1, users: [9, 5, 3], values: [0.36, 0, 0] },
    'better-1': users('better-1', [0.15, 0, 0.3]),
    'better-2': users('better-2', [0.18, 0.1, 0.2]),
  };
  const c = compareRows(better, base, (id) => perUser[id]);
  assert.deepEqual(c.seeds!.seeds, [1, 2, 3]);
  close(c.seeds!.mean, 0.05, 1e-12, 'mean seed difference');
  assert.deepEqual(c.bootstrap!.seeds, [1, 2]);
  assert.equal(c.bootstrap!.users, 3);
  assert.equal(c.bootstrap!.resamples, BOOTSTRAP_RESAMPLES);
  // User 5: (0.15 + 0.18) / 2, user 3: (0 + 0.1) / 2, user 9: (0.3 - 0.3 + 0.2 - 0.36) / 2.
  close(c.bootstrap!.mean, (0.165 + 0.05 - 0.08) / 3, 1e-12, 'mean user difference');
  assert.ok(c.bootstrap!.ci[0] < 0 && c.bootstrap!.ci[1] > 0);
  assert.equal(c.verdict, 'within noise', 'the user interval contains 0');

  // Without per-user values: the seed comparison alone decides, the bootstrap is n/a.
  const alone = compareRows(better, base, () => undefined);
  assert.equal(alone.bootstrap, null);
  assert.ok(alone.seeds!.ci[0] > 0);
  assert.equal(alone.verdict, 'higher');
  const worse = compareRows(
    row('worse', [
      [1, 0.05],
      [2, 0.06],
      [3, 0.04],
    ]),
    base,
    () => undefined,
  );
  assert.equal(worse.verdict, 'lower');
  const single = compareRows(row('one', [[1, 0.05]]), base, () => undefined);
  assert.equal(single.seeds, null);
  assert.equal(single.verdict, 'n/a');

  const all = compareWithBaseline([base, better], 'anchorrec', () => undefined);
  assert.deepEqual(
    all.map((x) => x.model),
    ['better'],
  );
  assert.deepEqual(
    compareWithBaseline([better], 'anchorrec', () => undefined),
    [],
  );
});
