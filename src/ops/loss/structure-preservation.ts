/**
 * structure_preservation: AnchorRec's anchor-modality preservation (AMP) loss, eq. 3 of the paper,
 *   Σ_m w_m · dist( S(h_m,b), cos(f_m,b) )
 * on the batch's positive items b: the learned similarity structure of each modality's embeddings h_m should
 * stay close to the cosine structure of its pretrained features f_m. S is the cosine C(h_i, h_j) of the paper
 * or the raw dot product h hᵀ of the official code; dist is the Frobenius norm of the paper, its square, the
 * mean squared entry, or the Frobenius norm divided by the batch size (MMRec's EmbLoss, which is what the
 * official code's sim_loss computes). The features are a target only: no gradient flows into them.
 *
 * Cost: the target is a [B, B] product of batch feature rows, B² · f multiply-adds per step (about 34 GFLOP for
 * B 2048 and 4,096-d image features), unavoidable for this loss. The feature rows are gathered first and only
 * those B rows normalised, which is B · f work; caching a normalised copy of the whole feature matrix would save
 * a negligible share of the step and hold another [items, f] tensor that nothing would dispose.
 */
import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import { Defaulted, defineOp, scalar, ShapeError, StringEnum, typeToString } from '../types.js';
import { listIn, sameDim } from '../shape.js';
import { gatherRows } from '../kernels/gather-rows.js';
import { l2NormalizeRows } from '../combine/normalize.js';
import { stopGradient } from '../combine/stop-gradient.js';
import { matMulABt } from './infonce.js';
import { blockSumOfSquares, cachedCosineMatrix, cachedNormalizedRows, gatherSquareBlock } from '../kernels/cosine.js';
import { referenceMode } from '../kernels/mode.js';

export type SimilarityKind = 'cosine' | 'dot';
export type DistanceKind = 'fro' | 'fro_squared' | 'mse' | 'fro_over_batch';

/** dist(S, T) for [B, B] matrices. */
export function matrixDistance(s: tf.Tensor2D, t: tf.Tensor2D, kind: DistanceKind): tf.Scalar {
  const sq = tf.square(tf.sub(s, t));
  switch (kind) {
    case 'fro_squared':
      return tf.sum(sq) as tf.Scalar;
    case 'mse':
      return tf.mean(sq) as tf.Scalar;
    case 'fro':
    case 'fro_over_batch': {
      // sqrt(max(·, tiny)): the derivative of sqrt at an exact 0 would be NaN.
      const fro = tf.sqrt(tf.maximum(tf.sum(sq), 1e-30)) as tf.Scalar;
      return kind === 'fro' ? fro : (tf.div(fro, s.shape[0]) as tf.Scalar);
    }
  }
}

/**
 * dist(h hᵀ, T) without forming h hᵀ or the [B, B] difference: with T symmetric,
 *   ‖h hᵀ − T‖²_F = ‖hᵀh‖²_F − 2·Σ h ⊙ (T h) + ‖T‖²_F,
 * so a step costs one [B, B]·[B, d] product (T h) instead of three B²·d products and several [B, B] passes,
 * and d/dh ‖h hᵀ − T‖²_F = 4·(h·(hᵀh) − T h). The three scalars are summed in float64 on the host so that
 * the difference keeps its precision when the two structures are close. `t` is T itself, or (when T = F Fᵀ for
 * a thin F) the function h ↦ F·(Fᵀh), which costs 2·B·f·d instead of B²·d.
 */
