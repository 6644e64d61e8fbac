/**
 * The embedding-space measures behind the paper's Figures 1, 4 and 5 (section 4.2 (2)-(3)). Every function
 * here is pure computation over matrices already in memory; loading a run lives in load.ts.
 *
 * Space names: `f_<m>` raw pretrained features, `h_<m>` original-space item embeddings, `p_<m>` projection-
 * domain embeddings, for m in mm (multimodal), t (text), v (vision) and id (the ID/CF embedding; no f_id), and
 * `item`, the final fused item embedding that is scored against users.
 */
import type { Interactions } from '../data/types.js';
import { Rng } from '../util/rng.js';
import { neighborhoodOverlap, rowCosine, topKNeighbors, type Matrix, type Neighborhoods } from './neighbors.js';

export const MODALITIES = ['mm', 't', 'v'] as const;
/** Display and matrix order of the spaces: Figure 4's f / h / p blocks, then id and the final item. */
export const SPACE_ORDER = [
  'f_mm',
  'f_t',
  'f_v',
  'h_mm',
  'h_t',
  'h_v',
  'p_mm',
  'p_t',
  'p_v',
  'h_id',
  'p_id',
  'item',
] as const;
export const ORIGINAL_SPACES = ['h_id', 'h_mm', 'h_t', 'h_v'] as const;
export const PROJECTION_SPACES = ['p_id', 'p_mm', 'p_t', 'p_v'] as const;

const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const r4 = (x: number): number => (Number.isFinite(x) ? Math.round(x * 1e4) / 1e4 : x);

/* ------------------------------------------------------------------------------------------------------ */
/* Figure 4: the overlap matrix                                                                           */
/* ------------------------------------------------------------------------------------------------------ */

export interface OverlapResult {
  k: number;
  spaces: string[];
  /** matrix[a][b] = neighbourhoodOverlap(space a, space b); symmetric, 1 on the diagonal. */
  matrix: number[][];
}

/** Top-K neighbourhoods of every space (one tfjs pass per space). */
export function neighborhoodsOf(spaces: Record<string, Matrix>, k: number): Record<string, Neighborhoods> {
  const out: Record<string, Neighborhoods> = {};
  for (const [name, m] of Object.entries(spaces)) out[name] = topKNeighbors(m, k);
  return out;
}

/** Spaces in SPACE_ORDER first, then any others alphabetically. */
export function orderSpaces(names: string[]): string[] {
  const known = SPACE_ORDER.filter((s) => names.includes(s)) as string[];
  return [...known, ...names.filter((n) => !known.includes(n)).sort()];
}

export function overlapMatrix(nbrs: Record<string, Neighborhoods>): OverlapResult {
  const spaces = orderSpaces(Object.keys(nbrs));
  const matrix = spaces.map(() => spaces.map(() => 0));
  for (let a = 0; a < spaces.length; a++) {
    matrix[a]![a] = 1;
    for (let b = a + 1; b < spaces.length; b++) {
      const v = r4(neighborhoodOverlap(nbrs[spaces[a]!]!, nbrs[spaces[b]!]!));
      matrix[a]![b] = v;
      matrix[b]![a] = v;
    }
  }
  return { k: Object.values(nbrs)[0]?.k ?? 0, spaces, matrix };
}

export function overlapOf(o: OverlapResult, a: string, b: string): number | undefined {
  const i = o.spaces.indexOf(a);
  const j = o.spaces.indexOf(b);
  return i < 0 || j < 0 ? undefined : o.matrix[i]![j];
}

/* ------------------------------------------------------------------------------------------------------ */
/* Positional collapse                                                                                   */
/* ------------------------------------------------------------------------------------------------------ */

export interface CollapseStats {
  /** The modality spaces compared (all of one width). */
  spaces: string[];
  /** Mean over items of the mean pairwise cosine similarity among the item's modality embeddings. */
  meanPairwiseCosine: number;
  /**
   * Mean over items of the mean Euclidean distance of the item's L2-normalised modality embeddings to their centroid (0
   * = collapsed; at most 1).
   */
  meanCentroidDistance: number;
  /** The same without normalising (in the embeddings' own units). */
  meanCentroidDistanceRaw: number;
  /** Mean over items of the cosine of each pair, keyed `a|b`. */
  pairs: Record<string, number>;
}

