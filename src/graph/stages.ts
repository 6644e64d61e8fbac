/**
 * The stages a pipeline goes through before anything trains, as one facade, so that a command that only checks
 * or draws a pipeline needs nothing of the run machinery (data, backend, run directory):
 *
 *   parse    YAML with positions, file by file along the extends chain       dsl/yaml-source.ts, dsl/extends.ts
 *   resolve  extends merged, params substituted, --set applied, validated
 *            against the schema derived from the op registry                   dsl/load.ts, graph/schema.ts
 *   compile  references resolved, ordered, shapes inferred: a typed DAG      graph/compile.ts
 *   plan     constants, per-step and eval node sets, transposes, pushdown;
 *            written out as plan.json                                        graph/compile.ts, graph/plan-json.ts
 *
 * Parse and resolve run as one call (`resolve`): extends can only be followed by parsing each file it names.
 * It lives in graph/ because that is the lowest layer allowed to see both the language (dsl/) and the op
 * registry (ops/) that the schema and the compiler need.
 */
import { loadPipeline, type LoadOptions } from '../dsl/load.js';
import type { LoadedPipeline, FeatureSource, Pipeline } from '../dsl/types.js';
import { registry } from '../ops/registry.js';
import type { ShapeEnv } from '../ops/types.js';
import { compile } from './compile.js';
import { pipelineSchema } from './schema.js';
import type { CompiledGraph } from './types.js';

export { planJson, planText, type PlanJson } from './plan-json.js';

/** What compile binds: the data's sizes (users, items, feat_<m>; empty for a symbolic compile) and its modalities. */
export type CompileEnv = ShapeEnv;

/**
 * The schema for the registry's current ops, built once per set of ops: the validator is compiled once per schema
 * object (dsl/validate.ts), so a fresh object per load would recompile it on every load. A plugin
 * that registers an op changes the key.
 */
let schemaCache: { key: string; schema: Record<string, unknown> } | undefined;
export function currentSchema(): Record<string, unknown> {
  const key = registry
    .list()
    .map((op) => op.name)
    .join('\0');
  if (schemaCache?.key !== key) schemaCache = { key, schema: pipelineSchema(registry) };
  return schemaCache.schema;
}

/**
 * Parse and resolve: the pipeline file with its extends chain, params and overrides, checked against the ops' schema.
 */
export function resolvePipeline(file: string, opts: Omit<LoadOptions, 'schema'> = {}): LoadedPipeline {
  return loadPipeline(file, { ...opts, schema: currentSchema() });
}

/** `resolvePipeline` with only `--set` overrides: what check, graph and run load. */
export function loadChecked(file: string, set: string[] = []): LoadedPipeline {
  return resolvePipeline(file, { set });
}

/** The pipeline's profile for a dataset (`synth:baby` also finds a `synth` profile). */
export function profileFor(p: Pipeline, dataset: string): Record<string, FeatureSource> | undefined {
  const d = p.data;
  return d.profiles?.[dataset]?.features ?? d.profiles?.[dataset.split(':')[0]!]?.features;
}

/** The feature sources for the chosen dataset: its profile in the pipeline, else `data.features`. */
export function featuresFor(loaded: LoadedPipeline, dataset: string): Record<string, FeatureSource> {
  return profileFor(loaded.pipeline, dataset) ?? loaded.pipeline.data.features;
}

/** Compile and plan against the registry's ops. */
export function compilePipeline(loaded: LoadedPipeline, env: CompileEnv): CompiledGraph {
  return compile(loaded, registry, env);
}

/** Compiles without data (symbolic sizes): what `check` and `graph` show. */
export function compileSymbolic(loaded: LoadedPipeline, dataset = loaded.pipeline.data.dataset): CompiledGraph {
  return compilePipeline(loaded, { sizes: {}, modalities: Object.keys(featuresFor(loaded, dataset)) });
}
