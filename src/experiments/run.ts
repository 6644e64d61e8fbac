/**
 * Runs a pipeline end to end: load and check the pipeline, compile it, load the data it needs, then train
 * and evaluate each seed, writing the run directory. This is the public entry point the CLI and the
 * TypeScript API share.
 */
import { basename, resolve } from 'node:path';
import { loadPipeline, dumpResolved } from '../dsl/index.js';
import type { LoadedPipeline } from '../dsl/types.js';
import { compile } from '../graph/compile.js';
import { pipelineSchema } from '../graph/schema.js';
import type { CompiledGraph } from '../graph/types.js';
import { registry } from '../ops/registry.js';
import type { ShapeEnv } from '../ops/types.js';
import { loadDataset, resolveDataDir } from '../data/index.js';
import type { Dataset, FeatureSource } from '../data/types.js';
import { initBackend, type BackendChoice } from '../engine/backend.js';
import { Model, datasetSizes } from '../engine/executor.js';
import { trainSeed } from '../engine/trainer.js';
import type { EngineEvent, EventSink, ResultEvent, SeedEndEvent } from '../engine/events.js';
import { RunDir, pipelineHash } from './run-dir.js';
import { meanStd } from './stats.js';

export interface RunOptions {
  file: string;
  set?: string[];
  dataset?: string;
  dataDir?: string;
  dataPath?: string;
  epochs?: number;
  seeds?: number;
  seed?: number;
  backend?: BackendChoice;
  /** Root of run directories (default ./runs); `false` writes nothing. */
  out?: string | false;
  emit?: EventSink;
  signal?: AbortSignal;
}

/** CLI-style overrides expressed as --set entries, so they are validated and located like any other. */
export function overridesFor(o: Pick<RunOptions, 'set' | 'dataset' | 'epochs' | 'seed'>): string[] {
  const set = [...(o.set ?? [])];
  if (o.dataset !== undefined) set.push(`data.dataset=${o.dataset}`);
  if (o.epochs !== undefined) set.push(`train.epochs=${o.epochs}`);
  if (o.seed !== undefined) set.push(`train.seed=${o.seed}`);
  return set;
}

export function loadChecked(file: string, set: string[] = []): LoadedPipeline {
  return loadPipeline(resolve(file), { set, schema: pipelineSchema(registry) });
}

/** The feature sources for the chosen dataset: its profile in the pipeline, else `data.features`. */
export function featuresFor(loaded: LoadedPipeline, dataset: string): Record<string, FeatureSource> {
  const d = loaded.pipeline.data;
  return d.profiles?.[dataset]?.features ?? d.profiles?.[dataset.split(':')[0]!]?.features ?? d.features;
}

/** Compiles without data (symbolic sizes): what `check` and `graph` show. */
export function compileSymbolic(loaded: LoadedPipeline, dataset = loaded.pipeline.data.dataset): CompiledGraph {
  const env: ShapeEnv = { sizes: {}, modalities: Object.keys(featuresFor(loaded, dataset)) };
  return compile(loaded, registry, env);
}

/** Modalities that the compiled graph actually reads (only those are loaded). */
function usedModalities(g: CompiledGraph): string[] {
  const out = new Set<string>();
  for (const n of g.nodes.values()) if (n.op.name === 'features' && (n.inStep || n.inEval)) out.add(String(n.params.modality));
  return [...out];
}

export async function prepare(opts: RunOptions): Promise<{ loaded: LoadedPipeline; graph: CompiledGraph; dataset: Dataset }> {
  const loaded = loadChecked(opts.file, overridesFor(opts));
  const dsKey = opts.dataPath ? basename(resolve(opts.dataPath)) : loaded.pipeline.data.dataset;
  const sources = featuresFor(loaded, dsKey);
  const used = usedModalities(compileSymbolic(loaded, dsKey));
  // Load only what the graph reads, plus the parts a derived (concat) feature is built from.
  const wanted = new Set<string>();
  const want = (m: string) => {
    if (wanted.has(m)) return;
    wanted.add(m);
    const s = sources[m];
    if (s && typeof s === 'object' && 'concat' in s) s.concat.forEach(want);
  };
  used.forEach(want);
  const features: Record<string, FeatureSource> = {};
  for (const m of wanted) if (sources[m] !== undefined) features[m] = sources[m]!;
  const dataset = await loadDataset({
    dataset: loaded.pipeline.data.dataset,
    dataDir: resolveDataDir(opts.dataDir),
    dataPath: opts.dataPath,
    features,
  });
  for (const m of Object.keys(dataset.features)) if (!used.includes(m)) delete dataset.features[m];
  const env: ShapeEnv = { sizes: datasetSizes(dataset), modalities: Object.keys(sources) };
  const graph = compile(loaded, registry, env);
  return { loaded, graph, dataset };
}

