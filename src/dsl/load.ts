/** The language layer's entry point: file -> extends -> --set -> ${...} -> schema (with defaults) -> Pipeline. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { UserError } from '../util/errors.js';
import { resolveExtends } from './extends.js';
import { applyOverrides } from './overrides.js';
import { substituteParams } from './params.js';
import { unusedParamError } from './unused-params.js';
import type { LoadedPipeline, Pipeline } from './types.js';
import { validateDocument } from './validate.js';
import { didYouMean } from './suggest.js';
import { locateIn, locateKeyIn, toPlain, type Path } from './yaml-source.js';

export interface LoadOptions {
  /** `--set path=value` arguments, applied in order. */
  set?: readonly string[];
  /** The schema to validate against: usually `loadSchemaFile()` (the generated schema with every op). */
  schema: object;
  /** See ExtendsOptions. */
  display?: string;
  forbidExtends?: string;
}

export function loadPipeline(file: string, opts: LoadOptions): LoadedPipeline {
  const { tree, files } = resolveExtends(file, { display: opts.display, forbidExtends: opts.forbidExtends });
  const unused = unusedParamError(tree, files[0] ?? file);
  if (opts.set?.length) applyOverrides(tree, opts.set, opts.schema);
  const resolved = substituteParams(tree);
  const doc = toPlain(resolved);
  const locate = (path: Path) => locateIn(resolved, path);
  const locateKey = (path: Path) => locateKeyIn(resolved, path);
  validateDocument(doc, opts.schema, { locate, locateKey });
  checkEarlyStopping(doc as Pipeline, locate);
  // Thrown after substitution and validation, so that a misspelt reference (`${dimm}`) and a document the schema
  // refuses (too many params, a wrong type) are reported as such first.
  if (unused) throw unused;
  return { pipeline: doc as Pipeline, file, files, locate };
}

/**
 * The early-stopping metric must be one that evaluation computes; otherwise the trainer only finds out after the
 * first epoch (an internal error, with a run directory already written).
 */
function checkEarlyStopping(p: Pipeline, locate: (path: Path) => ReturnType<typeof locateIn>): void {
  const metric = p.train?.early_stopping?.metric;
  if (typeof metric !== 'string' || !Array.isArray(p.eval?.metrics) || !Array.isArray(p.eval?.k)) return;
  const computed = p.eval.metrics.flatMap((m) => p.eval.k.map((k) => `${m}@${k}`));
  if (computed.includes(metric)) return;
  const hint = /@/.test(metric) ? '' : ' (write metric@k, e.g. recall@20)';
  throw new UserError(
    `train.early_stopping.metric '${metric}' is not computed by evaluation${hint}${didYouMean(metric, computed)}; eval computes: ${computed.join(', ')}`,
    locate(['train', 'early_stopping', 'metric']),
  );
}

let root: string | undefined;

/** The folder holding package.json, found from this module (works from src/ under tsx and from dist/src). */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`package.json not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return (root = dir);
}

/** `schemas/pipeline.schema.json` in the package, generated from the op registry. */
export function defaultSchemaPath(): string {
  return join(packageRoot(), 'schemas', 'pipeline.schema.json');
}

/** `schemas/pipeline-source.schema.json`: the schema of a file as written, for editors (see source-schema.ts). */
export function defaultSourceSchemaPath(): string {
  return join(packageRoot(), 'schemas', 'pipeline-source.schema.json');
}

export function loadSchemaFile(path: string = defaultSchemaPath()): object {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`cannot read the pipeline schema '${path}' (generate it with: npm run schema)`, { file: path });
  }
  try {
    return JSON.parse(text) as object;
  } catch (e) {
    throw new UserError(`the pipeline schema is not valid JSON: ${(e as Error).message}`, { file: path });
  }
}

/** The resolved pipeline as YAML (what a run directory keeps). */
export function dumpResolved(p: Pipeline): string {
  return (
    '# resolved pipeline: extends merged, --set applied, params substituted, defaults filled\n' +
    stringify(p, { lineWidth: 0, aliasDuplicateObjects: false })
  );
}
