/** The pipeline as the language layer hands it to the compiler: extends merged, params substituted, validated. */
import type { SourceLocation } from '../util/errors.js';
import type { StreamKind } from '../util/streams.js';

/** A node as written: `op` plus the op's parameters and input-port references. */
export interface NodeSpec {
  op: string;
  [key: string]: unknown;
}

export interface TrainSpec {
  epochs: number;
  batch_size: number;
  optimizer: { adam: { lr: number; eps?: number } };
  /** lr * a^(epoch / b), stepped per epoch (MMRec's learning_rate_scheduler). */
  lr_schedule: [number, number];
  /** `stop: false` trains every epoch; the best valid epoch is still tracked and reported. */
  early_stopping: { metric: string; patience: number; stop?: boolean };
  seed: number;
  /** Evaluate every n epochs. */
  eval_every: number;
  /** The generator of each random stream (absent: sfc32 for all). */
  rng?: Partial<Record<RandomStreamName, StreamKind>>;
}

/** The random streams of a run: weight init, the per-epoch shuffle, negatives, per-step noise. */
export type RandomStreamName = 'init' | 'shuffle' | 'negatives' | 'step';

export interface EvalSpec {
  metrics: string[];
  k: number[];
  /** Users scored per block during full ranking. */
  batch_users: number;
}

/**
 * A feature source as the language accepts it (`data.features`, profiles): a file name, `{ file }`, `{ concat }`
 * or `{ synthetic: dim }`. The data layer declares the same union for its loaders (data/types.ts); the language
 * keeps its own copy because dsl/ imports nothing from data/, and the layer above passes one to the other, so the
 * compiler checks that they still agree.
 */
export type FeatureSource = string | { file: string } | { concat: string[] } | { synthetic: number };

export interface PipelineData {
  dataset: string;
  features: Record<string, FeatureSource>;
  /** Per-dataset overrides of `features`, e.g. `profiles.tiktok.features`. */
  profiles?: Record<string, { features: Record<string, FeatureSource> }>;
}

export interface Pipeline {
  version: 1;
  name: string;
  description?: string;
  data: PipelineData;
  params: Record<string, number | string | boolean>;
  nodes: Record<string, NodeSpec>;
  outputs: { user: string; item: string; [key: string]: string };
  losses: Record<string, NodeSpec>;
  train: TrainSpec;
  eval: EvalSpec;
  /** Free-form `sweep:` section; interpreted by experiments/. */
  sweep?: Record<string, unknown>;
}

export interface LoadedPipeline {
  /** The fully resolved pipeline (defaults applied, `${...}` substituted, extends merged, --set applied). */
  pipeline: Pipeline;
  /** The file that was loaded (the leaf of the extends chain). */
  file: string;
  /** Every file that contributed, leaf first. */
  files: string[];
  /**
   * Maps a path into the resolved pipeline (e.g. ['nodes', 'h_mm', 'features']) to the YAML position that set it,
   * falling back to the nearest ancestor with a position. Works across extends.
   */
  locate(path: (string | number)[]): SourceLocation;
}
