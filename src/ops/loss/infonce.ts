/**
 * infonce: the InfoNCE contrastive loss of AnchorRec's anchor-aligned learning (AAL), summed over views:
 *   Σ_v InfoNCE(anchor_b, view_b),  InfoNCE(a, b) = mean_i −log( exp(c_ii/τ) / Σ_j exp(c_ij/τ) ),  c_ij = cos(a_i, b_j)
 * over the batch's rows (positive items by default), with in-batch negatives and duplicate rows kept, as the
 * official AnchorRec and AlignRec code computes it (F.normalize, then a [B, B] score matrix). Computed stably as
 * logSumExp_j(c_ij/τ) − c_ii/τ. `stop_grad_anchor` detaches the anchor in chosen terms: the official code uses
 * InfoNCE(p_mm, p_id) + InfoNCE(detach(p_mm), p_mix).
 *
 * The [B, B] similarity is a·bᵀ through `matMulABt`, whose gradient uses explicit transposes of the small
 * operands instead of tfjs's transposed-operand matMuls (10-50x slower on wasm).
 */
import * as tf from '@tensorflow/tfjs';
import { Type, type TUnsafe } from '@sinclair/typebox';
import { Defaulted, defineOp, scalar, ShapeError, StringEnum, typeToString, type Batch } from '../types.js';
import { denseIn, listIn, sameDim } from '../shape.js';
import { gatherRows } from '../kernels/gather-rows.js';
import { l2NormalizeRows } from '../combine/normalize.js';
import { stopGradient } from '../combine/stop-gradient.js';
import { referenceMode } from '../kernels/mode.js';
import { heapKernelsActive } from '../kernels/registry.js';
import { heapSoftmaxRows } from '../kernels/heap/rows.js';

/**
 * a·bᵀ for a [p, d] and b [q, d], differentiable in both: forward matMul(a, transpose(b)); backward
 * da = dy·b, db = transpose(dy)·a, all plain matMuls. Meant for batch-sized operands (the transposes are copies).
 */