/**
 * Collapse of one domain (original or projection): for each item i, the cosine similarity of every pair of
 * its modality embeddings, averaged over pairs and then over items. Identical embeddings give 1; independent
 * random ones about 0. Returns undefined with fewer than two spaces of a common width.
 */
export function collapseStats(spaces: Record<string, Matrix>, names: readonly string[]): CollapseStats | undefined {
  const avail = names.filter((s) => spaces[s]);
  if (avail.length < 2) return undefined;
  const d = spaces[avail[0]!]!.cols;
  const n = spaces[avail[0]!]!.rows;
  const used = avail.filter((s) => spaces[s]!.cols === d && spaces[s]!.rows === n);
  if (used.length < 2) return undefined;
  const ms = used.map((s) => spaces[s]!);
  const pairKeys: [number, number][] = [];
  for (let a = 0; a < ms.length; a++) for (let b = a + 1; b < ms.length; b++) pairKeys.push([a, b]);
  const pairSums = pairKeys.map(() => 0);
  let distSum = 0;
  let rawSum = 0;
  const unit = new Float64Array(ms.length * d);
  const raw = new Float64Array(ms.length * d);
  const cU = new Float64Array(d);
  const cR = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    cU.fill(0);
    cR.fill(0);
    for (let a = 0; a < ms.length; a++) {
      const src = ms[a]!.data;
      let nn = 0;
      for (let c = 0; c < d; c++) nn += src[i * d + c]! * src[i * d + c]!;
      const inv = nn > 0 ? 1 / Math.sqrt(nn) : 0;
      for (let c = 0; c < d; c++) {
        const v = src[i * d + c]!;
        raw[a * d + c] = v;
        unit[a * d + c] = v * inv;
        cU[c]! += (v * inv) / ms.length;
        cR[c]! += v / ms.length;
      }
    }
    pairKeys.forEach(([a, b], p) => {
      let dot = 0;
      for (let c = 0; c < d; c++) dot += unit[a * d + c]! * unit[b * d + c]!;
      pairSums[p]! += dot;
    });
    let dist = 0;
    let distRaw = 0;
    for (let a = 0; a < ms.length; a++) {
      let s = 0;
      let sr = 0;
      for (let c = 0; c < d; c++) {
        s += (unit[a * d + c]! - cU[c]!) ** 2;
        sr += (raw[a * d + c]! - cR[c]!) ** 2;
      }
      dist += Math.sqrt(s);
      distRaw += Math.sqrt(sr);
    }
    distSum += dist / ms.length;
    rawSum += distRaw / ms.length;
  }
  const pairs: Record<string, number> = {};
  pairKeys.forEach(([a, b], p) => (pairs[`${used[a]}|${used[b]}`] = r4(pairSums[p]! / n)));
  return {
    spaces: used,
    meanPairwiseCosine: r4(mean(Object.values(pairs))),
    meanCentroidDistance: r4(distSum / n),
    meanCentroidDistanceRaw: r4(rawSum / n),
    pairs,
  };
}

/* ------------------------------------------------------------------------------------------------------ */
/* ID dominance                                                                                          */
/* ------------------------------------------------------------------------------------------------------ */

export interface DominanceStats {
  /** overlap(item, h_id), when h_id exists. */
  withId?: number;
  /** overlap(item, h_m) per modality m that exists. */
  withOriginal: Record<string, number>;
  /** overlap(item, f_m) per modality m that exists. */
  withFeatures: Record<string, number>;
  /**
   * withId / (withId + mean_m withFeatures[m]): the share of the final item's neighbourhood agreement that
   * goes to the ID space rather than to the raw modality features. 0.5 = balanced; near 1 = ID-dominated.
   */
  index?: number;
}

