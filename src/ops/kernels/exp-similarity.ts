/**
 * s_i = Σ_j exp(a_i · b_j / τ − shift) for a [B, d] and b [n, d] -> [B], differentiable in a and b: the
 * denominator of every contrast whose candidates are ALL rows of a table (LGMRec's ssl_triple_loss, DA-MRS's
 * neighbour discrimination). The [B, n] block is the whole cost (2048 x 9,308 on TikTok users), so it is touched
 * as few times as possible:
 *  - the similarities are one matMul (XNNPACK); on wasm the exponentials and their row sums are one SIMD pass
 *    of our own kernel (heapExpRows) instead of tfjs's scale, exp and sum (three passes, exp about 7 ns per
 *    element there);
 *  - the gradient is closed-form: ds_i/d(a_i·b_j) = e_ij / τ, so with f = dy / τ, da = f ⊙ (E·b) and
 *    db = Eᵀ·(f ⊙ a), plain matMuls;
 *  - `keep` saves E and Eᵀ for the gradient (two [B, n] blocks held from forward to backward); without it E is
 *    recomputed in row chunks in the backward pass, so that no [B, n] block outlives its chunk (DA-MRS takes this
 *    for three views at once when a block is large, which would not fit the wasm heap otherwise), and there
 *    G = E ⊙ f comes out of the same pass that recomputes E, da = G·b and db = (aᵀ·G)ᵀ.
 * Reference mode and other backends take tfjs's own ops with the same structure.
 */
import * as tf from '@tensorflow/tfjs';
import { heapKernelsActive } from './registry.js';
import { heapExpRows, heapTranspose } from './heap/rows.js';

export interface ExpSimilarityOptions {
  /** Subtracted inside the exp, e.g. 1/τ for unit rows so that nothing overflows (default 0). */
  shift?: number;
  /**
   * Keep the [B, n] exponentials (and their transpose) for the gradient instead of recomputing them (default false).
   */
  keep?: boolean;
  /** Rows per chunk when the exponentials are not kept (default 1024). */
  chunk?: number;
  /**
   * Sees each forward block of similarities a[start : start + c] · bᵀ ([c, n], no gradient) before it is
   * released, for a caller that needs the same similarities for something else (DA-MRS's pseudo-labels): one
   * matMul instead of two. Tensors it creates are disposed with the forward pass unless it keeps them.
   */
  onBlock?: (sim: tf.Tensor2D, start: number) => void;
}

/** Row chunks [start, count) of B rows. */
function chunks(B: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let a0 = 0; a0 < B; a0 += size) out.push([a0, Math.min(size, B - a0)]);
  return out;
}

/** E (times per-row factors when given) and its row sums for one block of similarities. */
function expBlock(
  sim: tf.Tensor2D,
  tau: number,
  shift: number,
  keep: boolean,
  factors?: tf.Tensor1D,
): { sum: tf.Tensor1D; exp?: tf.Tensor2D } {
  if (heapKernelsActive()) return heapExpRows(sim, 1 / tau, shift, { keep, factors });
  return tf.tidy(() => {
    const e = tf.exp(tf.sub(tf.div(sim, tau), shift)) as tf.Tensor2D;
    const sum = tf.sum(e, 1) as tf.Tensor1D;
    if (!keep) return { sum };
    return { sum, exp: factors ? (tf.mul(e, tf.reshape(factors, [-1, 1])) as tf.Tensor2D) : e };
  });
}

