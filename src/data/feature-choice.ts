/**
 * Which source each modality's features come from, so that a run never trains on generated features unless they
 * were asked for by name. Per modality, the first that applies wins:
 *   1. `--features m=...` on the command line;
 *   2. the pipeline's profile for this dataset (`data.profiles.<name>.features`);
 *   3. built-in synthetic datasets (`synth:*`): `data.features` (generated data by definition);
 *   4. a dataset folder: a file or concat named in `data.features` (the user's own files);
 *   5. a dataset folder: a file with its MMRec name in the folder (MMREC_FILES below);
 *   6. otherwise the modality has no source: a pipeline that reads it is refused (missingFeatureError).
 * `data.features`' `{ synthetic: N }` entries are the built-in data's defaults, so for a folder they are never used:
 * generated features for a folder are asked for by name, in its profile or with `--features m=synthetic:N`.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, type SourceLocation } from '../util/errors.js';
import type { FeatureSource } from './types.js';

/** Why a modality has the source it has (recorded in run.json). */
export type ChosenBy = 'flag' | 'profile' | 'built-in dataset' | 'pipeline' | 'mmrec file name';

export interface FeatureChoice {
  sources: Record<string, FeatureSource>;
  chosenBy: Record<string, ChosenBy>;
  /** Modalities declared in `data.features` that have no source for this dataset: reading one is an error. */
  missing: Record<string, FeatureSource>;
}

export interface FeatureChoiceInput {
  /** `--features`, parsed. */
  flag?: Record<string, FeatureSource>;
  /** The pipeline's profile for this dataset, if any. */
  profile?: Record<string, FeatureSource>;
  /** The pipeline's `data.features`. */
  declared: Record<string, FeatureSource>;
  /** Dataset name (profiles and `<name>_beit3` are looked up by it). */
  name: string;
  /** The dataset folder; absent for built-in synthetic data. */
  dir?: string;
}

/**
 * MMRec's file names, by modality key. Text is `text_feat.npy`; where a folder has no text but audio (TikTok),
 * audio stands in for `t`, as the shipped TikTok profile does, and the run says so. The multimodal matrix is
 * `mm_feat.npy`, or where the official AnchorRec code reads it (`<root>/<name>_beit3/image_feat.npy`); failing
 * both, it is the concatenation [v | t] of the files found, as for TikTok.
 */
export function mmrecFiles(dir: string, name: string): Record<string, FeatureSource> {
  const has = (f: string) => {
    try {
      return statSync(join(dir, f)).isFile();
    } catch {
      return false;
    }
  };
  const out: Record<string, FeatureSource> = {};
  if (has('image_feat.npy')) out.v = 'image_feat.npy';
  if (has('text_feat.npy')) out.t = 'text_feat.npy';
  else if (has('audio_feat.npy')) out.t = 'audio_feat.npy';
  if (has('audio_feat.npy')) out.a = 'audio_feat.npy';
  if (has('mm_feat.npy')) out.mm = 'mm_feat.npy';
  else if (has(join('..', `${name}_beit3`, 'image_feat.npy'))) out.mm = join('..', `${name}_beit3`, 'image_feat.npy');
  return out;
}

const isSynthetic = (s: FeatureSource | undefined): boolean => typeof s === 'object' && s !== null && 'synthetic' in s;

export function chooseFeatures(inp: FeatureChoiceInput): FeatureChoice {
  const sources: Record<string, FeatureSource> = {};
  const chosenBy: Record<string, ChosenBy> = {};
  const missing: Record<string, FeatureSource> = {};
  const put = (m: string, s: FeatureSource, by: ChosenBy) => {
    if (sources[m] !== undefined) return;
    sources[m] = s;
    chosenBy[m] = by;
  };
  for (const [m, s] of Object.entries(inp.flag ?? {})) put(m, s, 'flag');
  for (const [m, s] of Object.entries(inp.profile ?? {})) put(m, s, 'profile');
  if (inp.dir === undefined) {
    for (const [m, s] of Object.entries(inp.declared)) put(m, s, 'built-in dataset');
    return { sources, chosenBy, missing };
  }
  for (const [m, s] of Object.entries(inp.declared)) if (!isSynthetic(s)) put(m, s, 'pipeline');
  const found = mmrecFiles(inp.dir, inp.name);
  for (const [m, s] of Object.entries(found)) put(m, s, 'mmrec file name');
  if (sources.mm === undefined && sources.v !== undefined && sources.t !== undefined)
    put('mm', { concat: ['v', 't'] }, 'mmrec file name');
  for (const [m, s] of Object.entries(inp.declared)) if (sources[m] === undefined) missing[m] = s;
  return { sources, chosenBy, missing };
}

/** Every modality that `wanted` needs, with the parts of concatenations, in first-needed order. */
export function withParts(wanted: Iterable<string>, sources: Record<string, FeatureSource>): string[] {
  const out: string[] = [];
  const add = (m: string) => {
    if (out.includes(m)) return;
    out.push(m);
    const s = sources[m];
    if (s && typeof s === 'object' && 'concat' in s && Array.isArray(s.concat)) s.concat.forEach(add);
  };
  for (const m of wanted) add(m);
  return out;
}

/**
 * The error for a modality the pipeline reads that has no source in the folder: it names the modality, the folder,
 * the .npy files that are there, and the ways to give one (a file, or generated features asked for by name).
 */
export function missingFeatureError(
  m: string,
  declared: FeatureSource | undefined,
  ds: { name: string; dir: string },
  loc?: SourceLocation,
): UserError {
  let files: string[] = [];
  try {
    files = readdirSync(ds.dir)
      .filter((f) => f.endsWith('.npy'))
      .sort();
  } catch {
    // an unreadable folder lists as none
  }
  const mmrecName: Record<string, string> = {
    v: 'image_feat.npy',
    t: 'text_feat.npy',
    a: 'audio_feat.npy',
    mm: 'mm_feat.npy',
  };
  const width = isSynthetic(declared) ? (declared as { synthetic: number }).synthetic : 64;
  const named = mmrecName[m] ? ` (its MMRec name is ${mmrecName[m]})` : '';
  const example = files[0] ?? mmrecName[m] ?? `${m}_feat.npy`;
  return new UserError(
    `modality '${m}' has no feature file in ${ds.dir}${named}; .npy files there: ${files.length ? files.join(', ') : 'none'}. ` +
      `Give its file with --features ${m}=${example} (or in data.profiles.${ds.name}.features), ` +
      `or ask for generated features by name with --features ${m}=synthetic:${width}` +
      (isSynthetic(declared)
        ? ` (the pipeline's data.features.${m} is generated, and that default is used only for built-in datasets)`
        : ''),
    loc ?? { file: ds.dir },
    loc ? [{ message: 'the dataset folder', loc: { file: ds.dir } }] : [],
  );
}