export function dominanceStats(o: OverlapResult): DominanceStats | undefined {
  if (!o.spaces.includes('item')) return undefined;
  const withOriginal: Record<string, number> = {};
  const withFeatures: Record<string, number> = {};
  for (const m of MODALITIES) {
    const h = overlapOf(o, 'item', `h_${m}`);
    const f = overlapOf(o, 'item', `f_${m}`);
    if (h !== undefined) withOriginal[m] = h;
    if (f !== undefined) withFeatures[m] = f;
  }
  const withId = overlapOf(o, 'item', 'h_id');
  const out: DominanceStats = { withOriginal, withFeatures };
  if (withId !== undefined) {
    out.withId = withId;
    const fm = mean(Object.values(withFeatures));
    if (Number.isFinite(fm) && withId + fm > 0) out.index = r4(withId / (withId + fm));
  }
  return out;
}

/* ------------------------------------------------------------------------------------------------------ */
/* 2-hop interaction proximity and neighbour retrieval (Figure 5a)                                        */
/* ------------------------------------------------------------------------------------------------------ */

/** The train graph as distinct users per item (CSR, ascending). */
export interface ItemUsers {
  indptr: Int32Array;
  indices: Int32Array;
}

export function buildItemUsers(train: Interactions, nItems: number): ItemUsers {
  const lists: number[][] = Array.from({ length: nItems }, () => []);
  for (let r = 0; r < train.items.length; r++) lists[train.items[r]!]!.push(train.users[r]!);
  const indptr = new Int32Array(nItems + 1);
  const flat: number[] = [];
  for (let i = 0; i < nItems; i++) {
    const uniq = [...new Set(lists[i]!)].sort((a, b) => a - b);
    flat.push(...uniq);
    indptr[i + 1] = flat.length;
  }
  return { indptr, indices: Int32Array.from(flat) };
}

/**
 * 2-hop interaction proximity of items i and j in the train graph. `paths` is the number of distinct
 * item -> user -> item paths from i to j, i.e. the number of users who interacted with both;
 * `normalized` = paths / sqrt(deg(i) * deg(j)) with deg = number of distinct train users of the item (the cosine
 * of the two items' binary interaction columns), in [0, 1]; 0 when either item has no train interactions.
 */
export function twoHop(g: ItemUsers, i: number, j: number): { paths: number; normalized: number } {
  let a = g.indptr[i]!;
  const ae = g.indptr[i + 1]!;
  let b = g.indptr[j]!;
  const be = g.indptr[j + 1]!;
  const di = ae - a;
  const dj = be - b;
  let paths = 0;
  while (a < ae && b < be) {
    const x = g.indices[a]!;
    const y = g.indices[b]!;
    if (x === y) {
      paths++;
      a++;
      b++;
    } else if (x < y) a++;
    else b++;
  }
  return { paths, normalized: di > 0 && dj > 0 ? paths / Math.sqrt(di * dj) : 0 };
}

/** S distinct items drawn uniformly (seeded) from those with at least one train interaction, ascending. */
export function sampleItems(g: ItemUsers, s: number, seed: number): number[] {
  const pool: number[] = [];
  for (let i = 0; i + 1 < g.indptr.length; i++) if (g.indptr[i + 1]! > g.indptr[i]!) pool.push(i);
  new Rng(seed).fork('analysis-sample').shuffle(pool);
  return pool.slice(0, Math.min(s, pool.length)).sort((a, b) => a - b);
}

export interface RetrievalTarget {
  item: number;
  neighbors: number[];
  twoHop: number[];
  paths: number[];
  text?: number[];
  vision?: number[];
}

export interface RetrievalStats {
  /** Neighbours per target (top-3 in the paper). */
  top: number;
  /** The space the neighbours are retrieved in (the final item embedding). */
  space: string;
  targets: number;
  /** Means over targets and their neighbours. */
  mean: { twoHop: number; paths: number; text?: number; vision?: number };
  /** The same averages for random item pairs (the same targets, uniformly drawn partners): chance level. */
  random: { twoHop: number; paths: number; text?: number; vision?: number };
  perTarget: RetrievalTarget[];
}

/**
 * For each sampled target, its `top` nearest items in `nbrs` (the final item space) and, averaged over the
 * targets and neighbours: normalised 2-hop proximity, raw path count, and the cosine similarity of the raw
 * text (f_t) and vision (f_v) features of target and neighbour.
 */
