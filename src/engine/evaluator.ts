/**
 * Full-ranking evaluation as MMRec does it: for every user with at least one relevant item and at least one train
 * item, score all items (user · item), mask the user's train items, take the top max(K), and average the
 * metrics of metrics.ts over those users.
 *
 * Shaped by what is fast on tfjs's wasm backend (see shared/notes/tfjs-on-this-machine.md):
 * - the item matrix is transposed once per call, and each user block is a plain matMul (a transposed operand
 *   runs dozens of times slower on wasm than a plain one);
 * - scores never leave tfjs: masking and tf.topk run inside it and only the [block, max K] indices are read
 *   back (reading a whole score block back costs more than the product that made it);
 * - train items are masked with tf.tensorScatterUpdate (writes -Infinity at the block's train positions from
 *   an [nnz, 2] index list), so no dense mask is built or uploaded. Where a backend lacks that kernel, a reused
 *   host buffer of block x items (0, with -Infinity at train positions, reset after use) is added instead
 *   (the scatter costs half what the dense mask does: docs/kernels.md).
 *
 * Ties: tf.topk (cpu and wasm alike) orders equal scores by ascending item index, so among equal scores the
 * lower item id ranks first. Masked items score -Infinity; they reach the list only when a user has fewer than
 * max(K) non-train items, and then they can only be hits if truth overlaps train. As in MMRec, |T| counts every
 * truth row of the user (a duplicated valid/test row counts twice), including any that is also a train item and
 * so can never be hit.
 */
import * as tf from '@tensorflow/tfjs';
import type { UserItems } from '../data/types.js';
import type { Metrics } from './events.js';
import { MetricAccumulator, mapAt, metricName, ndcgAt, precisionAt, recallAt } from './metrics.js';

export interface FullRankingOptions {
  /** [nUsers, d] final user embeddings. */
  users: tf.Tensor2D;
  /** [nItems, d] final item embeddings. */
  items: tf.Tensor2D;
  /** Train items per user: masked out of the ranking; users without any are not evaluated. */
  train: UserItems;
  /** Relevant (valid or test) items per user; users without any are not evaluated. */
  truth: UserItems;
  /** Cut-offs, e.g. [5, 10, 20, 50]. */
  ks: number[];
  /** Metric names of metrics.ts: recall, precision, ndcg, map (recall2 too). */
  metrics: string[];
  /** Users scored per block: a block's scores are batchUsers x nItems floats inside tfjs. */
  batchUsers: number;
  /** How train items are masked: 'auto' (scatter where the backend has TensorScatterUpdate), or forced. */
  mask?: 'auto' | 'scatter' | 'dense';
}

/** The users that are evaluated: at least one truth item and at least one train item (ascending ids). */
export function evaluatedUsers(train: UserItems, truth: UserItems, nUsers: number): Int32Array {
  const out: number[] = [];
  for (let u = 0; u < nUsers; u++) {
    if (truth.indptr[u + 1]! > truth.indptr[u]! && train.indptr[u + 1]! > train.indptr[u]!) out.push(u);
  }
  return Int32Array.from(out);
}

function checkOptions(o: FullRankingOptions): void {
  const [nUsers, d] = o.users.shape;
  const [, dItems] = o.items.shape;
  if (o.users.rank !== 2 || o.items.rank !== 2 || d !== dItems) {
    throw new Error(`evaluateFullRanking: users [${o.users.shape}] and items [${o.items.shape}] do not match`);
  }
  for (const [name, userItems] of [
    ['train', o.train],
    ['truth', o.truth],
  ] as const) {
    if (userItems.indptr.length !== nUsers + 1) {
      throw new Error(
        `evaluateFullRanking: ${name} lists ${userItems.indptr.length - 1} users, embeddings have ${nUsers}`,
      );
    }
  }
  if (!(o.batchUsers >= 1)) throw new Error(`evaluateFullRanking: batchUsers must be >= 1, got ${o.batchUsers}`);
}

/** One metric per evaluated user, in the order of `users` (ascending ids); their mean is `metrics[metric]`. */
export interface PerUserMetric {
  metric: string;
  users: Int32Array;
  values: Float64Array;
}

/** Mean metrics over the evaluated users (all 0 when there are none). Leaves the tensor count unchanged. */
export function evaluateFullRanking(opts: FullRankingOptions): Metrics {
  return rankUsers(opts);
}

/**
 * As evaluateFullRanking, and also each evaluated user's value of one metric (`recall@20`), for per-user
 * comparisons of two models (paired bootstrap over users).
 */
