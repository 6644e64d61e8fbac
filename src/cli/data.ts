import { loadDataset, resolveDataDir, inspectDataset, formatInspect } from '../data/index.js';
import type { FeatureSource } from '../data/types.js';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { parseFeaturesFlag } from './options.js';

function parseFeatures(list: string | undefined, dir: string | undefined): Record<string, FeatureSource> {
  if (list) return parseFeaturesFlag(list);
  // Without --features, show every .npy in the folder under its file stem.
  const out: Record<string, FeatureSource> = {};
  if (dir && existsSync(dir) && statSync(dir).isDirectory())
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.npy')) out[f.replace(/\.npy$/, '')] = f;
  return out;
}

export async function cmdDataInspect(
  target: string,
  flags: { dataDir?: string; features?: string; json?: boolean },
): Promise<void> {
  const isDir = existsSync(target) && statSync(target).isDirectory();
  const dataDir = resolveDataDir(flags.dataDir);
  const folder = isDir ? target : dataDir && !target.startsWith('synth:') ? `${dataDir}/${target}` : undefined;
  const features =
    target.startsWith('synth:') && !flags.features
      ? { t: { synthetic: 384 }, v: { synthetic: 4096 }, mm: { synthetic: 768 } }
      : parseFeatures(flags.features, folder);
  const ds = await loadDataset({
    dataset: isDir ? target : target,
    dataPath: isDir ? target : undefined,
    dataDir,
    features,
  });
  const summary = inspectDataset(ds);
  process.stdout.write(flags.json ? JSON.stringify(summary, null, 2) + '\n' : formatInspect(summary) + '\n');
}