export function retrievalStats(
  nbrs: Neighborhoods,
  g: ItemUsers,
  targets: number[],
  feats: { t?: Matrix; v?: Matrix },
  opts: { top?: number; seed?: number; space?: string } = {},
): RetrievalStats {
  const top = Math.min(opts.top ?? 3, nbrs.k);
  const perTarget: RetrievalTarget[] = [];
  const acc = { twoHop: [] as number[], paths: [] as number[], text: [] as number[], vision: [] as number[] };
  const rnd = { twoHop: [] as number[], paths: [] as number[], text: [] as number[], vision: [] as number[] };
  const rng = new Rng(opts.seed ?? 0).fork('analysis-random-pairs');
  for (const i of targets) {
    const neighbors = Array.from(nbrs.idx.subarray(i * nbrs.k, i * nbrs.k + top));
    const t: RetrievalTarget = { item: i, neighbors, twoHop: [], paths: [] };
    if (feats.t) t.text = [];
    if (feats.v) t.vision = [];
    for (const j of neighbors) {
      const h = twoHop(g, i, j);
      t.twoHop.push(r4(h.normalized));
      t.paths.push(h.paths);
      acc.twoHop.push(h.normalized);
      acc.paths.push(h.paths);
      if (feats.t) {
        const c = rowCosine(feats.t, i, feats.t, j);
        t.text!.push(r4(c));
        acc.text.push(c);
      }
      if (feats.v) {
        const c = rowCosine(feats.v, i, feats.v, j);
        t.vision!.push(r4(c));
        acc.vision.push(c);
      }
      // A random partner for the chance level.
      let r = rng.int(nbrs.n - 1);
      if (r >= i) r++;
      const hr = twoHop(g, i, r);
      rnd.twoHop.push(hr.normalized);
      rnd.paths.push(hr.paths);
      if (feats.t) rnd.text.push(rowCosine(feats.t, i, feats.t, r));
      if (feats.v) rnd.vision.push(rowCosine(feats.v, i, feats.v, r));
    }
    perTarget.push(t);
  }
  const summarise = (a: typeof acc) => {
    const o: RetrievalStats['mean'] = { twoHop: r4(mean(a.twoHop)), paths: r4(mean(a.paths)) };
    if (feats.t) o.text = r4(mean(a.text));
    if (feats.v) o.vision = r4(mean(a.vision));
    return o;
  };
  return {
    top,
    space: opts.space ?? 'item',
    targets: targets.length,
    mean: summarise(acc),
    random: summarise(rnd),
    perTarget,
  };
}

/* ------------------------------------------------------------------------------------------------------ */
/* Figure 1: t-SNE                                                                                        */
/* ------------------------------------------------------------------------------------------------------ */

export interface TsneOptions {
  perplexity?: number;
  iterations?: number;
  /** Iterations with exaggerated P and momentum 0.5. */
  exaggerationIters?: number;
  exaggeration?: number;
  learningRate?: number;
  seed?: number;
}

/**
 * Exact t-SNE (van der Maaten & Hinton 2008) of `n` points of width `d` into 2-D: Gaussian affinities with a
 * per-point bandwidth found by bisection to match the perplexity, symmetrised; Student-t similarities in the
 * map; gradient descent with momentum (0.5, then 0.8), per-parameter gains and early exaggeration; the map is
 * re-centred each step. O(n^2) per iteration: meant for a few hundred to ~2,000 points. Deterministic for a seed.
 * Returns [n * 2] coordinates.
 */