export function gramDistance(
  h: tf.Tensor2D,
  t: tf.Tensor2D | ((h: tf.Tensor2D) => tf.Tensor2D),
  tNorm2: number,
  kind: DistanceKind,
): tf.Scalar {
  const bRows = h.shape[0];
  const f = tf.customGrad(((hIn: tf.Tensor, save: tf.GradSaveFunc) => {
    const hh = hIn as tf.Tensor2D;
    const g = tf.matMul(tf.transpose(hh), hh) as tf.Tensor2D;
    const th = typeof t === 'function' ? t(hh) : (tf.matMul(t, hh) as tf.Tensor2D);
    const gv = g.dataSync();
    const hv = hh.dataSync();
    const tv = th.dataSync();
    let a = 0;
    for (let i = 0; i < gv.length; i++) a += gv[i]! * gv[i]!;
    let c = 0;
    for (let i = 0; i < hv.length; i++) c += hv[i]! * tv[i]!;
    const q = Math.max(a - 2 * c + tNorm2, 1e-30);
    // value = φ(q) and dφ/dq for each distance
    const [value, dq] =
      kind === 'fro_squared'
        ? [q, 1]
        : kind === 'mse'
          ? [q / (bRows * bRows), 1 / (bRows * bRows)]
          : kind === 'fro'
            ? [Math.sqrt(q), 0.5 / Math.sqrt(q)]
            : [Math.sqrt(q) / bRows, 0.5 / (Math.sqrt(q) * bRows)];
    save([hh, g, th]);
    return {
      value: tf.scalar(value),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [hs, gs, ths] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        return [tf.mul(tf.sub(tf.matMul(hs, gs), ths), tf.mul(dy, 4 * dq))];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(h) as tf.Scalar;
}

export const structurePreservation = defineOp({
  name: 'structure_preservation',
  doc: "Σ_m w_m · ‖S(h_m) − cos(f_m)‖ on the batch positives: keeps each modality's feature similarity structure.",
  category: 'loss',
  loss: true,
  params: Type.Object({
    weights: Type.Optional(
      Type.Array(Type.Number({ minimum: 0 }), {
        description:
          'One weight λ_m per (emb, feat) pair, default all 1. The official code uses [1, 0.03, 0.01] for mm, t, v.',
        examples: [[1, 0.03, 0.01]],
      }),
    ),
    similarity: Defaulted(
      StringEnum(['cosine', 'dot'], {
        default: 'cosine',
        description:
          "Learned similarity S: 'cosine' C(h_i, h_j) as the paper's eq. 3, 'dot' h hᵀ as the official code.",
        examples: ['cosine'],
      }),
    ),
    distance: Defaulted(
      StringEnum(['fro', 'fro_squared', 'mse', 'fro_over_batch'], {
        default: 'fro',
        description:
          "'fro': ‖S − T‖_F (eq. 3); 'fro_squared': its square; 'mse': mean squared entry; 'fro_over_batch': ‖S − T‖_F / B (MMRec EmbLoss, the official code).",
        examples: ['fro'],
      }),
    ),
  }),
  inputs: [
    {
      name: 'emb',
      doc: 'Learned item embeddings per modality, each [items, d_m], e.g. [h_mm, h_t, h_v].',
      list: true,
      kind: 'dense',
    },
    {
      name: 'feat',
      doc: 'The matching frozen features, each [items, f_m], in the same order as emb.',
      list: true,
      kind: 'dense',
    },
  ],
  outputs: [{ name: 'loss', doc: 'Scalar loss.' }],
  readsCosineCache: ['feat'],
  shape: (p, inputs) => {
    const emb = listIn(inputs, 'emb');
    const feat = listIn(inputs, 'feat');
    if (emb.length === 0) throw new ShapeError(`'emb' needs at least one input`, { port: 'emb' });
    if (feat.length !== emb.length)
      throw new ShapeError(`'feat' has ${feat.length} inputs but 'emb' has ${emb.length}: they are pairs`, {
        port: 'feat',
      });
    const check = (t: (typeof emb)[number], port: string, i: number) => {
      if (t.kind !== 'dense' || t.dims.length !== 2 || !sameDim(t.dims[0]!, 'items'))
        throw new ShapeError(`'${port}[${i}]' must be [items, *], got ${typeToString(t)}`, { port });
    };
    emb.forEach((t, i) => check(t, 'emb', i));
    feat.forEach((t, i) => check(t, 'feat', i));
    if (p.weights && p.weights.length !== emb.length)
      throw new ShapeError(`'weights' has ${p.weights.length} entries for ${emb.length} (emb, feat) pairs`, {
        param: 'weights',
      });
    return { loss: scalar() };
  },
  build: (p) => {
    const similarity = p.similarity;
    const distance = p.distance;
    return {
      run: (v, ctx) => {
        const b = ctx.batch;
        if (!b) throw new Error('structure_preservation needs a training batch');
        const emb = v.emb as tf.Tensor2D[];
        const feat = v.feat as tf.Tensor2D[];
        const terms = emb.map((e, m) => {
          const f = feat[m]!;
          // Frozen features: unit rows (thin features) or all pairwise cosines (wide ones) are computed once.
          const constant = ctx.isConstant(f) && !referenceMode();
          const full = constant && 2 * f.shape[1] >= b.size ? cachedCosineMatrix(f) : undefined;
          let target: tf.Tensor2D | ((h: tf.Tensor2D) => tf.Tensor2D);
          let targetNorm2: number;
          if (constant && 2 * f.shape[1] < b.size) {
            // Thin features (TikTok's 128-d audio and image): T = F̂_b F̂_bᵀ is applied as F̂_b·(F̂_bᵀ·h) and never
            // formed, from the unit rows of F normalised once. F̂_bᵀ is transposed explicitly: a transposed-operand
            // matMul is much slower on wasm than a copy and a plain one.
            const fb = tf.gather(cachedNormalizedRows(f), b.pos) as tf.Tensor2D;
            const fbT = tf.transpose(fb) as tf.Tensor2D;
            // ‖F̂_b F̂_bᵀ‖²_F = ‖F̂_bᵀ F̂_b‖²_F: a [f, f] Gram (B·f² multiply-adds) where that is cheap, else the
            // sum over the batch block of the cached cosines (B² scattered reads, ~10 ns each here).
            const cos = f.shape[1] * f.shape[1] > 64 * b.size ? cachedCosineMatrix(f) : undefined;
            targetNorm2 = cos
              ? blockSumOfSquares(cos, f.shape[0], b.posHost)
              : tf.tidy(() => {
                  const g = tf.matMul(fbT, fb).dataSync();
                  let ss = 0;
                  for (let i = 0; i < g.length; i++) ss += g[i]! * g[i]!;
                  return ss;
                });
            target = (hh) => tf.matMul(fb, tf.matMul(fbT, hh)) as tf.Tensor2D;
          } else if (full) {
            const block = gatherSquareBlock(full, f.shape[0], b.posHost);
            let ss = 0;
            for (let i = 0; i < block.length; i++) ss += block[i]! * block[i]!;
            target = tf.tensor2d(block, [b.size, b.size]);
            targetNorm2 = ss;
          } else {
            const fb = stopGradient(l2NormalizeRows(gatherRows(f, b.pos, b.posHost)));
            const t = matMulABt(fb, fb);
            target = t;
            targetNorm2 = tf.tidy(() => tf.sum(tf.square(t)).dataSync()[0]!);
          }
          const hb = gatherRows(e, b.pos, b.posHost);
          const h = similarity === 'cosine' ? l2NormalizeRows(hb) : hb;
          const d = referenceMode()
            ? matrixDistance(matMulABt(h, h), target as tf.Tensor2D, distance)
            : gramDistance(h, target, targetNorm2, distance);
          const w = p.weights?.[m] ?? 1;
          return w === 1 ? d : (tf.mul(d, w) as tf.Scalar);
        });
        return { loss: terms.length === 1 ? terms[0]! : (tf.addN(terms) as tf.Scalar) };
      },
    };
  },
});
