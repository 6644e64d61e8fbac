/**
 * infonce_full: InfoNCE of the batch's rows of two views with every row of the second view as a candidate,
 *   Σ_b −log( exp(c(a_b, p_b)/τ) / Σ_j exp(c(a_b, p_j)/τ) ),  j over ALL rows of `positive`, c = cosine,
 * LGMRec's ssl_triple_loss (MMRec lgmrec.py: summed over the batch, τ = 0.2), which contrasts the image and
 * text hypergraph embeddings of a user (or item) against all users (items). `infonce` covers the in-batch form.
 *
 * The [B, n] log-sum-exp has a hand-written gradient: d lse_b / d logits = softmax_b, so with G = softmax ⊙ dy / τ
 * the gradients are G·P (anchor side) and (Aᵀ·G)ᵀ (all rows), plain matMuls; tfjs's own gradient of
 * logSumExp broadcasts over the [B, n] matrix and a transposed-operand matMul would be slow on wasm. The [B, n]
 * block is the whole cost, so B counts distinct batch rows only (each weighted by its multiplicity) and the block
 * is touched as few times as possible (see rowLogSumExp).
 */
import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import { Defaulted, defineOp, scalar, ShapeError, StringEnum, typeToString } from '../types.js';
import { denseIn, sameDim } from '../shape.js';
import { gatherRows } from '../kernels/gather-rows.js';
import { l2NormalizeRows } from '../combine/normalize.js';
import { batchRows, batchRowsSchema } from './infonce.js';
import { distinctWithCounts } from './batch-unique.js';
import { heapKernelsActive } from '../kernels/registry.js';
import { sumExpSimilarity } from '../kernels/exp-similarity.js';

/**
 * lse_b = log Σ_j exp(a_b · p_j / τ) for a [B, d], p [n, d] -> [B], differentiable in a and p.
 * For rows of unit length the logits lie in [−1/τ, 1/τ], so a constant shift of 1/τ replaces the per-row max
 * (no [B, n] reduction) whenever exp cannot underflow over the range (2/τ < 80); otherwise the row max is used.
 * Only the [B, n] exponentials are kept for the gradient; τ scales the small [B, d] operand, not the logits.
 * The per-element work is one subtraction, one exp and one sum forward and one multiply backward (a host
 * Math.exp loop was tried: about 2x slower than wasm's Exp kernel on a 2048 x 9,308 block).
 */
export function rowLogSumExp(a: tf.Tensor2D, p: tf.Tensor2D, tau: number): tf.Tensor1D {
  const fixedShift = 2 / tau < 80;
  // On wasm the exponentials, their sums and the gradient's row scaling are single SIMD passes.
  if (fixedShift && heapKernelsActive())
    return tf.tidy(
      () => tf.add(tf.log(sumExpSimilarity(a, p, tau, { shift: 1 / tau, keep: true })), 1 / tau) as tf.Tensor1D,
    );
  const f = tf.customGrad(((aIn: tf.Tensor, pIn: tf.Tensor, save: tf.GradSaveFunc) => {
    const as = aIn as tf.Tensor2D;
    const ps = pIn as tf.Tensor2D;
    const logits = tf.matMul(tf.div(as, tau), tf.transpose(ps));
    const shift = fixedShift ? tf.scalar(1 / tau) : tf.max(logits, 1, true);
    const e = tf.exp(tf.sub(logits, shift));
    const s = tf.sum(e, 1, true);
    save([as, ps, e, s]);
    return {
      value: tf.reshape(tf.add(tf.log(s), shift), [as.shape[0]]) as tf.Tensor1D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sa, sp, se, ss] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        // d lse_b / d logits_bj = softmax_bj = e_bj / s_b; the logits carry 1/τ.
        const g = tf.mul(se, tf.div(tf.reshape(dy, [sa.shape[0], 1]), tf.mul(ss, tau))) as tf.Tensor2D;
        return [tf.matMul(g, sp), tf.transpose(tf.matMul(tf.transpose(sa), g))];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(a, p) as tf.Tensor1D;
}

export const infonceFull = defineOp({
  name: 'infonce_full',
  doc: 'InfoNCE of the batch rows of two views, every row of the second view a candidate (LGMRec ssl_triple_loss).',
  category: 'loss',
  loss: true,
  params: Type.Object({
    tau: Defaulted(
      Type.Number({ exclusiveMinimum: 0, default: 0.2, description: 'Temperature τ (LGMRec: 0.2).', examples: [0.2] }),
    ),
    rows: Defaulted(batchRowsSchema()),
    reduction: Defaulted(
      StringEnum(['sum', 'mean'], {
        default: 'sum',
        description: "How the per-row terms are reduced: 'sum' (LGMRec) or 'mean'.",
        examples: ['sum'],
      }),
    ),
  }),
  inputs: [
    { name: 'anchor', doc: 'First view [users, d] or [items, d]; its batch rows are the anchors.', kind: 'dense' },
    {
      name: 'positive',
      doc: 'Second view, same shape: its batch rows are the positives, all its rows the candidates.',
      kind: 'dense',
    },
  ],
  outputs: [{ name: 'loss', doc: 'Scalar loss.' }],
  shape: (p, inputs) => {
    const a = denseIn(inputs, 'anchor', 2);
    const b = denseIn(inputs, 'positive', 2);
    const rows = p.rows;
    const want = rows === 'users' ? 'users' : 'items';
    if (!sameDim(a.dims[0]!, want))
      throw new ShapeError(
        `'anchor' must have one row per ${want.slice(0, -1)} for rows: ${rows}, got ${typeToString(a)}`,
        { port: 'anchor' },
      );
    if (!sameDim(a.dims[0]!, b.dims[0]!) || !sameDim(a.dims[1]!, b.dims[1]!))
      throw new ShapeError(`'positive' is ${typeToString(b)} but 'anchor' is ${typeToString(a)}: shapes must match`, {
        port: 'positive',
      });
    if (!(p.tau > 0)) throw new ShapeError(`'tau' must be > 0, got ${p.tau}`, { param: 'tau' });
    return { loss: scalar() };
  },
  build: (p) => {
    const tau = p.tau;
    const rows = p.rows;
    return {
      run: (v, ctx) => {
        const b = ctx.batch;
        if (!b) throw new Error('infonce_full needs a training batch');
        const { host } = batchRows(b, rows);
        // A row's term depends only on which row it is, so a row drawn k times in the batch is computed once and
        // counted k times: the same sum, with the [B, n] block cut to the distinct rows (on TikTok a 2,048-row
        // batch holds ~700 distinct users and ~1,350 distinct positive items).
        const { unique, counts } = distinctWithCounts(host);
        const u = tf.tensor1d(unique, 'int32');
        const an = l2NormalizeRows(gatherRows(v.anchor as tf.Tensor2D, u, unique));
        const all = l2NormalizeRows(v.positive as tf.Tensor2D);
        const pb = gatherRows(all, u, unique);
        const terms = tf.mul(
          tf.sub(rowLogSumExp(an, all, tau), tf.div(tf.sum(tf.mul(an, pb), 1), tau)),
          tf.tensor1d(counts),
        );
        return { loss: (p.reduction === 'sum' ? tf.sum(terms) : tf.div(tf.sum(terms), host.length)) as tf.Scalar };
      },
    };
  },
});