export function tsne(x: Float64Array | Float32Array, n: number, d: number, opts: TsneOptions = {}): Float64Array {
  const iters = opts.iterations ?? 1000;
  const exIters = Math.min(opts.exaggerationIters ?? 250, iters);
  const exag = opts.exaggeration ?? 12;
  const lr = opts.learningRate ?? 200;
  const perp = Math.max(1, Math.min(opts.perplexity ?? 30, (n - 1) / 3));
  const y = new Float64Array(n * 2);
  if (n <= 1) return y;
  // Squared Euclidean distances.
  const d2 = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) {
        const t = x[i * d + c]! - x[j * d + c]!;
        s += t * t;
      }
      d2[i * n + j] = s;
      d2[j * n + i] = s;
    }
  }
  // Conditional affinities with bisection on beta = 1 / (2 sigma^2) to reach entropy log(perp).
  const p = new Float64Array(n * n);
  const target = Math.log(perp);
  const row = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let beta = 1;
    let lo = -Infinity;
    let hi = Infinity;
    let minD = Infinity;
    for (let j = 0; j < n; j++) if (j !== i) minD = Math.min(minD, d2[i * n + j]!);
    for (let it = 0; it < 100; it++) {
      let sum = 0;
      let sumDP = 0;
      for (let j = 0; j < n; j++) {
        if (j === i) {
          row[j] = 0;
          continue;
        }
        const dd = d2[i * n + j]! - minD; // shifted for numerical stability; cancels in the normalisation
        const v = Math.exp(-dd * beta);
        row[j] = v;
        sum += v;
        sumDP += dd * v;
      }
      const h = Math.log(sum) + (beta * sumDP) / sum;
      const diff = h - target;
      if (Math.abs(diff) < 1e-5) break;
      if (diff > 0) {
        lo = beta;
        beta = hi === Infinity ? beta * 2 : (beta + hi) / 2;
      } else {
        hi = beta;
        beta = lo === -Infinity ? beta / 2 : (beta + lo) / 2;
      }
    }
    let sum = 0;
    for (let j = 0; j < n; j++) sum += row[j]!;
    for (let j = 0; j < n; j++) p[i * n + j] = sum > 0 ? row[j]! / sum : 0;
  }
  // Symmetrise: P_ij = (P_j|i + P_i|j) / 2n.
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = Math.max((p[i * n + j]! + p[j * n + i]!) / (2 * n), 1e-12);
      p[i * n + j] = v;
      p[j * n + i] = v;
    }
    p[i * n + i] = 0;
  }
  const rng = new Rng(opts.seed ?? 0).fork('tsne-init');
  for (let i = 0; i < n * 2; i++) y[i] = rng.normal() * 1e-4;
  const update = new Float64Array(n * 2);
  const gains = new Float64Array(n * 2).fill(1);
  const grad = new Float64Array(n * 2);
  const num = new Float64Array(n * n);
  for (let it = 0; it < iters; it++) {
    const ex = it < exIters ? exag : 1;
    const momentum = it < exIters ? 0.5 : 0.8;
    let sumQ = 0;
    for (let i = 0; i < n; i++) {
      const yi0 = y[i * 2]!;
      const yi1 = y[i * 2 + 1]!;
      for (let j = i + 1; j < n; j++) {
        const a = yi0 - y[j * 2]!;
        const b = yi1 - y[j * 2 + 1]!;
        const q = 1 / (1 + a * a + b * b);
        num[i * n + j] = q;
        num[j * n + i] = q;
        sumQ += 2 * q;
      }
    }
    grad.fill(0);
    for (let i = 0; i < n; i++) {
      let g0 = 0;
      let g1 = 0;
      const yi0 = y[i * 2]!;
      const yi1 = y[i * 2 + 1]!;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const q = num[i * n + j]!;
        const m = (ex * p[i * n + j]! - q / sumQ) * q;
        g0 += m * (yi0 - y[j * 2]!);
        g1 += m * (yi1 - y[j * 2 + 1]!);
      }
      grad[i * 2] = 4 * g0;
      grad[i * 2 + 1] = 4 * g1;
    }
    for (let k = 0; k < n * 2; k++) {
      const g = grad[k]!;
      gains[k] = Math.sign(g) !== Math.sign(update[k]!) ? gains[k]! + 0.2 : Math.max(0.01, gains[k]! * 0.8);
      update[k] = momentum * update[k]! - lr * gains[k]! * g;
      y[k]! += update[k]!;
    }
    let m0 = 0;
    let m1 = 0;
    for (let i = 0; i < n; i++) {
      m0 += y[i * 2]!;
      m1 += y[i * 2 + 1]!;
    }
    m0 /= n;
    m1 /= n;
    for (let i = 0; i < n; i++) {
      y[i * 2]! -= m0;
      y[i * 2 + 1]! -= m1;
    }
  }
  return y;
}

export interface TsneMap {
  /** `original` (h_*) or `projection` (p_*). */
  domain: string;
  spaces: string[];
  items: number[];
  /** One point per (item, space): [x, y, item index into `items`, space index into `spaces`]. */
  points: [number, number, number, number][];
  perplexity: number;
  seed: number;
}

