/**
 * Statistical checks of random streams: each returns a p-value (or several) under the hypothesis that the
 * stream does what it claims (uniform, independent, the stated law). The rng-quality tests apply them to
 * anchorflow's streams and to deliberately broken ones, to show they pass the first and flag the second.
 */
import { chiSquare, chiSquareUniform, correlationP, pearson, type ChiSquare } from '../../src/util/stats.js';
import { Rng, type RandomStream } from '../../src/util/rng.js';

/**
 * Per-check significance: a family of up to 200 checks at an overall 1e-3 (Bonferroni), so a sound stream
 * fails none of them by chance (the seeds are fixed too, so the outcome is the same on every run).
 */
export const ALPHA = 1e-3 / 200;

/** The sampling interface the checks need; a RandomStream has it, and so do the broken generators below. */
export interface IntSource {
  int(n: number): number;
  next(): number;
}

/** Chi-square of `draws` values of int(n) against the uniform law on 0..n-1. */
export function intUniformity(src: IntSource, n: number, draws: number): ChiSquare {
  const counts = new Float64Array(n);
  for (let i = 0; i < draws; i++) counts[src.int(n)]!++;
  return chiSquareUniform(counts);
}

/** Chi-square of int(n)'s value modulo m: catches biases that repeat with a period, as multiply-shift's do. */
export function intResidues(src: IntSource, n: number, m: number, draws: number): ChiSquare {
  const counts = new Float64Array(m);
  for (let i = 0; i < draws; i++) counts[src.int(n) % m]!++;
  // Exact expectation: the residue classes of 0..n-1 are not all the same size when m does not divide n.
  const expected = new Float64Array(m);
  for (let r = 0; r < m; r++) expected[r] = (Math.floor((n - 1 - r) / m) + 1) * (draws / n);
  return chiSquare(counts, expected);
}

/**
 * Where each element lands after `shuffles` shuffles of 0..n-1: an n×n table that must be uniform. Rows and
 * columns each sum to `shuffles`, so the table has (n-1)² degrees of freedom.
 */
export function shufflePositions(shuffle: (a: Int32Array) => void, n: number, shuffles: number): ChiSquare {
  const table = new Float64Array(n * n);
  const a = new Int32Array(n);
  for (let s = 0; s < shuffles; s++) {
    for (let i = 0; i < n; i++) a[i] = i;
    shuffle(a);
    for (let pos = 0; pos < n; pos++) table[a[pos]! * n + pos]!++;
  }
  return chiSquare(table, new Float64Array(n * n).fill(shuffles / n), (n - 1) * (n - 1));
}

/** Lag-k serial correlation of next() and its p-value. */
export function serialCorrelation(src: IntSource, lag: number, draws: number): { r: number; p: number } {
  const x = new Float64Array(draws);
  for (let i = 0; i < draws; i++) x[i] = src.next();
  const r = pearson(x.subarray(0, draws - lag), x.subarray(lag));
  return { r, p: correlationP(r, draws - lag) };
}

/**
 * Serial pairs test: non-overlapping pairs of consecutive int(k) values must be uniform on the k×k grid
 * (catches any dependence between neighbours, not only a linear one).
 */
export function serialPairs(src: IntSource, k: number, pairs: number): ChiSquare {
  const counts = new Float64Array(k * k);
  for (let i = 0; i < pairs; i++) {
    const a = src.int(k);
    counts[a * k + src.int(k)]!++;
  }
  return chiSquareUniform(counts);
}

/** Joint uniformity and correlation of two streams read side by side. */
export function crossStreams(
  a: IntSource,
  b: IntSource,
  k: number,
  draws: number,
): { pairs: ChiSquare; r: number; p: number } {
  const counts = new Float64Array(k * k);
  const xa = new Float64Array(draws);
  const xb = new Float64Array(draws);
  for (let i = 0; i < draws; i++) {
    xa[i] = a.next();
    xb[i] = b.next();
    counts[Math.floor(xa[i]! * k) * k + Math.floor(xb[i]! * k)]!++;
  }
  const r = pearson(xa, xb);
  return { pairs: chiSquareUniform(counts), r, p: correlationP(r, draws) };
}

