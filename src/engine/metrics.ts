/**
 * Top-K ranking metrics with the definitions of MMRec (enoche/MMRec, utils/metrics.py + topk_evaluator.py), so
 * our numbers are comparable with the published tables:
 * - Recall@K    = hits@K / |T|       (|T| = the user's valid/test rows, a duplicated row counted twice as in MMRec's
 *                                  pos_len; not min(|T|, K)); a ranked item is a hit once
 * - Precision@K = hits@K / K
 * - NDCG@K      = DCG@K / IDCG@K, binary gain, discount 1 / log2(rank + 1) (ranks from 1), IDCG over min(|T|, K)
 * - MAP@K       = (sum over ranks r <= K of Precision@r * rel_r) / min(|T|, K)
 * - Recall2@K   = sum over users of hits@K / sum over users of |T| (MMRec's pooled recall; optional)
 * Each is averaged over the evaluated users (Recall2 excepted). MMRec rounds to 4 decimals; we do not.
 *
 * A "hit vector" is 1/0 per rank of the user's ranked list, best first.
 */
import type { Metrics } from './events.js';

export const METRIC_NAMES = ['recall', 'precision', 'ndcg', 'map', 'recall2'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

function hitsAt(hits: ArrayLike<number>, k: number): number {
  let h = 0;
  const n = Math.min(k, hits.length);
  for (let r = 0; r < n; r++) h += hits[r]!;
  return h;
}

function checkArgs(nRelevant: number, k: number): void {
  if (!(k >= 1) || !Number.isInteger(k)) throw new Error(`metrics: K must be a positive integer, got ${k}`);
  if (!(nRelevant >= 1)) throw new Error(`metrics: a user needs at least one relevant item, got ${nRelevant}`);
}

export function recallAt(hits: ArrayLike<number>, nRelevant: number, k: number): number {
  checkArgs(nRelevant, k);
  return hitsAt(hits, k) / nRelevant;
}

/** Divides by K even when the list is shorter than K (MMRec always ranks K items). */
export function precisionAt(hits: ArrayLike<number>, k: number): number {
  checkArgs(1, k);
  return hitsAt(hits, k) / k;
}

export function ndcgAt(hits: ArrayLike<number>, nRelevant: number, k: number): number {
  checkArgs(nRelevant, k);
  let dcg = 0;
  const n = Math.min(k, hits.length);
  for (let r = 0; r < n; r++) if (hits[r]) dcg += 1 / Math.log2(r + 2);
  let idcg = 0;
  const ideal = Math.min(nRelevant, k);
  for (let r = 0; r < ideal; r++) idcg += 1 / Math.log2(r + 2);
  return dcg / idcg;
}

export function mapAt(hits: ArrayLike<number>, nRelevant: number, k: number): number {
  checkArgs(nRelevant, k);
  let h = 0;
  let sum = 0;
  const n = Math.min(k, hits.length);
  for (let r = 0; r < n; r++) {
    if (hits[r]) {
      h++;
      sum += h / (r + 1); // Precision@(r+1) at a relevant rank
    }
  }
  return sum / Math.min(nRelevant, k);
}

/** Parses a metric name (case-insensitive); throws on an unknown one. */
export function metricName(m: string): MetricName {
  const low = m.toLowerCase();
  if (!(METRIC_NAMES as readonly string[]).includes(low)) {
    throw new Error(`unknown metric '${m}' (known: ${METRIC_NAMES.join(', ')})`);
  }
  return low as MetricName;
}

/**
 * Sums per-user metric values for several K and returns their means, keyed `<metric>@<K>` (`recall@20`).
 * One pass over the hit vector per user computes every K at once.
 */
export class MetricAccumulator {
  readonly ks: number[];
  readonly metrics: MetricName[];
  private readonly maxK: number;
  private readonly sums: Float64Array; // [metric][k]
  private users = 0;
  private relevantTotal = 0;
  // Per-rank scratch, reused for every user.
  private readonly cumHits: Float64Array;
  private readonly cumDcg: Float64Array;
  private readonly cumAp: Float64Array;
  private readonly idcg: Float64Array;

  constructor(ks: number[], metrics: string[]) {
    if (ks.length === 0) throw new Error('metrics: no K given');
    for (const k of ks) checkArgs(1, k);
    this.ks = [...ks];
    this.metrics = metrics.map(metricName);
    this.maxK = Math.max(...ks);
    this.sums = new Float64Array(this.metrics.length * ks.length);
    this.cumHits = new Float64Array(this.maxK + 1);
    this.cumDcg = new Float64Array(this.maxK + 1);
    this.cumAp = new Float64Array(this.maxK + 1);
    this.idcg = new Float64Array(this.maxK + 1);
    for (let r = 0; r < this.maxK; r++) this.idcg[r + 1] = this.idcg[r]! + 1 / Math.log2(r + 2);
  }

  get count(): number {
    return this.users;
  }

  /**
   * Adds one user: `hits` is the 1/0 relevance of the ranked list (at least max(K) long, or shorter if fewer items).
   */
  addUser(hits: ArrayLike<number>, nRelevant: number): void {
    checkArgs(nRelevant, 1);
    const { cumHits, cumDcg, cumAp, idcg, maxK } = this;
    for (let r = 0; r < maxK; r++) {
      const hit = r < hits.length && hits[r] ? 1 : 0;
      cumHits[r + 1] = cumHits[r]! + hit;
      cumDcg[r + 1] = cumDcg[r]! + (hit ? 1 / Math.log2(r + 2) : 0);
      cumAp[r + 1] = cumAp[r]! + (hit ? cumHits[r + 1]! / (r + 1) : 0);
    }
    const nk = this.ks.length;
    for (let m = 0; m < this.metrics.length; m++) {
      for (let j = 0; j < nk; j++) {
        const k = this.ks[j]!;
        const lim = Math.min(nRelevant, k);
        let v: number;
        switch (this.metrics[m]!) {
          case 'recall':
            v = cumHits[k]! / nRelevant;
            break;
          case 'precision':
            v = cumHits[k]! / k;
            break;
          case 'ndcg':
            v = cumDcg[k]! / idcg[lim]!;
            break;
          case 'map':
            v = cumAp[k]! / lim;
            break;
          case 'recall2':
            v = cumHits[k]!; // pooled: divided by the total of |T| at the end
            break;
        }
        this.sums[m * nk + j]! += v;
      }
    }
    this.users++;
    this.relevantTotal += nRelevant;
  }

  /** Means over the users added; 0 for every key when none was added (so comparisons stay defined). */
  result(): Metrics {
    const out: Metrics = {};
    const nk = this.ks.length;
    for (let m = 0; m < this.metrics.length; m++) {
      const name = this.metrics[m]!;
      const denom = name === 'recall2' ? this.relevantTotal : this.users;
      for (let j = 0; j < nk; j++) out[`${name}@${this.ks[j]}`] = denom > 0 ? this.sums[m * nk + j]! / denom : 0;
    }
    return out;
  }
}