export function matMulABt(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad(((aIn: tf.Tensor, bIn: tf.Tensor, save: tf.GradSaveFunc) => {
    save([aIn, bIn]);
    return {
      value: tf.matMul(aIn as tf.Tensor2D, tf.transpose(bIn as tf.Tensor2D)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [as, bs] = saved as [tf.Tensor2D, tf.Tensor2D];
        // d(a·bᵀ)/db = dyᵀ·a, computed as (aᵀ·dy)ᵀ: two transposes of [B, d] instead of one of [B, B].
        return [tf.matMul(dy as tf.Tensor2D, bs), tf.transpose(tf.matMul(tf.transpose(as), dy as tf.Tensor2D))];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(a, b) as tf.Tensor2D;
}

/**
 * mean_i −log softmax_j(a_i·b_j / τ)_i for row-normalised a, b [B, d], with a hand-written gradient:
 * tfjs's own gradient of logSumExp over a [B, B] matrix is slow on wasm (broadcasts; docs/kernels.md), while the closed
 * form is one softmax: dL/dlogits = (softmax − I) / B. The diagonal part is applied to the [B, d] rows directly,
 * so no [B, B] identity is built, and dL/db = (aᵀ·G)ᵀ avoids transposing the [B, B] matrix.
 */
function infoNceNormalised(an: tf.Tensor2D, bn: tf.Tensor2D, tau: number): tf.Scalar {
  const f = tf.customGrad(((aIn: tf.Tensor, bIn: tf.Tensor, save: tf.GradSaveFunc) => {
    const a = aIn as tf.Tensor2D;
    const b = bIn as tf.Tensor2D;
    let lse: tf.Tensor;
    let softmax: tf.Tensor2D;
    if (heapKernelsActive()) {
      // On wasm: 1/τ folded into a ([B, d] instead of a [B, B] division) and the row softmax in one SIMD kernel
      // (max, exp, sum, divide) instead of six [B, B] tfjs passes, exp being the slowest of them.
      const r = heapSoftmaxRows(tf.matMul(tf.mul(a, 1 / tau), tf.transpose(b)) as tf.Tensor2D);
      lse = tf.reshape(tf.add(tf.log(r.sum), r.max), [-1, 1]);
      softmax = r.softmax;
    } else {
      const logits = tf.div(tf.matMul(a, tf.transpose(b)), tau) as tf.Tensor2D;
      const m = tf.max(logits, 1, true);
      const e = tf.exp(tf.sub(logits, m));
      const s = tf.sum(e, 1, true);
      lse = tf.add(tf.log(s), m);
      softmax = tf.div(e, s) as tf.Tensor2D;
    }
    const pos = tf.div(tf.sum(tf.mul(a, b), 1, true), tau);
    save([a, b, softmax]);
    return {
      value: tf.mean(tf.sub(lse, pos)) as tf.Scalar,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [as, bs, p] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const scale = tf.div(dy, as.shape[0] * tau);
        // The scalar scale is applied to the [B, d] operands, not to the [B, B] softmax: one [B, B] pass fewer.
        const bsc = tf.mul(bs, scale) as tf.Tensor2D;
        const asc = tf.mul(as, scale) as tf.Tensor2D;
        const da = tf.sub(tf.matMul(p, bsc), bsc);
        const db = tf.sub(tf.transpose(tf.matMul(tf.transpose(asc), p)), asc);
        return [da, db];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(an, bn) as tf.Scalar;
}

/** mean_i −log softmax_j(cos(a_i, b_j)/τ)_i for row-aligned a, b [B, d] (rows normalised here). */
export function infoNce(a: tf.Tensor2D, b: tf.Tensor2D, tau: number): tf.Scalar {
  const an = l2NormalizeRows(a);
  const bn = l2NormalizeRows(b);
  if (!referenceMode()) return infoNceNormalised(an, bn, tau);
  // Reference: the textbook form with tfjs's own gradients.
  const logits = tf.div(tf.matMul(an, tf.transpose(bn)), tau);
  const pos = tf.div(tf.sum(tf.mul(an, bn), 1), tau);
  return tf.mean(tf.sub(tf.logSumExp(logits, 1), pos)) as tf.Scalar;
}

export type BatchRows = 'pos' | 'neg' | 'users';

/** The batch's index tensor and host copy for `rows`. */
export function batchRows(b: Batch, rows: BatchRows): { idx: tf.Tensor1D; host: Int32Array } {
  if (rows === 'users') return { idx: b.users, host: b.usersHost };
  if (rows === 'neg') return { idx: b.neg, host: b.negHost };
  return { idx: b.pos, host: b.posHost };
}

export const batchRowsSchema = (): TUnsafe<BatchRows> =>
  StringEnum(['pos', 'neg', 'users'], {
    default: 'pos',
    description: "Which batch rows the loss reads: 'pos' (positive items), 'neg' (negative items) or 'users'.",
    examples: ['pos'],
  });

export const infonce = defineOp({
  name: 'infonce',
  doc: 'Σ over views of InfoNCE(anchor, view) on the batch rows, cosine similarity, in-batch negatives.',
  category: 'loss',
  loss: true,
  params: Type.Object({
    tau: Defaulted(Type.Number({ exclusiveMinimum: 0, default: 0.2, description: 'Temperature τ.', examples: [0.2] })),
    rows: Defaulted(batchRowsSchema()),
    stop_grad_anchor: Type.Optional(
      Type.Array(Type.Boolean(), {
        description:
          'Per view: detach the anchor in that term (default all false). The official AnchorRec code uses [false, true].',
        examples: [[false, true]],
      }),
    ),
  }),
  inputs: [
    { name: 'anchor', doc: 'Anchor rows [items, d] (or [users, d] with rows: users), e.g. p_mm.', kind: 'dense' },
    {
      name: 'views',
      doc: "Views pulled toward the anchor, each of the anchor's shape, e.g. [p_id, p_mix].",
      list: true,
      kind: 'dense',
    },
  ],
  outputs: [{ name: 'loss', doc: 'Scalar loss: the sum of the per-view InfoNCE terms.' }],
  shape: (p, inputs) => {
    const a = denseIn(inputs, 'anchor', 2);
    const rows = p.rows;
    const want = rows === 'users' ? 'users' : 'items';
    if (!sameDim(a.dims[0]!, want))
      throw new ShapeError(
        `'anchor' must have one row per ${want.slice(0, -1)} for rows: ${rows}, got ${typeToString(a)}`,
        { port: 'anchor' },
      );
    const views = listIn(inputs, 'views');
    if (views.length === 0) throw new ShapeError(`'views' needs at least one input`, { port: 'views' });
    views.forEach((t, i) => {
      if (
        t.kind !== 'dense' ||
        t.dims.length !== 2 ||
        !sameDim(t.dims[0]!, a.dims[0]!) ||
        !sameDim(t.dims[1]!, a.dims[1]!)
      )
        throw new ShapeError(
          `'views[${i}]' is ${typeToString(t)} but 'anchor' is ${typeToString(a)}: shapes must match`,
          { port: 'views' },
        );
    });
    if (p.stop_grad_anchor && p.stop_grad_anchor.length !== views.length)
      throw new ShapeError(`'stop_grad_anchor' has ${p.stop_grad_anchor.length} entries for ${views.length} views`, {
        param: 'stop_grad_anchor',
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
        if (!b) throw new Error('infonce needs a training batch');
        const { idx, host } = batchRows(b, rows);
        const anchor = gatherRows(v.anchor as tf.Tensor2D, idx, host);
        const views = v.views as tf.Tensor2D[];
        const terms = views.map((view, k) => {
          const a = p.stop_grad_anchor?.[k] ? stopGradient(anchor) : anchor;
          return infoNce(a, gatherRows(view, idx, host), tau);
        });
        return { loss: terms.length === 1 ? terms[0]! : (tf.addN(terms) as tf.Scalar) };
      },
    };
  },
});
