/** Finds and loads a dataset: built-in synthetic data, or an MMRec-layout folder. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { UserError } from '../util/errors.js';
import { flag, flagVariable } from '../util/flags.js';
import { buildUserItems, distinctItems } from './csr.js';
import { resolveFeatures } from './features.js';
import { readInter } from './inter.js';
import { generateSynthetic, SYNTH_PRESETS, type SyntheticData } from './synthetic.js';
import type { DataSpec, Dataset, Interactions } from './types.js';

export const DATA_DIR_ENV = flagVariable('dataDir');
const SYNTH_PREFIX = 'synth:';

/** The data root: the CLI's --data-dir, else $ANCHORFLOW_DATA_DIR, else none. */
export function resolveDataDir(cliValue?: string): string | undefined {
  if (cliValue !== undefined && cliValue !== '') return cliValue;
  return flag('dataDir');
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Dataset names under a data root: folders holding `<name>/<name>.inter`. */
export function listDatasets(dataDir: string): string[] {
  if (!isDir(dataDir)) return [];
  return readdirSync(dataDir)
    .filter((n) => existsSync(join(dataDir, n, `${n}.inter`)))
    .sort();
}

/** Where a spec's data lives: its folder and .inter file (for real data). */
export function locateDataset(spec: Pick<DataSpec, 'dataset' | 'dataDir' | 'dataPath'>): {
  name: string;
  dir: string;
  inter: string;
} {
  if (spec.dataPath !== undefined) {
    const dir = resolve(spec.dataPath);
    if (existsSync(dir) && !isDir(dir)) {
      throw new UserError(
        `--data must be a dataset folder (MMRec layout: <name>/<name>.inter and its .npy features), and this is a file`,
        { file: dir },
      );
    }
    if (!isDir(dir)) throw new UserError(`dataset folder not found: ${dir} (given with --data)`, { file: dir });
    return { dir, ...findInter(dir, basename(dir)) };
  }
  const name = spec.dataset;
  if (spec.dataDir === undefined) {
    throw new UserError(
      `dataset ${name} is looked up as <data dir>/${name}/${name}.inter, but no data directory is set: ` +
        `pass --data-dir <dir> or set ${DATA_DIR_ENV} (or use a built-in dataset: ${Object.keys(SYNTH_PRESETS)
          .map((p) => SYNTH_PREFIX + p)
          .join(', ')})`,
    );
  }
  const root = resolve(spec.dataDir);
  if (!isDir(root)) {
    throw new UserError(`data directory not found: ${root} (from --data-dir or ${DATA_DIR_ENV})`, { file: root });
  }
  const dir = join(root, name);
  if (!isDir(dir)) {
    const have = listDatasets(root);
    throw new UserError(
      `dataset ${name} not found: no folder ${dir} (data directory from --data-dir or ${DATA_DIR_ENV}; ` +
        `datasets there: ${have.length ? have.join(', ') : 'none'})`,
      { file: dir },
    );
  }
  return { dir, ...findInter(dir, name) };
}

function findInter(dir: string, name: string): { name: string; inter: string } {
  const expected = join(dir, `${name}.inter`);
  if (existsSync(expected)) return { name, inter: expected };
  const inters = readdirSync(dir).filter((f) => f.endsWith('.inter'));
  // A folder renamed from its dataset (tiktok-copy/tiktok.inter) is still unambiguous.
  if (inters.length === 1) return { name: inters[0]!.slice(0, -'.inter'.length), inter: join(dir, inters[0]!) };
  throw new UserError(
    `no interaction file ${name}.inter in ${dir} (MMRec layout: <dir>/<name>/<name>.inter; .inter files there: ${inters.length ? inters.join(', ') : 'none'})`,
    { file: expected },
  );
}

interface Core {
  name: string;
  dir?: string;
  interFile?: string;
  nUsers: number;
  nItems: number;
  train: Interactions;
  valid: Interactions;
  test: Interactions;
  synthetic?: SyntheticData;
}

function loadCore(spec: DataSpec, seed: number): Core {
  if (spec.dataPath === undefined && spec.dataset.startsWith(SYNTH_PREFIX)) {
    const preset = spec.dataset.slice(SYNTH_PREFIX.length);
    const p = SYNTH_PRESETS[preset];
    if (!p) {
      throw new UserError(
        `unknown built-in dataset ${spec.dataset} (built-in: ${Object.keys(SYNTH_PRESETS)
          .map((k) => SYNTH_PREFIX + k)
          .join(', ')})`,
      );
    }
    const s = generateSynthetic(p, seed);
    return {
      name: spec.dataset,
      nUsers: s.nUsers,
      nItems: s.nItems,
      train: s.train,
      valid: s.valid,
      test: s.test,
      synthetic: s,
    };
  }
  const where = locateDataset(spec);
  const inter = readInter(where.inter);
  if (inter.train.users.length === 0) {
    throw new UserError('no training interactions (no row has x_label 0)', { file: where.inter });
  }
  return { name: where.name, dir: where.dir, interFile: where.inter, ...inter };
}

/** Loads interactions, per-user lists and the requested feature matrices. */
export async function loadDataset(spec: DataSpec): Promise<Dataset> {
  const seed = spec.seed ?? 0;
  const core = loadCore(spec, seed);
  const features = resolveFeatures(spec.features ?? {}, {
    name: core.name,
    dir: core.dir,
    interFile: core.interFile,
    nUsers: core.nUsers,
    nItems: core.nItems,
    train: core.train,
    seed,
    synthetic: core.synthetic,
    locs: spec.featureLocs,
  });
  const ds: Dataset = {
    name: core.name,
    nUsers: core.nUsers,
    nItems: core.nItems,
    train: core.train,
    valid: core.valid,
    test: core.test,
    trainByUser: buildUserItems(core.train, core.nUsers),
    validByUser: buildUserItems(core.valid, core.nUsers),
    testByUser: buildUserItems(core.test, core.nUsers),
    trainItems: distinctItems(core.train, core.nItems),
    features,
  };
  if (core.dir !== undefined) ds.dir = core.dir;
  if (core.interFile !== undefined) ds.interFile = core.interFile;
  return ds;
}
