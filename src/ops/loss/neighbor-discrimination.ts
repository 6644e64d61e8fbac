/**
 * neighbor_discrimination: DA-MRS's alignment of item views (damrs.py neighbor_discrimination), averaged over
 * the views. For view m and the batch's distinct items b (positives and negatives):
 *  - pseudo-labels, without gradient: P_v = softmax_j cos(h_v[b], h_v[j]) over all items for every view v;
 *    the K "multimodal" positives are the top K of Σ_v P_v + P_m, the K "single" positives the top K of P_m
 *    among the rest (the reference zeroes the first set, then takes the top K);
 *  - loss_m = mean_b −log(S_mm / S_all + 1e-9) − log(S_single / (S_all − S_mm) + 1e-9), where
 *    S_X = Σ_{j∈X} exp(cos(h_m[b], h_m[j]) / τ) and S_all runs over every item.
 * Cost per view: a [B, items] similarity with its gradient (B ≤ 2 × batch), so it is the heaviest DA-MRS term;
 * the pseudo-labels take the softmaxes of that same similarity block, outside the gradient tape.
 */
import * as tf from '@tensorflow/tfjs';
import { Type } from '@sinclair/typebox';
import { Defaulted, defineOp, scalar, ShapeError, typeToString } from '../types.js';
import { listIn, sameDim } from '../shape.js';
import { gatherRows } from '../kernels/gather-rows.js';
import { l2NormalizeRows } from '../combine/normalize.js';
import { uniqueIndices } from './batch-unique.js';
import { heapKernelsActive } from '../kernels/registry.js';
import { heapSoftmaxRows, heapTopkRows } from '../kernels/heap/rows.js';
import { sumExpSimilarity } from '../kernels/exp-similarity.js';
import { MAX_NEIGHBOURS } from '../../util/size-limits.js';

const CHUNK = 1024;
/** Largest [B, items] block kept per view from forward to backward (kept twice: E and Eᵀ). */
const KEEP_BYTES = 128 * 1024 * 1024;

/** A view's K multimodal and K single positives per anchor row, [B·K] each. */
export type Positives = { mm: Int32Array; single: Int32Array };

/**
 * Rows [c0, c0 + c) of every view's positives, from the views' softmax blocks probs[v] ([c, items], the same
 * anchor rows in every view). The softmax sum is computed once and shared by every m.
 */
function selectPositives(probs: tf.Tensor2D[], c0: number, K: number, out: Positives[]): void {
  tf.tidy(() => {
    const c = probs[0]!.shape[0];
    // The top-k selections are the expensive part; on wasm a SIMD kernel reads total + P_m in place
    // (reference mode keeps tf.add and tf.topk).
    const topk = (x: tf.Tensor2D, plus: tf.Tensor2D | undefined, k: number) =>
      heapKernelsActive() ? heapTopkRows(x, plus, k) : tf.topk(plus ? tf.add(x, plus) : x, k).indices.dataSync();
    const total = tf.addN(probs) as tf.Tensor2D;
    probs.forEach((pm, m) => {
      const top = topk(total, pm, K);
      // The K best of P_m outside the multimodal set lie among P_m's 2K best.
      const K2 = Math.min(2 * K, pm.shape[1]);
      const self = topk(pm, undefined, K2);
      const { mm, single } = out[m]!;
      for (let r = 0; r < c; r++) {
        const taken = new Set<number>();
        for (let t = 0; t < K; t++) taken.add((mm[(c0 + r) * K + t] = top[r * K + t]!));
        let f = 0;
        for (let t = 0; t < K2 && f < K; t++) {
          const j = self[r * K2 + t]!;
          if (!taken.has(j)) single[(c0 + r) * K + f++] = j;
        }
      }
    });
  });
}

const softmaxRows = (x: tf.Tensor2D): tf.Tensor2D => {
  if (!heapKernelsActive()) return tf.softmax(x) as tf.Tensor2D;
  const { softmax, max, sum } = heapSoftmaxRows(x);
  max.dispose();
  sum.dispose();
  return softmax;
};

/**
 * For every view m, the [B·K] multimodal and single positives of the anchor rows `idx`, from detached copies of
 * the views, in row chunks (the standalone form: the op shares the loss's similarities instead when it can).
 */
export function pseudoPositives(views: tf.Tensor2D[], idx: Int32Array, K: number): Positives[] {
  const B = idx.length;
  const out = views.map(() => ({ mm: new Int32Array(B * K), single: new Int32Array(B * K) }));
  const normed = views.map((h) => tf.tidy(() => l2NormalizeRows(h)));
  const normedT = normed.map((h) => tf.tidy(() => tf.transpose(h) as tf.Tensor2D));
  try {
    for (let c0 = 0; c0 < B; c0 += CHUNK) {
      const c = Math.min(CHUNK, B - c0);
      tf.tidy(() => {
        const rows = tf.tensor1d(idx.subarray(c0, c0 + c), 'int32');
        const probs = normed.map((hn, v) => softmaxRows(tf.matMul(tf.gather(hn, rows), normedT[v]!) as tf.Tensor2D));
        selectPositives(probs, c0, K, out);
      });
    }
  } finally {
    normed.forEach((t) => t.dispose());
    normedT.forEach((t) => t.dispose());
  }
  return out;
}

