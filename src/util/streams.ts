/**
 * Which generator a run's random stream uses: `sfc32` (the project's own, the default, so every existing run
 * repeats bit for bit) or `pcg64` (numpy's default bit generator, for comparing against a well-known one).
 */
import { Pcg64 } from './pcg64.js';
import { Rng, type RandomStream } from './rng.js';

export const STREAM_KINDS = ['sfc32', 'pcg64'] as const;
export type StreamKind = (typeof STREAM_KINDS)[number];

/** The root stream of a seed for the given generator. */
export function rootStream(kind: StreamKind, seed: number): RandomStream {
  if (kind === 'pcg64') return new Pcg64(seed >>> 0);
  return new Rng(seed);
}