/**
 * Across many seeds s: the j-th output of stream A(s) against the j-th output of stream B(s), for the first
 * `outputs` outputs. With B(s) = A(s + 1) this shows poor seeding (--seeds uses consecutive seeds); with A, B
 * two forks of one seed it shows forks that start out alike.
 */
export function acrossSeeds(
  makeA: (seed: number) => IntSource,
  makeB: (seed: number) => IntSource,
  seeds: number,
  outputs: number,
  k = 8,
): { pairs: ChiSquare; r: number; p: number } {
  const counts = new Float64Array(k * k);
  const xa = new Float64Array(seeds * outputs);
  const xb = new Float64Array(seeds * outputs);
  for (let s = 0; s < seeds; s++) {
    const a = makeA(s);
    const b = makeB(s);
    for (let j = 0; j < outputs; j++) {
      const i = s * outputs + j;
      xa[i] = a.next();
      xb[i] = b.next();
      counts[Math.floor(xa[i]! * k) * k + Math.floor(xb[i]! * k)]!++;
    }
  }
  const r = pearson(xa, xb);
  return { pairs: chiSquareUniform(counts), r, p: correlationP(r, xa.length) };
}

/** z-statistic p-values for a sample's mean and variance against the law's, given its 4th central moment. */
export function momentsCheck(
  x: ArrayLike<number>,
  mean: number,
  variance: number,
  fourth: number,
): { pMean: number; pVar: number; m: number; v: number } {
  const n = x.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i]!;
  const m = s / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (x[i]! - mean) * (x[i]! - mean);
  const v = ss / n;
  const zMean = (m - mean) / Math.sqrt(variance / n);
  const zVar = (v - variance) / Math.sqrt((fourth - variance * variance) / n);
  return { pMean: correlationP(zMean, 1), pVar: correlationP(zVar, 1), m, v };
}

/**
 * Chi-square of values pushed through the law's CDF into `bins` equal cells of [0, 1) (probability integral transform).
 */
export function cdfUniformity(x: ArrayLike<number>, cdf: (v: number) => number, bins = 100): ChiSquare {
  const counts = new Float64Array(bins);
  for (let i = 0; i < x.length; i++) counts[Math.min(bins - 1, Math.floor(cdf(x[i]!) * bins))]!++;
  return chiSquareUniform(counts);
}

// --- Deliberately broken generators, for showing that the checks can fail ---

/** A 16-bit LCG whose int(n) is `word % n`: modulo bias, and low bits with a short period. */
export class SmallWordModulo implements IntSource {
  private x: number;
  constructor(seed: number) {
    this.x = seed & 0xffff;
  }
  private word(): number {
    this.x = (Math.imul(this.x, 25173) + 13849) & 0xffff;
    return this.x;
  }
  int(n: number): number {
    return this.word() % n;
  }
  next(): number {
    return this.word() / 65536;
  }
}

/** The classic wrong Fisher-Yates: swaps with any position instead of one at or below i (not uniform). */
export function naiveShuffle(rng: RandomStream): (a: Int32Array) => void {
  return (a) => {
    for (let i = a.length - 1; i > 0; i--) {
      const j = rng.int(a.length);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
  };
}

/** sfc32 seeded with the raw seed and no mixing or warm-up: neighbouring seeds start out nearly alike. */
export class RawSeededSfc32 implements IntSource {
  // The project's own sfc32 step, given the raw state directly: no splitmix mixing and no warm-up rounds.
  private readonly rng: Rng;
  constructor(seed: number) {
    this.rng = new Rng(Uint32Array.from([seed >>> 0, 0, 0, 1]));
  }
  next(): number {
    return this.rng.next();
  }
  int(n: number): number {
    return this.rng.int(n);
  }
}
