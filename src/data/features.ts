/**
 * Resolves a pipeline's `data.features` (modality key -> source) into float32 item-feature matrices, each with
 * exactly one row per item.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, type SourceLocation } from '../util/errors.js';
import { float32Refusal } from '../util/memory.js';
import { readNpy, readNpyHeader } from './npy.js';
import { firstIdAtLeast } from './inter.js';
import { graphFeatures, graphLatent, PAPER_DIMS, syntheticFeatures, type SyntheticData } from './synthetic.js';
import type { FeatureMatrix, FeatureSource, Interactions } from './types.js';

export interface FeatureContext {
  /** Dataset name, for messages. */
  name: string;
  /** Dataset folder that file sources are relative to; absent for built-in synthetic data. */
  dir?: string;
  /** The .inter file the item count came from, for messages. */
  interFile?: string;
  nUsers: number;
  nItems: number;
  train: Interactions;
  seed: number;
  /** Set for built-in synthetic datasets: file sources then map onto its generated modalities. */
  synthetic?: SyntheticData;
  /** Where each `data.features` entry was written (YAML positions), if the caller knows. */
  locs?: Record<string, SourceLocation>;
}

/** File names that built-in synthetic data understands, for pipelines written against real datasets. */
const SYNTH_FILE_ALIASES: Record<string, string> = {
  'text_feat.npy': 't',
  'image_feat.npy': 'v',
  'mm_feat.npy': 'mm',
};

function describe(src: FeatureSource): string {
  return typeof src === 'string' ? src : JSON.stringify(src);
}

