/**
 * The statistics against scipy 1.10 (/usr/bin/python3): chi2.sf, ttest_ind(equal_var=False),
 * mannwhitneyu(alternative='two-sided', method='asymptotic', use_continuity=True), t.sf, norm.cdf.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chiSquare,
  chiSquareSf,
  chiSquareUniform,
  mannWhitneyU,
  normalCdf,
  sampleStd,
  tTwoSided,
  welchT,
} from '../../src/util/stats.js';

const close = (a: number, b: number, rel: number, what: string) =>
  assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${what}: ${a} vs ${b}`);

test('chi-square survival function matches scipy over small and large degrees of freedom', () => {
  close(chiSquareSf(3.841458820694124, 1), 0.05, 1e-9, 'df 1');
  close(chiSquareSf(120.5, 99), 0.06995556459600587, 1e-9, 'df 99');
  close(chiSquareSf(5000, 4900), 0.1562274137489366, 1e-8, 'df 4900');
  close(chiSquareSf(0.3, 3), 0.9600284803068776, 1e-9, 'df 3');
  assert.equal(chiSquareSf(0, 5), 1);
});

test('chiSquare: uniform counts, degrees of freedom, impossible cells', () => {
  const c = chiSquareUniform([10, 10, 10, 10]);
  assert.deepEqual([c.stat, c.df, c.p], [0, 3, 1]);
  assert.equal(chiSquareUniform([40, 0, 0, 0]).p < 1e-15, true);
  assert.equal(chiSquare([1, 2, 3], [3, 3, 0]).p, 0, 'an observation where none can be');
  assert.equal(chiSquare([3, 3, 0], [3, 3, 0], 1).df, 1);
});

test('Welch t and Mann-Whitney U match scipy', () => {
  const a = [0.0932, 0.0951, 0.0917, 0.094, 0.0925, 0.0938, 0.0911, 0.0944];
  const b = [0.0945, 0.0962, 0.0921, 0.0978, 0.095, 0.0939, 0.0968, 0.0955];
  const w = welchT(a, b);
  close(w.t, -2.51442353486299, 1e-9, 'Welch t');
  close(w.p, 0.025703702314131306, 1e-6, 'Welch p');
  const u = mannWhitneyU(a, b);
  assert.equal(u.u, 11);
  close(u.p, 0.031324130877889995, 1e-5, 'U p');
  const ties = mannWhitneyU([1, 2, 2, 3, 3, 3], [2, 3, 4, 4, 5]);
  assert.equal(ties.u, 5.5);
  close(ties.p, 0.08871369199677616, 1e-5, 'U p with ties');
  close(tTwoSided(2, 7.3), 0.08394103933410305, 1e-9, 't two-sided');
  close(normalCdf(-2.5), 0.006209665325776132, 1e-6, 'Φ(-2.5)');
  close(sampleStd([1, 2, 3, 4]), Math.sqrt(5 / 3), 1e-12, 'sample std');
});
