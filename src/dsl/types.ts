/** The pipeline as the language layer hands it to the compiler: extends merged, params substituted, validated. */
import type { SourceLocation } from '../util/errors.js';
import type { Resolved } from '../util/typed-schema.js';
import type { dataSchema, evalSchema, trainSchema } from './base-schema.js';

/** A node as written: `op` plus the op's parameters and input-port references. */
export interface NodeSpec {
  op: string;
  [key: string]: unknown;
}

/** The `train:` section with defaults applied; declared once, as its schema (base-schema.ts). */
export type TrainSpec = Resolved<typeof trainSchema>;

/** The random streams of a run: weight init, the per-epoch shuffle, negatives, per-step noise. */
export type RandomStreamName = keyof NonNullable<TrainSpec['rng']>;

/** The `eval:` section with defaults applied; declared once, as its schema (base-schema.ts). */
export type EvalSpec = Resolved<typeof evalSchema>;

/** The `data:` section with defaults applied; declared once, as its schema (base-schema.ts). */
export type PipelineData = Resolved<typeof dataSchema>;

/** A feature source as the language accepts it (`data.features`, profiles); see base-schema.ts. */
export type FeatureSource = PipelineData['features'][string];

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
