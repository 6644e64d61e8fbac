/**
 * The batch's distinct items R (positives and negatives, in order of first appearance) and a copy of the batch
 * whose pos/neg index into R: what a row-pushed-down step hands the losses that read compact item tables.
 * Called inside the step's tidy, so the tensors made here live as long as the step.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../ops/types.js';

export interface CompactItems {
  /** R as a tensor and on the host. */
  idx: tf.Tensor1D;
  host: Int32Array;
  /** The same users; pos and neg are positions in R. */
  batch: Batch;
}

export function compactItems(b: Batch): CompactItems {
  const at = new Map<number, number>();
  const order: number[] = [];
  const remap = (src: Int32Array) => {
    const out = new Int32Array(src.length);
    for (let i = 0; i < src.length; i++) {
      const item = src[i]!;
      let p = at.get(item);
      if (p === undefined) {
        p = order.length;
        at.set(item, p);
        order.push(item);
      }
      out[i] = p;
    }
    return out;
  };
  const posHost = remap(b.posHost);
  const negHost = remap(b.negHost);
  const host = Int32Array.from(order);
  return {
    idx: tf.tensor1d(host, 'int32'),
    host,
    batch: {
      size: b.size,
      users: b.users,
      usersHost: b.usersHost,
      pos: tf.tensor1d(posHost, 'int32'),
      neg: tf.tensor1d(negHost, 'int32'),
      posHost,
      negHost,
    },
  };
}
