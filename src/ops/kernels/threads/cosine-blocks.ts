/**
 * Blocks of the symmetric product S = X̂ X̂ᵀ of unit feature rows X̂ (the item-item cosine matrix that kNN graphs and
 * AnchorRec's structure-preservation target read), computed from host rows so that the main thread and the pool's
 * workers (matmul-worker.ts) run this same code on the same numbers.
 *
 * Why a module of its own: the matrix is the largest piece of constant work of the multimodal models (n² · f
 * multiply-adds for every wide modality, done before the first batch), it only depends on frozen inputs, and its
 * blocks are independent, so it splits across cores without changing a bit: every block is one plain matMul of
 * row block I by the transposed row block J, on the same wasm kernel whichever thread runs it. Only the blocks on
 * and above the diagonal are multiplied; each writes its own square and its mirror, so no two blocks (and no two
 * threads) write the same entry of the output.
 *
 * Only tfjs-core is imported: a worker has no op registry, just its own wasm backend.
 */
import * as tf from '@tensorflow/tfjs-core';

/** One block of S: rows [i0, i0 + bi) by columns [j0, j0 + bj), with j0 >= i0. */
export interface CosineBlock {
  i0: number;
  bi: number;
  j0: number;
  bj: number;
}

/** The blocks on and above the diagonal of an n x n matrix cut into `block`-row pieces, row by row. */
export function upperBlocks(n: number, block: number): CosineBlock[] {
  const out: CosineBlock[] = [];
  for (let i0 = 0; i0 < n; i0 += block)
    for (let j0 = i0; j0 < n; j0 += block)
      out.push({ i0, bi: Math.min(block, n - i0), j0, bj: Math.min(block, n - j0) });
  return out;
}

/**
 * Deals blocks to `parts` threads, largest first to the least loaded (by multiply-adds), so that the threads finish
 * together; each share is then ordered by column block, so a thread transposes each column block it needs once.
 * Deterministic: the same blocks always go to the same thread (the values do not depend on it anyway).
 */
export function dealBlocks(blocks: CosineBlock[], parts: number): CosineBlock[][] {
  const shares: CosineBlock[][] = Array.from({ length: parts }, () => []);
  const load = new Float64Array(parts);
  const bySize = blocks.map((b, i) => ({ b, i })).sort((p, q) => q.b.bi * q.b.bj - p.b.bi * p.b.bj || p.i - q.i);
  for (const { b } of bySize) {
    let t = 0;
    for (let u = 1; u < parts; u++) if (load[u]! < load[t]!) t = u;
    shares[t]!.push(b);
    load[t] = load[t]! + b.bi * b.bj;
  }
  for (const s of shares) s.sort((p, q) => p.j0 - q.j0 || p.i0 - q.i0);
  return shares;
}

/**
 * Writes the given blocks of S = X̂ X̂ᵀ (and their mirrors) into `out` [n·n], row-major, from the unit rows `xn`
 * [n·f], row-major. The transposed column block is an explicit copy (a transposed-operand matMul is far slower on
 * wasm), kept while consecutive blocks share it.
 */
export function computeCosineBlocks(
  xn: Float32Array,
  n: number,
  f: number,
  blocks: readonly CosineBlock[],
  out: Float32Array,
): void {
  let colsAt = -1;
  let colsT: tf.Tensor2D | undefined;
  try {
    for (const { i0, bi, j0, bj } of blocks) {
      if (j0 !== colsAt) {
        colsT?.dispose();
        colsT = tf.tidy(() => tf.transpose(tf.tensor2d(xn.subarray(j0 * f, (j0 + bj) * f), [bj, f])) as tf.Tensor2D);
        colsAt = j0;
      }
      const cols = colsT!;
      const s = tf.tidy(() => tf.matMul(tf.tensor2d(xn.subarray(i0 * f, (i0 + bi) * f), [bi, f]), cols));
      const v = s.dataSync() as Float32Array;
      s.dispose();
      for (let r = 0; r < bi; r++) {
        const src = r * bj;
        out.set(v.subarray(src, src + bj), (i0 + r) * n + j0);
        if (j0 !== i0) for (let c = 0; c < bj; c++) out[(j0 + c) * n + i0 + r] = v[src + c]!;
      }
    }
  } finally {
    colsT?.dispose();
  }
}