export function resolveFeatures(
  sources: Record<string, FeatureSource>,
  ctx: FeatureContext,
): Record<string, FeatureMatrix> {
  const done = new Map<string, FeatureMatrix>();
  const byPath = new Map<string, FeatureMatrix>();
  let latent: Float32Array | undefined;
  const fail = (key: string, message: string, file?: string): never => {
    const loc = ctx.locs?.[key];
    // Without a YAML position, the file the problem is about is still a location the user can open.
    throw new UserError(
      loc ? message : `data.features.${key}: ${message}`,
      loc ?? (file !== undefined ? { file } : undefined),
    );
  };

  const resolve = (key: string, stack: string[]): FeatureMatrix => {
    const hit = done.get(key);
    if (hit) return hit;
    const src = sources[key];
    let m: FeatureMatrix;
    if (
      typeof src === 'string' ||
      (typeof src === 'object' && src !== null && 'file' in src && typeof src.file === 'string')
    ) {
      const file = typeof src === 'string' ? src : src.file;
      m = ctx.synthetic ? builtin(key, file) : fromFile(key, file);
    } else if (typeof src === 'object' && src !== null && 'concat' in src) {
      m = concat(key, src.concat, stack);
    } else if (typeof src === 'object' && src !== null && 'synthetic' in src) {
      const dim = src.synthetic;
      if (!Number.isInteger(dim) || dim < 1)
        fail(key, `synthetic width must be a positive integer, found ${JSON.stringify(dim)}`);
      const refusal = float32Refusal(ctx.nItems * dim);
      if (refusal) fail(key, `synthetic features of width ${dim} for ${ctx.nItems} items would need ${refusal}`);
      if (ctx.synthetic) m = syntheticFeatures(ctx.synthetic, key, dim);
      else {
        latent ??= graphLatent(ctx.train, ctx.nUsers, ctx.nItems, ctx.seed);
        m = graphFeatures(latent, ctx.nItems, key, dim, ctx.seed);
      }
    } else {
      return fail(
        key,
        `unknown feature source ${describe(src as FeatureSource)}; expected a file name, { file }, { concat: [..] } or { synthetic: <width> }`,
      );
    }
    m = m.name === key ? m : { ...m, name: key };
    done.set(key, m);
    return m;
  };

  const builtin = (key: string, file: string): FeatureMatrix => {
    const base = file.split(/[\\/]/).pop()!;
    const modality = key in PAPER_DIMS ? key : SYNTH_FILE_ALIASES[base];
    if (modality === undefined) {
      return fail(
        key,
        `dataset ${ctx.name} is built-in synthetic data and has no file ${file}; it generates t (text, 384), v (image, 4096) and mm (768), ` +
          `chosen by the key (t, v, mm) or the file name (${Object.keys(SYNTH_FILE_ALIASES).join(', ')}); or use { synthetic: <width> }`,
      );
    }
    return syntheticFeatures(ctx.synthetic!, modality, PAPER_DIMS[modality]!);
  };

  const fromFile = (key: string, file: string): FeatureMatrix => {
    const path = ctx.dir ? join(ctx.dir, file) : file;
    const cached = byPath.get(path);
    if (cached) return cached;
    if (!existsSync(path)) {
      const present = ctx.dir && existsSync(ctx.dir) ? readdirSync(ctx.dir).filter((f) => f.endsWith('.npy')) : [];
      fail(
        key,
        `feature file not found: ${path}` +
          (ctx.dir ? ` (.npy files in ${ctx.dir}: ${present.length ? present.join(', ') : 'none'})` : ''),
        path,
      );
    }
    // The shape is checked from the header, before the data is read.
    const arr = readNpyHeader(path);
    if (arr.shape.length !== 2) {
      throw new UserError(
        `expected a 2-D matrix (items x features) for modality ${key}, found shape (${arr.shape.join(', ')})`,
        { file: path },
      );
    }
    const [rows, cols] = arr.shape as [number, number];
    if (rows !== ctx.nItems) {
      const inter = ctx.interFile ?? 'the .inter file';
      // Too few rows: the interaction that refers past the last row is what to look at, so point at its line.
      const first = rows < ctx.nItems && ctx.interFile ? firstIdAtLeast(ctx.interFile, 'itemID', rows) : undefined;
      if (first) {
        throw new UserError(
          `itemID ${first.id} is beyond the last row (${rows - 1}) of the ${key} feature matrix ${file} (${rows} rows; one row per item expected)`,
          first.loc,
          [{ message: `the feature matrix for ${key}: shape (${arr.shape.join(', ')})`, loc: { file: path } }],
        );
      }
      const why =
        rows < ctx.nItems
          ? `${inter} has item ids up to ${ctx.nItems - 1}, beyond the last feature row (${rows - 1})`
          : `n_items = max itemID + 1 = ${ctx.nItems} from ${inter}; the matrix may belong to another dataset or id mapping`;
      throw new UserError(
        `feature matrix for ${key} has ${rows} rows but the dataset has ${ctx.nItems} items (one row per item expected): ${why}`,
        {
          file: path,
        },
      );
    }
    const m: FeatureMatrix = { name: key, rows, cols, data: readNpy(path).data, source: `${path} (${arr.dtype})` };
    byPath.set(path, m);
    return m;
  };

  const concat = (key: string, parts: unknown, stack: string[]): FeatureMatrix => {
    if (!Array.isArray(parts) || parts.length === 0 || !parts.every((p) => typeof p === 'string')) {
      return fail(key, `concat must list one or more modality keys, found ${JSON.stringify(parts)}`);
    }
    const mats = (parts as string[]).map((p) => {
      if (!(p in sources))
        fail(
          key,
          `concat refers to ${p}, which is not a declared modality (declared: ${Object.keys(sources).join(', ')})`,
        );
      if (p === key || stack.includes(p)) fail(key, `concat cycle: ${[...stack, key, p].join(' -> ')}`);
      return resolve(p, [...stack, key]);
    });
    const rows = ctx.nItems;
    const cols = mats.reduce((a, m) => a + m.cols, 0);
    const data = new Float32Array(rows * cols);
    let off = 0;
    for (const m of mats) {
      for (let r = 0; r < rows; r++) data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), r * cols + off);
      off += m.cols;
    }
    return { name: key, rows, cols, data, source: `concat(${(parts as string[]).join(', ')})` };
  };

  const out: Record<string, FeatureMatrix> = {};
  for (const key of Object.keys(sources)) out[key] = resolve(key, []);
  return out;
}
