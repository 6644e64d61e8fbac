/**
 * Where each loaded feature matrix came from, in a form a reader of run.json can check afterwards: a file with its
 * size, modification time and sha256, or generated features with their width (which no number from real data
 * should be mistaken for).
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { ChosenBy } from './feature-choice.js';
import type { FeatureMatrix, FeatureSource } from './types.js';

export type FeatureProvenance =
  | { source: 'file'; path: string; bytes: number; mtime: string; sha256: string; dim: number; chosenBy: ChosenBy }
  | { source: 'synthetic'; dim: number; chosenBy: ChosenBy; builtInDataset?: true }
  | { source: 'concat'; of: string[]; dim: number; chosenBy: ChosenBy };

function sha256File(path: string): string {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let n: number;
    while ((n = readSync(fd, buf, 0, buf.length, null)) > 0) h.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

/**
 * One record per loaded modality. `dir` is the dataset folder (file sources are relative to it); without one the
 * dataset is built-in synthetic data and every matrix, whatever its source says, was generated.
 */
export function featureProvenance(
  sources: Record<string, FeatureSource>,
  loaded: Record<string, FeatureMatrix>,
  chosenBy: Record<string, ChosenBy>,
  dir: string | undefined,
): Record<string, FeatureProvenance> {
  const out: Record<string, FeatureProvenance> = {};
  for (const [m, f] of Object.entries(loaded)) {
    const s = sources[m];
    const by = chosenBy[m] ?? 'pipeline';
    if (dir === undefined) out[m] = { source: 'synthetic', dim: f.cols, chosenBy: by, builtInDataset: true };
    else if (typeof s === 'string' || (typeof s === 'object' && s !== null && 'file' in s)) {
      const path = resolve(join(dir, typeof s === 'string' ? s : s.file));
      const st = statSync(path);
      out[m] = {
        source: 'file',
        path,
        bytes: st.size,
        mtime: st.mtime.toISOString(),
        sha256: sha256File(path),
        dim: f.cols,
        chosenBy: by,
      };
    } else if (typeof s === 'object' && s !== null && 'concat' in s)
      out[m] = { source: 'concat', of: [...s.concat], dim: f.cols, chosenBy: by };
    else out[m] = { source: 'synthetic', dim: f.cols, chosenBy: by };
  }
  return out;
}

/** The modalities whose values were generated rather than read (a concat of a generated part counts). */
export function generatedModalities(p: Record<string, FeatureProvenance>): string[] {
  const gen = (m: string, seen: string[]): boolean => {
    const r = p[m];
    if (!r || seen.includes(m)) return false;
    if (r.source === 'synthetic') return true;
    return r.source === 'concat' && r.of.some((x) => gen(x, [...seen, m]));
  };
  return Object.keys(p).filter((m) => gen(m, []));
}
