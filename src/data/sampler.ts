/**
 * Training batches under the MMRec protocol: each epoch a fresh shuffle of the train rows, batches of 2048
 * with the last partial batch kept, and one uniform negative per row drawn from the train items while
 * rejecting the row's user's own train items.
 */
import type { RandomStream } from '../util/rng.js';
import { UserError } from '../util/errors.js';
import { hasItem } from './csr.js';
import type { Interactions, UserItems } from './types.js';

export const DEFAULT_BATCH_SIZE = 2048;

/** A fresh random permutation of 0..nTrain-1. */
export function epochOrder(nTrain: number, rng: RandomStream): Int32Array {
  const order = new Int32Array(nTrain);
  for (let i = 0; i < nTrain; i++) order[i] = i;
  return rng.shuffle(order);
}

/** [start, end) slices of 0..n in steps of batchSize; the last one may be shorter. */
export function* batchSlices(n: number, batchSize = DEFAULT_BATCH_SIZE): Generator<[number, number]> {
  if (!(batchSize >= 1)) throw new Error(`batch size must be at least 1, got ${batchSize}`);
  for (let s = 0; s < n; s += batchSize) yield [s, Math.min(n, s + batchSize)];
}

export function batchCount(n: number, batchSize = DEFAULT_BATCH_SIZE): number {
  return Math.ceil(n / batchSize);
}

/** Rejection attempts before falling back to an explicit complement; only heavy users ever reach it. */
const MAX_REJECTIONS = 64;

export class NegativeSampler {
  private readonly byUser: UserItems;
  private readonly pool: Int32Array;
  private readonly nItems: number;
  /** Complements for the rare users that rejection sampling struggles with, built on first need. */
  private readonly fallback = new Map<number, Int32Array>();

  constructor(ds: { trainByUser: UserItems; trainItems: Int32Array; nItems: number }) {
    this.byUser = ds.trainByUser;
    this.pool = ds.trainItems;
    this.nItems = ds.nItems;
  }

  /** One negative for user u: uniform over the train items u has not interacted with in train. */
  sampleOne(u: number, rng: RandomStream): number {
    const pool = this.pool;
    for (let k = 0; k < MAX_REJECTIONS; k++) {
      const j = pool[rng.int(pool.length)]!;
      if (!hasItem(this.byUser, u, j)) return j;
    }
    // Each rejection round is uniform over the complement, so drawing uniformly from it keeps the law the same.
    const c = this.complement(u);
    return c[rng.int(c.length)]!;
  }

  /** Fills out[k] with a negative for users[k]; `out` is reused across batches to avoid allocation. */
  sample(users: Int32Array, rng: RandomStream, out: Int32Array = new Int32Array(users.length)): Int32Array {
    for (let k = 0; k < users.length; k++) out[k] = this.sampleOne(users[k]!, rng);
    return out;
  }

  private complement(u: number): Int32Array {
    let c = this.fallback.get(u);
    if (c) return c;
    const own = this.byUser.indices.subarray(this.byUser.indptr[u]!, this.byUser.indptr[u + 1]!);
    c = this.pool.filter((j) => !hasItem(this.byUser, u, j));
    if (c.length === 0) {
      // Every train item is the user's: any item outside their list (one never trained on) still works.
      const mine = new Set(own);
      const rest: number[] = [];
      for (let i = 0; i < this.nItems; i++) if (!mine.has(i)) rest.push(i);
      if (rest.length === 0) {
        throw new UserError(`user ${u} has interacted with all ${this.nItems} items in train, so no negative item exists for BPR`);
      }
      c = Int32Array.from(rest);
    }
    this.fallback.set(u, c);
    return c;
  }
}

export interface Batch {
  users: Int32Array;
  pos: Int32Array;
  neg: Int32Array;
}

/** Buffers for one batch, reused for every batch of every epoch. */
export function allocBatch(batchSize = DEFAULT_BATCH_SIZE): Batch {
  return { users: new Int32Array(batchSize), pos: new Int32Array(batchSize), neg: new Int32Array(batchSize) };
}

/**
 * Fills `buf` with train rows order[start..end) and their negatives; returns views of length end - start
 * into `buf` (valid until the next call).
 */
export function fillBatch(train: Interactions, order: Int32Array, start: number, end: number, sampler: NegativeSampler, rng: RandomStream, buf: Batch): Batch {
  const n = end - start;
  const users = buf.users.subarray(0, n);
  const pos = buf.pos.subarray(0, n);
  const neg = buf.neg.subarray(0, n);
  for (let k = 0; k < n; k++) {
    const r = order[start + k]!;
    users[k] = train.users[r]!;
    pos[k] = train.items[r]!;
  }
  sampler.sample(users, rng, neg);
  return { users, pos, neg };
}
