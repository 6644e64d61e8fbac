/**
 * Top-K cosine neighbourhoods and neighbourhood overlap.
 *
 * The rows are L2-normalised once and the normalised matrix is transposed once; each block of rows is then a
 * plain matMul against the transpose (the fast path on wasm, where a matMul with a transposed operand is slow)
 * followed by tf.topk inside tfjs, so only [block, K+1] indices ever leave the backend.
 */
import * as tf from '@tensorflow/tfjs';

/** A matrix of `rows` x `cols` float32 values, row-major. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

/** Top-K neighbour lists: row i's neighbours are `idx[i*k .. (i+1)*k)`, most similar first. */
export interface Neighborhoods {
  n: number;
  k: number;
  idx: Int32Array;
}

/** Rows per block so that one [block, n] similarity slab stays near `budget` float32 values. */
function blockRows(n: number, budget = 8_000_000): number {
  return Math.max(1, Math.min(n, Math.floor(budget / Math.max(1, n))));
}

/**
 * The K most cosine-similar other rows of every row (the row itself is excluded). Rows with zero norm have
 * similarity 0 to everything. Ties are resolved by tf.topk (lower index first on the tfjs backends).
 */
export function topKNeighbors(m: Matrix, k: number, opts: { blockRows?: number } = {}): Neighborhoods {
  const n = m.rows;
  if (m.data.length !== n * m.cols)
    throw new Error(`matrix data has ${m.data.length} values, expected ${n} x ${m.cols}`);
  const kk = Math.max(0, Math.min(k, n - 1));
  const idx = new Int32Array(n * kk);
  if (kk === 0) return { n, k: kk, idx };
  const take = Math.min(n, kk + 1); // one extra so that the row itself can be dropped
  const block = opts.blockRows ?? blockRows(n);
  const [normed, normedT] = tf.tidy(() => {
    const x = tf.tensor2d(m.data, [n, m.cols], 'float32');
    const norms = tf.maximum(tf.norm(x, 'euclidean', 1, true), tf.scalar(1e-12));
    const u = tf.div(x, norms);
    return [u, tf.transpose(u)] as [tf.Tensor2D, tf.Tensor2D];
  });
  try {
    for (let start = 0; start < n; start += block) {
      const b = Math.min(block, n - start);
      const top = tf.tidy(() => {
        const sims = tf.matMul(tf.slice(normed, [start, 0], [b, m.cols]), normedT);
        return tf.topk(sims, take, true).indices;
      });
      const got = top.dataSync() as Int32Array;
      top.dispose();
      for (let r = 0; r < b; r++) {
        const self = start + r;
        let w = (start + r) * kk;
        let written = 0;
        for (let c = 0; c < take && written < kk; c++) {
          const j = got[r * take + c]!;
          if (j === self) continue;
          idx[w++] = j;
          written++;
        }
      }
    }
  } finally {
    normed.dispose();
    normedT.dispose();
  }
  return { n, k: kk, idx };
}

/**
 * Neighbourhood overlap of two spaces over the same items: the mean over items i of |N_A(i) ∩ N_B(i)| / K.
 * 1 for identical neighbourhoods; about K / (n - 1) for unrelated ones.
 */
export function neighborhoodOverlap(a: Neighborhoods, b: Neighborhoods): number {
  if (a.n !== b.n || a.k !== b.k) throw new Error(`neighbourhoods differ in shape: ${a.n}x${a.k} vs ${b.n}x${b.k}`);
  const { n, k } = a;
  if (n === 0 || k === 0) return 0;
  const stamp = new Int32Array(n).fill(-1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) stamp[a.idx[i * k + c]!] = i;
    let common = 0;
    for (let c = 0; c < k; c++) if (stamp[b.idx[i * k + c]!] === i) common++;
    total += common / k;
  }
  return total / n;
}

/** Cosine similarity of row i of `a` and row j of `b` (same width). 0 when either row is zero. */
export function rowCosine(a: Matrix, i: number, b: Matrix, j: number): number {
  const d = a.cols;
  let dot = 0;
  let na = 0;
  let nb = 0;
  const ao = i * d;
  const bo = j * b.cols;
  for (let c = 0; c < d; c++) {
    const x = a.data[ao + c]!;
    const y = b.data[bo + c]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}
