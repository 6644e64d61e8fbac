/**
 * Reads what `analyze` needs from a run directory: run.json (how to reload the data), the saved embeddings of
 * one seed, metrics.json and events.jsonl; and reloads the dataset (train interactions and raw features,
 * which are not stored in the run; synthetic sources are regenerated deterministically).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadDataset, readNpy } from '../data/index.js';
import type { Dataset, FeatureSource } from '../data/types.js';
import { UserError } from '../util/errors.js';
import { MODALITIES } from './measures.js';
import type { Matrix } from './neighbors.js';

export interface RunInfo {
  pipelineFile?: string;
  dataset: string;
  dataPath?: string;
  dataDir?: string;
  features: Record<string, FeatureSource>;
  /** Per loaded modality, where its matrix came from (runs written since features were recorded). */
  featureProvenance?: Record<string, { source: string; dim?: number }>;
  seeds?: number[];
  outputs?: string[];
}

export interface LoadedRun {
  dir: string;
  /** The pipeline's name (metrics.json, else pipeline.yaml, else the folder). */
  name: string;
  info: RunInfo;
  /** The seed whose embeddings are analysed (the first of the run's seeds), when known. */
  seed?: number;
  /** Folder of that seed, relative to the run dir (`.` or `seed-<n>`). */
  seedDir: string;
  /** Every saved output, by name. */
  embeddings: Record<string, Matrix>;
  metrics?: { mean?: { valid?: Record<string, number>; test?: Record<string, number> } };
  eventsText?: string;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UserError(`cannot read ${file}: ${(e as Error).message}`, { file });
  }
}

function pipelineName(dir: string): string | undefined {
  const y = join(dir, 'pipeline.yaml');
  if (!existsSync(y)) return undefined;
  const m = /^name:\s*['"]?([^'"\n#]+?)['"]?\s*(?:#.*)?$/m.exec(readFileSync(y, 'utf8'));
  return m?.[1];
}

/** Loads one run directory's metadata and embeddings; throws UserError naming the path on bad input. */
export function loadRun(dirArg: string): LoadedRun {
  const dir = resolve(dirArg);
  if (!existsSync(dir)) throw new UserError(`run directory not found: ${dir}`, { file: dir });
  if (!isDir(dir)) throw new UserError(`not a run directory (not a folder): ${dir}`, { file: dir });
  const runJsonFile = join(dir, 'run.json');
  if (!existsSync(runJsonFile))
    throw new UserError(`not a run directory: ${runJsonFile} is missing (it is written by \`anchorflow run\`)`, {
      file: runJsonFile,
    });
  const raw = readJson(runJsonFile) as Partial<RunInfo> | null;
  if (
    !raw ||
    typeof raw !== 'object' ||
    typeof raw.dataset !== 'string' ||
    !raw.features ||
    typeof raw.features !== 'object'
  ) {
    throw new UserError('run.json lacks `dataset` or `features`', { file: runJsonFile });
  }
  const info = raw as RunInfo;

  // One seed: embeddings/ at the top; several: seed-<n>/embeddings. The first seed is analysed.
  const seeds = Array.isArray(info.seeds) ? info.seeds.filter((s) => typeof s === 'number') : [];
  const candidates: { seedDir: string; seed?: number }[] = [];
  if (seeds.length > 1) candidates.push({ seedDir: `seed-${seeds[0]}`, seed: seeds[0] });
  candidates.push({ seedDir: '.', seed: seeds.length === 1 ? seeds[0] : undefined });
  for (const f of isDir(dir) ? readdirSync(dir).sort() : []) {
    const m = /^seed-(\d+)$/.exec(f);
    if (m) candidates.push({ seedDir: f, seed: Number(m[1]) });
  }
  const found = candidates.find((c) => isDir(join(dir, c.seedDir, 'embeddings')));
  if (!found) {
    const expect = join(dir, candidates[0]!.seedDir, 'embeddings');
    throw new UserError(`run has no embeddings: ${expect} is missing (was the run saved, and did it finish a seed?)`, {
      file: expect,
    });
  }
  const embDir = join(dir, found.seedDir, 'embeddings');
  const embeddings: Record<string, Matrix> = {};
  for (const f of readdirSync(embDir).sort()) {
    if (!f.endsWith('.npy')) continue;
    const a = readNpy(join(embDir, f));
    if (a.shape.length !== 2) continue;
    embeddings[f.slice(0, -4)] = { rows: a.shape[0]!, cols: a.shape[1]!, data: a.data };
  }
  if (!Object.keys(embeddings).length)
    throw new UserError(`run has no embeddings: no 2-D .npy file in ${embDir}`, { file: embDir });

  const metricsFile = join(dir, 'metrics.json');
  const metrics = existsSync(metricsFile)
    ? (readJson(metricsFile) as LoadedRun['metrics'] & { pipeline?: string })
    : undefined;
  const eventsFile = join(dir, 'events.jsonl');
  const eventsText = existsSync(eventsFile) ? readFileSync(eventsFile, 'utf8') : undefined;
  const name =
    (metrics && typeof metrics.pipeline === 'string' ? metrics.pipeline : undefined) ??
    pipelineName(dir) ??
    dir.split(/[\\/]/).slice(-2).join('/');
  const out: LoadedRun = { dir, name, info, seedDir: found.seedDir, embeddings };
  if (found.seed !== undefined) out.seed = found.seed;
  if (metrics) out.metrics = metrics;
  if (eventsText !== undefined) out.eventsText = eventsText;
  return out;
}

/** The feature sources the analyses use (mm, t, v) plus the parts a concat source is built from. */
export function analysisFeatures(all: Record<string, FeatureSource>): Record<string, FeatureSource> {
  const wanted = new Set<string>();
  const want = (m: string) => {
    if (wanted.has(m) || all[m] === undefined) return;
    wanted.add(m);
    const s = all[m];
    if (s && typeof s === 'object' && 'concat' in s) s.concat.forEach(want);
  };
  MODALITIES.forEach(want);
  const out: Record<string, FeatureSource> = {};
  for (const m of wanted) out[m] = all[m]!;
  return out;
}

/**
 * The modalities of the analysed spaces (mm, t, v) whose raw features were generated, not read from files: from the
 * recorded provenance, or for older runs from the sources (built-in datasets and `{ synthetic }` are generated).
 */
export function generatedFeatures(info: RunInfo): string[] {
  const all = analysisFeatures(info.features);
  const prov = info.featureProvenance;
  const gen = (m: string, seen: string[]): boolean => {
    if (seen.includes(m)) return false;
    const s = all[m];
    if (s && typeof s === 'object' && 'concat' in s) return s.concat.some((x) => gen(x, [...seen, m]));
    if (prov?.[m]) return prov[m]!.source === 'synthetic';
    return info.dataPath === undefined && info.dataset.startsWith('synth:')
      ? true
      : typeof s === 'object' && s !== null && 'synthetic' in s;
  };
  return MODALITIES.filter((m) => all[m] !== undefined && gen(m, []));
}

/** Reloads the run's dataset: train interactions and the raw features f_mm, f_t, f_v that it declares. */
export async function loadRunDataset(run: LoadedRun): Promise<Dataset> {
  const spec = {
    dataset: run.info.dataset,
    dataDir: run.info.dataDir,
    dataPath: run.info.dataPath,
    features: analysisFeatures(run.info.features),
  };
  return loadDataset(spec);
}
