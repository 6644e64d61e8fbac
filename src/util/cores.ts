/**
 * How a machine's cores are shared between the points a sweep or a zoo runs at once and the threads of each
 * point's training (ANCHORFLOW_THREADS): workers x threads stays within the cores, so points do not slow each
 * other down by oversubscribing them.
 */
import { availableParallelism } from 'node:os';
import { flag } from './flags.js';

/** Threads for each of `workers` concurrent points: the `threads` flag when set, else an even share of the cores. */
export function threadsPerWorker(workers: number, cores = availableParallelism()): number {
  return flag('threads') ?? Math.max(1, Math.floor(cores / Math.max(1, workers)));
}