export function sumExpSimilarity(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  tau: number,
  opts: ExpSimilarityOptions = {},
): tf.Tensor1D {
  const shift = opts.shift ?? 0;
  const keep = opts.keep ?? false;
  const size = keep ? Math.max(1, a.shape[0]) : (opts.chunk ?? 1024);
  const f = tf.customGrad(((aIn: tf.Tensor, bIn: tf.Tensor, save: tf.GradSaveFunc) => {
    const as = aIn as tf.Tensor2D;
    const bs = bIn as tf.Tensor2D;
    const bT = tf.transpose(bs) as tf.Tensor2D;
    const sums: tf.Tensor1D[] = [];
    const kept: tf.Tensor2D[] = [];
    for (const [a0, c] of chunks(as.shape[0], size)) {
      const ac = c === as.shape[0] ? as : (tf.slice(as, [a0, 0], [c, -1]) as tf.Tensor2D);
      const sim = tf.matMul(ac, bT) as tf.Tensor2D;
      opts.onBlock?.(sim, a0);
      const { sum, exp } = expBlock(sim, tau, shift, keep);
      sim.dispose();
      if (ac !== as) ac.dispose();
      sums.push(sum);
      if (exp) kept.push(exp);
    }
    bT.dispose();
    // Kept whole, the block is also kept transposed: the gradient of b is then Eᵀ·(f ⊙ a), a product whose big
    // operand is the left one. As aᵀ·(f ⊙ E) the [B, n] block would be the right operand, which XNNPACK first
    // repacks (about twice the time of the product itself on a 2,900 x 6,710 block).
    // On wasm the transpose is our tiled kernel (tfjs's is ~5x slower on such a block; same bits).
    if (kept.length === 1)
      kept.push(heapKernelsActive() ? heapTranspose(kept[0]!) : (tf.transpose(kept[0]!) as tf.Tensor2D));
    save([as, bs, ...kept]);
    const value = sums.length === 1 ? sums[0]! : (tf.concat(sums) as tf.Tensor1D);
    if (sums.length > 1) sums.forEach((t) => t.dispose());
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sa, sb, ...se] = saved as tf.Tensor2D[];
        const B = sa!.shape[0];
        const factors = tf.div(dy, tau) as tf.Tensor1D;
        if (keep) {
          // Kept E and Eᵀ: da = f ⊙ (E·b), db = Eᵀ·(f ⊙ a); the row factors scale [B, d], not [B, n].
          const [e, eT] = se as [tf.Tensor2D, tf.Tensor2D];
          const f = tf.reshape(factors, [B, 1]);
          const grads = [tf.mul(tf.matMul(e, sb!), f), tf.matMul(eT, tf.mul(sa!, f))];
          f.dispose();
          factors.dispose();
          return grads;
        }
        const sbT = tf.transpose(sb!) as tf.Tensor2D;
        const da: tf.Tensor[] = [];
        let db: tf.Tensor | undefined;
        chunks(B, size).forEach(([a0, c]) => {
          const ac = c === B ? sa! : (tf.slice(sa!, [a0, 0], [c, -1]) as tf.Tensor2D);
          const fc = c === B ? factors : (tf.slice(factors, [a0], [c]) as tf.Tensor1D);
          // G = E ⊙ f for this chunk, recomputed: the exponentials and the row factors in one pass.
          const sim = tf.matMul(ac, sbT) as tf.Tensor2D;
          const r = expBlock(sim, tau, shift, true, fc);
          sim.dispose();
          r.sum.dispose();
          const g = r.exp!;
          da.push(tf.matMul(g, sb!));
          // (acᵀ·g)ᵀ: transposes of [c, d] and [d, n] instead of the [c, n] block.
          const part = tf.tidy(() => tf.transpose(tf.matMul(tf.transpose(ac), g)));
          if (db) {
            const next = tf.add(db, part);
            db.dispose();
            part.dispose();
            db = next;
          } else db = part;
          g.dispose();
          if (ac !== sa) ac.dispose();
          if (fc !== factors) fc.dispose();
        });
        factors.dispose();
        sbT.dispose();
        const daAll = da.length === 1 ? da[0]! : tf.concat(da);
        if (da.length > 1) da.forEach((t) => t.dispose());
        return [daAll, db!];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(a, b) as tf.Tensor1D;
}