export async function runPipeline(opts: RunOptions): Promise<ResultEvent> {
  const backend = await initBackend(opts.backend ?? 'auto');
  const { loaded, graph, dataset } = await prepare(opts);
  const p = loaded.pipeline;
  const nSeeds = opts.seeds ?? 1;
  const seeds = Array.from({ length: nSeeds }, (_, i) => p.train.seed + i);
  const resolvedYaml = dumpResolved(p);
  const runDir = opts.out === false ? undefined : new RunDir(resolve(opts.out ?? 'runs'), p.name, pipelineHash(resolvedYaml, dataset.name));
  const emit: EventSink = (e: EngineEvent) => {
    runDir?.event(e);
    opts.emit?.(e);
  };
  runDir?.writeText('pipeline.yaml', resolvedYaml);
  // What `analyze` and `--resume` need to reload the same data and graph.
  runDir?.writeJson('run.json', {
    pipelineFile: resolve(opts.file),
    set: overridesFor(opts),
    dataset: dataset.name,
    dataPath: opts.dataPath ? resolve(opts.dataPath) : undefined,
    dataDir: resolveDataDir(opts.dataDir),
    features: featuresFor(loaded, dataset.name),
    seeds,
    backend: backend.choice,
    outputs: Object.keys(graph.outputs),
    created: new Date().toISOString(),
  });
  emit({ type: 'log', level: 'info', message: `backend: ${backend.choice}${backend.skipped.length ? ` (skipped: ${backend.skipped.join('; ')})` : ''}` });

  const perSeed: SeedEndEvent[] = [];
  for (const [i, seed] of seeds.entries()) {
    const model = new Model(graph, dataset, seed, backend.tfBackend);
    try {
      const { summary, bestWeights } = await trainSeed(model, dataset, p, {
        seed,
        seedIndex: i,
        seeds: nSeeds,
        emit,
        pipelineName: p.name,
        datasetName: dataset.name,
        backend: backend.choice,
        signal: opts.signal,
        runDir: runDir?.path,
      });
      perSeed.push(summary);
      if (runDir) {
        const dir = nSeeds > 1 ? `seed-${seed}` : '.';
        const shapes = new Map([...model.variables].map(([k, v]) => [k, v.shape]));
        runDir.writeCheckpoint(`${dir}/checkpoint`, bestWeights, shapes, { seed, epoch: summary.bestEpoch, pipeline: p.name });
        model.restore(bestWeights);
        const outs = model.outputs(true);
        try {
          for (const [k, t] of Object.entries(outs)) runDir.writeMatrix(`${dir}/embeddings/${k}.npy`, t.dataSync() as Float32Array, t.shape);
        } finally {
          Object.values(outs).forEach((t) => t.dispose());
        }
      }
    } finally {
      model.dispose();
    }
  }
  const valid = meanStd(perSeed.map((s) => s.valid));
  const test = meanStd(perSeed.map((s) => s.test));
  const result: ResultEvent = {
    type: 'result',
    pipeline: p.name,
    dataset: dataset.name,
    backend: backend.choice,
    seeds,
    perSeed,
    mean: { valid: valid.mean, test: test.mean },
    std: { valid: valid.std, test: test.std },
    runDir: runDir?.path,
  };
  runDir?.writeJson('metrics.json', {
    pipeline: p.name,
    dataset: dataset.name,
    backend: backend.choice,
    selection: `best epoch per seed by valid ${p.train.early_stopping.metric}; test reported at that epoch`,
    seeds,
    perSeed: perSeed.map((s) => ({ seed: s.seed, bestEpoch: s.bestEpoch, epochs: s.epochs, valid: s.valid, test: s.test, secondsPerEpoch: s.secondsPerEpoch })),
    mean: result.mean,
    std: result.std,
  });
  emit(result);
  return result;
}
