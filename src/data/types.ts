/** The in-memory dataset every layer above reads. Ids are 0-based; row i of a feature matrix is item i. */
import type { SourceLocation } from '../util/errors.js';

/** Interactions as parallel arrays. */
export interface Interactions {
  users: Int32Array;
  items: Int32Array;
}

/** Per-user item lists in CSR form: items of user u are indices[indptr[u] .. indptr[u+1]), sorted ascending. */
export interface UserItems {
  indptr: Int32Array;
  indices: Int32Array;
}

export interface FeatureMatrix {
  /** Modality key used by pipelines: mm, t, v, ... */
  name: string;
  rows: number;
  cols: number;
  /** Row-major float32. */
  data: Float32Array;
  /** Where it came from: a file path, `concat(v, t)`, `synthetic(...)`. */
  source: string;
}

export interface Dataset {
  name: string;
  /** Folder it was read from, absent for built-in synthetic data. */
  dir?: string;
  /** The .inter file it was read from, absent for built-in synthetic data. */
  interFile?: string;
  nUsers: number;
  nItems: number;
  train: Interactions;
  valid: Interactions;
  test: Interactions;
  trainByUser: UserItems;
  validByUser: UserItems;
  testByUser: UserItems;
  /** Items that occur in train, ascending (negatives are drawn from these). */
  trainItems: Int32Array;
  features: Record<string, FeatureMatrix>;
}

/**
 * Where a modality's feature matrix comes from, as written in a pipeline's `data.features`:
 * - a file name relative to the dataset folder (`image_feat.npy`), or `{ file: ... }`;
 * - `{ concat: [v, t] }`: row-wise concatenation of other declared modalities (TikTok's mm);
 * - `{ synthetic: <dim> }`: generated, planted-structure features of that width (for data without features).
 */
export type FeatureSource = string | { file: string } | { concat: string[] } | { synthetic: number };

export interface DataSpec {
  /** `synth:small`, `synth:baby`, or a dataset name under the data root (tiktok, baby, ...). */
  dataset: string;
  /** Root folder holding `<name>/<name>.inter` (from --data-dir or ANCHORFLOW_DATA_DIR). */
  dataDir?: string;
  /** A dataset folder given directly (--data). */
  dataPath?: string;
  /** Modality key -> source. Only the modalities listed are loaded. */
  features: Record<string, FeatureSource>;
  /** Seed for synthetic data and synthetic features. */
  seed?: number;
  /** Optional YAML positions of each `data.features` entry, so feature errors point at the pipeline. */
  featureLocs?: Record<string, SourceLocation>;
}
