import type { Metrics } from '../engine/events.js';
import type { Rng } from '../util/rng.js';
import { betaInc } from '../util/stats.js';

/** Mean and sample standard deviation (n - 1; 0 for a single seed) of each metric over seeds. */
export function meanStd(rows: Metrics[]): { mean: Metrics; std: Metrics } {
  const mean: Metrics = {};
  const std: Metrics = {};
  if (!rows.length) return { mean, std };
  for (const k of Object.keys(rows[0]!)) {
    const xs = rows.map((r) => r[k]!).filter((x) => x !== undefined);
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    mean[k] = m;
    std[k] = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) : 0;
  }
  return { mean, std };
}

/** P(T <= t) for Student's t with `df` degrees of freedom. */
export function tCdf(t: number, df: number): number {
  if (!(df > 0)) throw new Error(`tCdf: degrees of freedom must be positive, got ${df}`);
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const tail = 0.5 * betaInc(df / (df + t * t), df / 2, 0.5); // P(T > |t|)
  return t > 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t with `df` degrees of freedom (bisection on tCdf, to double precision). */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`tQuantile: p must be in (0, 1), got ${p}`);
  if (p < 0.5) return -tQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (tCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Mean of paired differences with its 95% t-interval and the two-sided paired t-test p-value (H0: mean 0). */
export interface PairedT {
  n: number;
  mean: number;
  /** Sample standard deviation of the differences. */
  sd: number;
  ci: [number, number];
  p: number;
}

/** The paired t statistics of `diffs` (one difference per pair); undefined below two pairs. */
export function pairedT(diffs: number[]): PairedT | undefined {
  const n = diffs.length;
  if (n < 2) return undefined;
  const mean = diffs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(diffs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const se = sd / Math.sqrt(n);
  if (se === 0) return { n, mean, sd, ci: [mean, mean], p: mean === 0 ? 1 : 0 };
  const half = tQuantile(0.975, n - 1) * se;
  const p = 2 * (1 - tCdf(Math.abs(mean) / se, n - 1));
  return { n, mean, sd, ci: [mean - half, mean + half], p };
}

/** The q-quantile of sorted values, interpolating linearly between order statistics. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q;
  const i = Math.floor(h);
  const j = Math.min(i + 1, sorted.length - 1);
  return sorted[i]! + (h - i) * (sorted[j]! - sorted[i]!);
}

/** A percentile bootstrap interval of a mean. */
export interface BootstrapInterval {
  mean: number;
  ci: [number, number];
  resamples: number;
}

/**
 * 95% percentile bootstrap interval of the mean of `values` (one per user): `resamples` resamples of the users
 * with replacement, drawn from `rng` (a fixed seed makes the interval repeatable).
 */
export function bootstrapMean(values: ArrayLike<number>, resamples: number, rng: Rng): BootstrapInterval {
  const n = values.length;
  if (n === 0) throw new Error('bootstrapMean: no values');
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[rng.int(n)]!;
    means[r] = s / n;
  }
  means.sort();
  return { mean: sum / n, ci: [quantileSorted(means, 0.025), quantileSorted(means, 0.975)], resamples };
}
