/**
 * The full cosine-similarity matrix of a constant feature matrix, computed once and kept on the host.
 *
 * Why: AnchorRec's structure-preservation loss needs cos(f_i, f_j) for every pair of the batch's positive
 * items at every step. Computed per step that is B²·f multiply-adds, the largest product of the step for wide
 * features; the matrix only depends on frozen inputs, so it is computed once (the kNN graph of the same features
 * reads it too) and each step gathers its [B, B] block in JS, much faster than two tfjs gathers on wasm
 * (figures in docs/kernels.md).
 * The matrix costs n² floats: it is only materialised up to cosineCacheLimit() entries (n ≈ 8,000 items, as
 * Baby, TikTok and Office); above that callers fall back to per-step computation.
 */
import * as tf from '@tensorflow/tfjs';
import { flag } from '../../util/flags.js';
import { cosineThreads, heapValues, threadedCosineMatrix } from './threads/pool.js';
import { computeCosineBlocks, upperBlocks } from './threads/cosine-blocks.js';
import { cosineCacheFolder, cosineKey, readCachedCosine, writeCachedCosine } from './cosine-disk-cache.js';

/** Largest n·n materialised: the `cosineCacheMb` flag (ANCHORFLOW_COSINE_CACHE_MB) in float32 entries. */
export function cosineCacheLimit(): number {
  return flag('cosineCacheMb') * 262144;
}

const BLOCK = 1024;

function normaliseRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x, 'euclidean', 1, true), 1e-12)) as tf.Tensor2D);
}

/**
 * cos(x_i, x_j) for all pairs, row-major [n·n], as float32. Only the blocks on and above the diagonal are
 * multiplied (the matrix is symmetric); the rest is mirrored. Rows are normalised once and each column block is
 * transposed once, so every block is a plain matMul (a transposed-operand matMul is ~50x slower on wasm). With more
 * than one thread (ANCHORFLOW_THREADS, by default every core) the blocks are shared out to worker threads; one
 * thread or several, every block is computed by the same code (threads/cosine-blocks.ts) on the same numbers, so
 * the matrix is the same bit for bit.
 */
export function cosineMatrix(x: tf.Tensor2D, block = BLOCK, threads = cosineThreads(...x.shape)): Float32Array {
  const [n, f] = x.shape;
  const unit = normaliseRows(x);
  try {
    const shared = threads > 1 ? threadedCosineMatrix(unit, block, threads) : undefined;
    if (shared) return shared;
    const out = new Float32Array(n * n);
    computeCosineBlocks(unit.dataSync() as Float32Array, n, f, upperBlocks(n, block), out);
    return out;
  } finally {
    unit.dispose();
  }
}

// A Map, not a WeakMap, so that entries can be released: a matrix is n² floats (hundreds of MB at a few thousand
// items) and most models only need it once, to build a kNN graph (see releaseCosineMatrices).
const cache = new Map<tf.Tensor, Float32Array>();

/**
 * Drops the cached cosine matrices except those of `keep` (all but disposed tensors' when `keep` is not given).
 * The executor calls it once the constants are folded, keeping only the matrices that an op reads at every step,
 * and again when it is disposed. A dropped matrix is recomputed if it is asked for again.
 */
export function releaseCosineMatrices(keep?: ReadonlySet<tf.Tensor>): void {
  for (const t of [...cache.keys()]) if (t.isDisposed || (keep && !keep.has(t))) cache.delete(t);
}

/** How many cosine matrices are cached (tests). */
export function cachedCosineCount(): number {
  return cache.size;
}

/**
 * The cosine matrix of a constant tensor, memoised by tensor identity and, across processes, in the on-disk
 * cache (cosine-disk-cache.ts) by the tensor's content; undefined above the size limit.
 */