/**
 * Figure 1: t-SNE of the sampled items' modality embeddings of one domain, all in one map. Each embedding is
 * L2-normalised first (so the map reflects cosine geometry and modalities of different scale are comparable);
 * spaces whose width differs from the first are left out. Undefined with no usable space.
 */
export function tsneMap(
  spaces: Record<string, Matrix>,
  names: readonly string[],
  items: number[],
  domain: string,
  seed: number,
  opts: TsneOptions = {},
): TsneMap | undefined {
  const avail = names.filter((s) => spaces[s]);
  if (!avail.length || !items.length) return undefined;
  const d = spaces[avail[0]!]!.cols;
  const used = avail.filter((s) => spaces[s]!.cols === d);
  const n = items.length * used.length;
  const x = new Float64Array(n * d);
  let r = 0;
  const meta: [number, number][] = [];
  for (let si = 0; si < used.length; si++) {
    const m = spaces[used[si]!]!;
    for (let ii = 0; ii < items.length; ii++) {
      const off = items[ii]! * d;
      let nn = 0;
      for (let c = 0; c < d; c++) nn += m.data[off + c]! ** 2;
      const inv = nn > 0 ? 1 / Math.sqrt(nn) : 0;
      for (let c = 0; c < d; c++) x[r * d + c] = m.data[off + c]! * inv;
      meta.push([ii, si]);
      r++;
    }
  }
  const perplexity = Math.max(1, Math.min(opts.perplexity ?? 30, (n - 1) / 3));
  const y = tsne(x, n, d, { ...opts, perplexity, seed });
  const points = meta.map(
    ([ii, si], k) => [r4(y[k * 2]!), r4(y[k * 2 + 1]!), ii, si] as [number, number, number, number],
  );
  return { domain, spaces: used, items, points, perplexity: r4(perplexity), seed };
}

/* ------------------------------------------------------------------------------------------------------ */
/* Training curves                                                                                        */
/* ------------------------------------------------------------------------------------------------------ */

export interface Curves {
  seed?: number;
  /** epoch_end: epoch and each weighted loss term (and total). */
  losses: { epoch: number; terms: Record<string, number> }[];
  /** eval: valid and test recall@20 / ndcg@20 (whatever of them was reported). */
  evals: { epoch: number; valid: Record<string, number>; test: Record<string, number> }[];
  bestEpoch?: number;
}

export const CURVE_METRICS = ['recall@20', 'ndcg@20'] as const;

/**
 * Training curves from events.jsonl text: the epochs of the given seed (the events after its run_start; all
 * events when there is no run_start). Lines that are not JSON objects are skipped.
 */
export function parseCurves(text: string, seed?: number): Curves {
  const out: Curves = { losses: [], evals: [] };
  if (seed !== undefined) out.seed = seed;
  let hasStart = false;
  for (const line of text.split('\n')) if (line.includes('"run_start"')) hasStart = true;
  let active = !hasStart;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let e: Record<string, unknown>;
    try {
      e = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (typeof e !== 'object' || e === null) continue;
    if (e.type === 'run_start') {
      active = seed === undefined ? out.losses.length === 0 && out.evals.length === 0 : e.seed === seed;
      continue;
    }
    if (!active) continue;
    if (e.type === 'epoch_end' && typeof e.epoch === 'number' && e.losses && typeof e.losses === 'object') {
      const terms: Record<string, number> = {};
      for (const [k, v] of Object.entries(e.losses as Record<string, unknown>))
        if (typeof v === 'number' && Number.isFinite(v)) terms[k] = v;
      out.losses.push({ epoch: e.epoch, terms });
    } else if (e.type === 'eval' && typeof e.epoch === 'number') {
      const pick = (m: unknown) => {
        const r: Record<string, number> = {};
        if (m && typeof m === 'object')
          for (const k of CURVE_METRICS) {
            const v = (m as Record<string, unknown>)[k];
            if (typeof v === 'number') r[k] = v;
          }
        return r;
      };
      out.evals.push({ epoch: e.epoch, valid: pick(e.valid), test: pick(e.test) });
      if (typeof e.bestEpoch === 'number') out.bestEpoch = e.bestEpoch;
    }
  }
  return out;
}