export const neighborDiscrimination = defineOp({
  name: 'neighbor_discrimination',
  doc: 'DA-MRS neighbour discrimination: contrast each item view with pseudo-positive neighbours agreed across views.',
  category: 'loss',
  loss: true,
  params: Type.Object({
    tau: Defaulted(
      Type.Number({
        exclusiveMinimum: 0,
        default: 0.2,
        description: 'Temperature τ of the contrast.',
        examples: [0.2],
      }),
    ),
    positives: Defaulted(
      Type.Integer({
        minimum: 1,
        maximum: MAX_NEIGHBOURS,
        default: 10,
        description: 'K pseudo-positives of each kind per item.',
        examples: [10],
      }),
    ),
  }),
  inputs: [
    {
      name: 'views',
      doc: 'Item views of one width, each [items, d], e.g. [h_s, h_v, h_t].',
      list: true,
      kind: 'dense',
    },
  ],
  outputs: [{ name: 'loss', doc: 'Scalar loss: the mean over views.' }],
  shape: (p, inputs, env) => {
    const vs = listIn(inputs, 'views');
    if (vs.length === 0) throw new ShapeError(`'views' needs at least one input`, { port: 'views' });
    vs.forEach((t, i) => {
      if (
        t.kind !== 'dense' ||
        t.dims.length !== 2 ||
        !sameDim(t.dims[0]!, 'items') ||
        !sameDim(t.dims[1]!, vs[0]!.dims[1]!)
      )
        throw new ShapeError(
          `'views[${i}]' must be [items, d] like 'views[0]' (${typeToString(vs[0]!)}), got ${typeToString(t)}`,
          { port: 'views' },
        );
    });
    const n = env.sizes.items;
    if (n !== undefined && 2 * p.positives > n)
      throw new ShapeError(
        `'positives' is ${p.positives} but there are only ${n} items (two disjoint sets are needed)`,
        { param: 'positives' },
      );
    return { loss: scalar() };
  },
  build: (p) => {
    const tau = p.tau;
    const K = p.positives;
    return {
      run: (v, ctx) => {
        const b = ctx.batch;
        if (!b) throw new Error('neighbor_discrimination needs a training batch');
        const views = v.views as tf.Tensor2D[];
        const idxHost = uniqueIndices(b.posHost, b.negHost);
        const B = idxHost.length;
        const idx = tf.tensor1d(idxHost, 'int32');
        const n = views[0]!.shape[0];
        // Keeping a view's [B, items] exponentials for the gradient saves recomputing its similarities (one
        // matMul of the block); beyond KEEP_BYTES per view they are recomputed in row chunks instead.
        const keep = B * n * 4 <= KEEP_BYTES;
        // The pseudo-labels are the softmaxes of the very similarities the contrast computes (cosines of the
        // same rows of the same views, no gradient): when the blocks are kept whole, the contrast's forward
        // pass hands each view's block to the labels, one matMul per view instead of two. Otherwise (or in
        // reference mode) the labels are computed on their own from host copies, in row chunks.
        const share = keep && heapKernelsActive();
        const probs: tf.Tensor2D[] = [];
        let labels: Positives[];
        let parts: { a: tf.Tensor2D; aug: tf.Tensor2D; all: tf.Tensor1D }[];
        try {
          parts = views.map((h) => {
            const aug = l2NormalizeRows(h);
            const a = l2NormalizeRows(gatherRows(h, idx, idxHost));
            const onBlock = share ? (sim: tf.Tensor2D) => void probs.push(tf.keep(softmaxRows(sim))) : undefined;
            return { a, aug, all: sumExpSimilarity(a, aug, tau, { chunk: CHUNK, keep, onBlock }) };
          });
          if (share) {
            labels = views.map(() => ({ mm: new Int32Array(B * K), single: new Int32Array(B * K) }));
            selectPositives(probs, 0, K, labels);
          } else {
            const detached = views.map((h) => tf.tensor2d(h.dataSync() as Float32Array, h.shape));
            labels = pseudoPositives(detached, idxHost, K);
          }
        } finally {
          probs.forEach((t) => t.dispose());
        }
        const terms = parts.map(({ a, aug, all }, m) => {
          const { mm, single } = labels[m]!;
          const d = a.shape[1];
          const a3 = tf.reshape(a, [B, 1, d]);
          const setScore = (cols: Int32Array) => {
            const g = tf.reshape(gatherRows(aug, tf.tensor1d(cols, 'int32'), cols), [B, K, d]);
            return tf.sum(tf.exp(tf.div(tf.sum(tf.mul(a3, g), 2), tau)), 1);
          };
          const sMm = setScore(mm);
          const sSingle = setScore(single);
          const l = tf.add(
            tf.log(tf.add(tf.div(sMm, all), 1e-9)),
            tf.log(tf.add(tf.div(sSingle, tf.sub(all, sMm)), 1e-9)),
          );
          return tf.neg(tf.mean(l)) as tf.Scalar;
        });
        return { loss: tf.div(tf.addN(terms), terms.length) as tf.Scalar };
      },
    };
  },
});