export function cachedCosineMatrix(x: tf.Tensor2D): Float32Array | undefined {
  const [n, f] = x.shape;
  if (n * n > cosineCacheLimit()) return undefined;
  let m = cache.get(x);
  if (!m) {
    const folder = cosineCacheFolder();
    // Hashed where the backend keeps the values (no tfjs call runs in between): no copy of the feature rows.
    const key = folder ? cosineKey(heapValues(x), n, f) : '';
    m = folder ? readCachedCosine(folder, key, n) : undefined;
    if (!m) {
      m = cosineMatrix(x);
      if (folder) writeCachedCosine(folder, key, n, m);
    }
    cache.set(x, m);
  }
  return m;
}

/**
 * The order that sorts `rows` ascending, and the sorted values: reading a row of S at ascending columns walks
 * memory forward, which the hardware prefetches; at the batch's random order every read of the n²-float matrix
 * is a cache miss (the gather and the sum both take about half the time ascending: docs/kernels.md).
 */
function ascending(rows: ArrayLike<number>): { order: Int32Array; sorted: Int32Array } {
  const order = Int32Array.from({ length: rows.length }, (_, i) => i).sort((a, b) => rows[a]! - rows[b]! || a - b);
  return { order, sorted: order.map((i) => rows[i]!) };
}

/** S[rows][:, rows] as a [B·B] row-major array (duplicates allowed). */
export function gatherSquareBlock(
  s: Float32Array,
  n: number,
  rows: ArrayLike<number>,
  out = new Float32Array(rows.length * rows.length),
): Float32Array {
  const b = rows.length;
  const { order, sorted } = ascending(rows);
  for (let i = 0; i < b; i++) {
    const base = rows[i]! * n;
    const o = i * b;
    // Ascending reads within the source row; the writes scatter within one output row (b floats, cache-resident).
    for (let j = 0; j < b; j++) out[o + order[j]!] = s[base + sorted[j]!]!;
  }
  return out;
}

/** Σ over i, j of S[rows[i]][rows[j]]², in float64, without materialising the block. */
export function blockSumOfSquares(s: Float32Array, n: number, rows: ArrayLike<number>): number {
  const b = rows.length;
  // The sum does not depend on the order: rows and columns are both visited ascending.
  const { sorted } = ascending(rows);
  let ss = 0;
  for (let i = 0; i < b; i++) {
    const base = sorted[i]! * n;
    for (let j = 0; j < b; j++) {
      const v = s[base + sorted[j]!]!;
      ss += v * v;
    }
  }
  return ss;
}

const normalized = new WeakMap<tf.Tensor, tf.Tensor2D>();

/** The unit-norm rows of a constant tensor, memoised by tensor identity and kept out of any tidy scope. */
export function cachedNormalizedRows(x: tf.Tensor2D): tf.Tensor2D {
  let m = normalized.get(x);
  if (!m) {
    m = tf.keep(normaliseRows(x));
    normalized.set(x, m);
  }
  return m;
}

/**
 * Top-k columns of each row of a row-major [rows, cols] matrix (square by default), ties broken by the lower
 * column (as tf.topk). A sorted insertion list: for k ≪ cols most values are rejected by one comparison, which
 * beats the wasm backend's TopK at kNN sizes (docs/kernels.md).
 */
export function topkRows(
  s: ArrayLike<number>,
  n: number,
  k: number,
  cols = n,
): { indices: Int32Array; sims: Float32Array } {
  const indices = new Int32Array(n * k);
  const sims = new Float32Array(n * k);
  const bestV = new Float64Array(k);
  const bestI = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    let filled = 0;
    const base = i * cols;
    for (let j = 0; j < cols; j++) {
      const v = s[base + j]!;
      if (filled === k && v <= bestV[k - 1]!) continue;
      // insertion into the sorted (descending) top list; equal values keep the earlier (lower) column first
      let p = filled < k ? filled++ : k - 1;
      while (p > 0 && bestV[p - 1]! < v) {
        bestV[p] = bestV[p - 1]!;
        bestI[p] = bestI[p - 1]!;
        p--;
      }
      bestV[p] = v;
      bestI[p] = j;
    }
    for (let t = 0; t < k; t++) {
      indices[i * k + t] = bestI[t]!;
      sims[i * k + t] = bestV[t]!;
    }
  }
  return { indices, sims };
}
