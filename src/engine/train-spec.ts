/**
 * The training and evaluation settings the engine runs by. The engine owns this type so that it needs nothing
 * from the pipeline language: the layer above builds it from a resolved pipeline (experiments/train-spec.ts),
 * and a program that drives the engine directly can write one by hand.
 */
import type { StreamKind } from '../util/streams.js';

/** The random streams of a run: weight init, the per-epoch shuffle, negatives, per-step noise. */
export type RandomStreamName = 'init' | 'shuffle' | 'negatives' | 'step';

export interface EvalSettings {
  /** Metric names (recall, ndcg, precision, map). */
  metrics: string[];
  /** Cut-offs; every metric is computed at every k. */
  ks: number[];
  /** Users scored per block during full ranking. */
  batchUsers: number;
}

export interface TrainSpec {
  epochs: number;
  batchSize: number;
  /** Adam's step size and epsilon. */
  adam: { lr: number; eps: number };
  /** lr * a^(epoch / b), stepped per epoch. */
  lrSchedule: [number, number];
  /** The valid metric (`metric@k`) that selects the best epoch, the patience, and whether it stops the run. */
  earlyStopping: { metric: string; patience: number; stop?: boolean };
  /** Evaluate every n epochs (and after the last). */
  evalEvery: number;
  /** The generator of each random stream (absent: sfc32). */
  rng: Partial<Record<RandomStreamName, StreamKind>>;
  eval: EvalSettings;
}