export function evaluateFullRankingPerUser(
  opts: FullRankingOptions,
  metric: string,
): { metrics: Metrics; perUser: PerUserMetric } {
  const m = /^([a-z0-9]+)@(\d+)$/i.exec(metric);
  const name = m ? metricName(m[1]!) : undefined;
  if (!m || name === 'recall2')
    throw new Error(
      `evaluateFullRankingPerUser: '${metric}' is not a per-user metric (recall, precision, ndcg or map @K)`,
    );
  const k = Number(m[2]);
  // The single-user definitions of metrics.ts, the same ones the accumulator averages.
  const one = (hits: Uint8Array, nRel: number) =>
    name === 'recall'
      ? recallAt(hits, nRel, k)
      : name === 'precision'
        ? precisionAt(hits, k)
        : name === 'ndcg'
          ? ndcgAt(hits, nRel, k)
          : mapAt(hits, nRel, k);
  const users: number[] = [];
  const values: number[] = [];
  const metrics = rankUsers(opts, (u, hits, nRel) => {
    users.push(u);
    values.push(one(hits, nRel));
  });
  return { metrics, perUser: { metric, users: Int32Array.from(users), values: Float64Array.from(values) } };
}

function rankUsers(
  opts: FullRankingOptions,
  onUser?: (user: number, hits: Uint8Array, nRelevant: number) => void,
): Metrics {
  checkOptions(opts);
  const { users, items, train, truth, ks } = opts;
  const nUsers = users.shape[0];
  const nItems = items.shape[0];
  const acc = new MetricAccumulator(ks, opts.metrics);
  const evalUsers = evaluatedUsers(train, truth, nUsers);
  const k = Math.min(
    acc.ks.reduce((a, b) => Math.max(a, b)),
    nItems,
  );
  if (evalUsers.length === 0 || k === 0) return acc.result();

  const block = Math.max(1, Math.min(Math.floor(opts.batchUsers), evalUsers.length));
  const mode = opts.mask ?? 'auto';
  const useScatter =
    mode === 'scatter' || (mode === 'auto' && tf.getKernel('TensorScatterUpdate', tf.getBackend()) !== undefined);
  let denseMask: Float32Array | undefined;
  const isRel = new Uint8Array(nItems);
  const hits = new Uint8Array(k);

  const itemsT = tf.transpose(items) as tf.Tensor2D; // [d, nItems], once per call
  try {
    for (let start = 0; start < evalUsers.length; start += block) {
      const ids = evalUsers.subarray(start, Math.min(start + block, evalUsers.length));
      const b = ids.length;
      // The block's train positions as (row in block, item) pairs.
      let nnz = 0;
      for (let r = 0; r < b; r++) nnz += train.indptr[ids[r]! + 1]! - train.indptr[ids[r]!]!;
      const coords = new Int32Array(nnz * 2);
      for (let r = 0, p = 0; r < b; r++) {
        const u = ids[r]!;
        for (let q = train.indptr[u]!; q < train.indptr[u + 1]!; q++, p += 2) {
          coords[p] = r;
          coords[p + 1] = train.indices[q]!;
        }
      }

      const top = tf.tidy(() => {
        const scores = tf.matMul(tf.gather(users, tf.tensor1d(ids, 'int32')), itemsT) as tf.Tensor2D;
        let masked: tf.Tensor2D;
        if (nnz === 0) {
          masked = scores; // cannot happen for evaluated users (they all have train items); kept for safety
        } else if (useScatter) {
          const at = tf.tensor2d(coords, [nnz, 2], 'int32');
          masked = tf.tensorScatterUpdate(scores, at, tf.fill([nnz], -Infinity)) as tf.Tensor2D;
        } else {
          denseMask ??= new Float32Array(block * nItems);
          const view = denseMask.subarray(0, b * nItems);
          for (let p = 0; p < coords.length; p += 2) view[coords[p]! * nItems + coords[p + 1]!] = -Infinity;
          const m = tf.tensor2d(view, [b, nItems], 'float32');
          masked = tf.add(scores, m);
          m.dispose(); // the cpu backend may hold `view` by reference: drop the tensor before resetting the buffer
          for (let p = 0; p < coords.length; p += 2) view[coords[p]! * nItems + coords[p + 1]!] = 0;
        }
        return tf.topk(masked, k, true).indices;
      });
      const topIdx = top.dataSync() as Int32Array;
      top.dispose();

      for (let r = 0; r < b; r++) {
        const u = ids[r]!;
        // |T| is the length of the user's truth list, a repeated row counted each time, as MMRec's pos_len is;
        // a ranked item is a hit once (set membership), however often it repeats in the list.
        const nRel = truth.indptr[u + 1]! - truth.indptr[u]!;
        for (let q = truth.indptr[u]!; q < truth.indptr[u + 1]!; q++) isRel[truth.indices[q]!] = 1;
        const row = r * k;
        for (let j = 0; j < k; j++) hits[j] = isRel[topIdx[row + j]!]!;
        acc.addUser(hits, nRel);
        onUser?.(u, hits, nRel);
        for (let q = truth.indptr[u]!; q < truth.indptr[u + 1]!; q++) isRel[truth.indices[q]!] = 0;
      }
    }
  } finally {
    itemsT.dispose();
  }
  return acc.result();
}
