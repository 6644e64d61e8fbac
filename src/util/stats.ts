/**
 * Small statistical tests with exact-enough p-values, for judging random streams (chi-square goodness of fit,
 * correlation) and for comparing per-seed results of two variants (Welch's t, Mann-Whitney U). Plain numbers
 * in, plain numbers out, so the tests and the parity study script share one implementation.
 */

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; about 15 significant digits). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularised upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a). */
export function gammaQ(a: number, x: number): number {
  if (!(a > 0) || x < 0) throw new RangeError(`gammaQ needs a > 0 and x >= 0, got a=${a}, x=${x}`);
  if (x === 0) return 1;
  const lnPre = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    // Series for P(a, x); Q = 1 - P.
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 10000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return Math.max(0, 1 - sum * Math.exp(lnPre));
  }
  // Continued fraction for Q (modified Lentz).
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return Math.exp(lnPre) * h;
}

/** P(X >= stat) for X ~ χ²(df). */
export function chiSquareSf(stat: number, df: number): number {
  return gammaQ(df / 2, Math.max(0, stat) / 2);
}

export interface ChiSquare {
  stat: number;
  df: number;
  p: number;
}

/**
 * Pearson's goodness-of-fit: observed counts against expected counts (same total). `df` defaults to
 * cells - 1; pass it when the counts have more constraints (a contingency table has (r-1)(c-1)).
 * Cells with zero expectation must have zero observations (else p = 0).
 */
export function chiSquare(
  observed: ArrayLike<number>,
  expected: ArrayLike<number>,
  df = observed.length - 1,
): ChiSquare {
  if (observed.length !== expected.length) throw new RangeError('observed and expected differ in length');
  let stat = 0;
  let cells = 0;
  for (let i = 0; i < observed.length; i++) {
    const e = expected[i]!;
    const o = observed[i]!;
    if (e === 0) {
      if (o !== 0) return { stat: Infinity, df, p: 0 };
      continue;
    }
    stat += ((o - e) * (o - e)) / e;
    cells++;
  }
  if (cells < 2) throw new RangeError('chi-square needs at least two cells with positive expectation');
  return { stat, df, p: chiSquareSf(stat, df) };
}

/** Chi-square of counts against the uniform law over their cells. */
export function chiSquareUniform(observed: ArrayLike<number>): ChiSquare {
  let total = 0;
  for (let i = 0; i < observed.length; i++) total += observed[i]!;
  return chiSquare(observed, new Float64Array(observed.length).fill(total / observed.length));
}

/** Standard normal CDF Φ(z) (erfc by a Chebyshev fit, relative error below 1.2e-7). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Two-sided p-value of a standard normal statistic. */
export function normalTwoSided(z: number): number {
  return Math.min(1, 2 * (1 - normalCdf(Math.abs(z))));
}

/** Regularised incomplete beta I_x(a, b) (continued fraction). */
export function betaInc(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  if (x > (a + 1) / (a + b + 2)) return 1 - betaInc(1 - x, b, a);
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < 10000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return (Math.exp(lnFront) * h) / a;
}

/** Two-sided p-value of Student's t with df degrees of freedom (df may be fractional, as Welch's is). */
export function tTwoSided(t: number, df: number): number {
  if (!Number.isFinite(t)) return Number.isNaN(t) ? NaN : 0;
  return betaInc(df / (df + t * t), df / 2, 0.5);
}

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}

/** Sample variance (n − 1 in the denominator). */
export function sampleVariance(xs: ArrayLike<number>): number {
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i]! - m) * (xs[i]! - m);
  return s / (xs.length - 1);
}

export function sampleStd(xs: ArrayLike<number>): number {
  return Math.sqrt(sampleVariance(xs));
}

export interface TTest {
  t: number;
  df: number;
  p: number;
}

/** Welch's unequal-variance t-test of mean(a) − mean(b), two-sided. */
export function welchT(a: ArrayLike<number>, b: ArrayLike<number>): TTest {
  if (a.length < 2 || b.length < 2) return { t: NaN, df: NaN, p: NaN };
  const va = sampleVariance(a) / a.length;
  const vb = sampleVariance(b) / b.length;
  const se = Math.sqrt(va + vb);
  const diff = mean(a) - mean(b);
  if (se === 0)
    return { t: diff === 0 ? 0 : Math.sign(diff) * Infinity, df: a.length + b.length - 2, p: diff === 0 ? 1 : 0 };
  const df = ((va + vb) * (va + vb)) / ((va * va) / (a.length - 1) + (vb * vb) / (b.length - 1));
  const t = diff / se;
  return { t, df, p: tTwoSided(t, df) };
}

export interface UTest {
  /** U of the first sample: the number of pairs (x in a, y in b) with x > y, ties counted one half. */
  u: number;
  z: number;
  p: number;
}

/** Mann-Whitney U, two-sided, by the normal approximation with tie and continuity corrections. */
export function mannWhitneyU(a: ArrayLike<number>, b: ArrayLike<number>): UTest {
  const n1 = a.length;
  const n2 = b.length;
  const all = [...Array.from(a, (v) => ({ v, g: 0 })), ...Array.from(b, (v) => ({ v, g: 1 }))].sort(
    (x, y) => x.v - y.v,
  );
  const n = n1 + n2;
  let rankSumA = 0;
  let tieTerm = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && all[j + 1]!.v === all[i]!.v) j++;
    const rank = (i + j) / 2 + 1;
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    for (let k = i; k <= j; k++) if (all[k]!.g === 0) rankSumA += rank;
    i = j + 1;
  }
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const mu = (n1 * n2) / 2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  if (sigma === 0) return { u, z: 0, p: 1 };
  const d = u - mu;
  const z = (d - 0.5 * Math.sign(d)) / sigma;
  return { u, z, p: normalTwoSided(z) };
}

/** Pearson correlation of two equally long series. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = Math.min(x.length, y.length);
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += x[i]!;
    sy += y[i]!;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Two-sided p-value of a sample correlation r of n pairs under independence (r·√n is about N(0, 1)). */
export function correlationP(r: number, n: number): number {
  return normalTwoSided(r * Math.sqrt(n));
}
