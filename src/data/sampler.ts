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
        throw new UserError(
          `user ${u} has interacted with all ${this.nItems} items in train, so no negative item exists for BPR`,
        );
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
export function fillBatch(
  train: Interactions,
  order: Int32Array,
  start: number,
  end: number,
  sampler: NegativeSampler,
  rng: RandomStream,
  buf: Batch,
): Batch {
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

/**
 * The training batches of every epoch: each `epoch()` draws a fresh shuffle of the train rows from `shuffle`,
 * then its batches (in order, the last one possibly shorter) take their negatives from `negatives`. The two
 * streams are separate so that the shuffle of an epoch does not depend on how many draws the negatives took.
 */
export class BatchIterator {
  readonly batchSize: number;
  /** Batches per epoch. */
  readonly count: number;
  private readonly sampler: NegativeSampler;
  private readonly buf: Batch;

  constructor(
    private readonly ds: { train: Interactions; trainByUser: UserItems; trainItems: Int32Array; nItems: number },
    batchSize: number,
    private readonly rng: { shuffle: RandomStream; negatives: RandomStream },
  ) {
    const n = ds.train.users.length;
    // A batch never holds more than the train rows, so a batch_size beyond them sizes no buffer by itself.
    this.batchSize = Math.min(batchSize, Math.max(1, n));
    this.count = batchCount(n, this.batchSize);
    this.sampler = new NegativeSampler(ds);
    this.buf = allocBatch(this.batchSize);
  }

  /** Starts an epoch: its shuffle is drawn now; its batches are read in order with `batch(0)`, `batch(1)`, ... */
  epoch(): EpochBatches {
    const order = epochOrder(this.ds.train.users.length, this.rng.shuffle);
    return new EpochBatches(order, this.batchSize, (s, e) =>
      fillBatch(this.ds.train, order, s, e, this.sampler, this.rng.negatives, this.buf),
    );
  }
}

/** One epoch's batches; each is a view into buffers the next batch overwrites. */
export class EpochBatches implements Iterable<Batch> {
  readonly count: number;
  private next = 0;

  constructor(
    /** The epoch's permutation of the train rows. */
    readonly order: Int32Array,
    private readonly batchSize: number,
    private readonly fill: (start: number, end: number) => Batch,
  ) {
    this.count = batchCount(order.length, batchSize);
  }

  /**
   * Batch b of the epoch. Batches draw their negatives from one stream in turn, so they must be asked for in
   * order: any other order would change every later batch.
   */
  batch(b: number): Batch {
    if (b !== this.next || b >= this.count)
      throw new Error(`batch ${b} asked for, but the next batch of this epoch is ${this.next} of ${this.count}`);
    this.next++;
    const start = b * this.batchSize;
    return this.fill(start, Math.min(this.order.length, start + this.batchSize));
  }

  *[Symbol.iterator](): Iterator<Batch> {
    while (this.next < this.count) yield this.batch(this.next);
  }
}
