/**
 * Runs a pipeline end to end: load and check the pipeline, compile it, load the data it needs, then train
 * and evaluate each seed, writing the run directory. This is the public entry point the CLI and the
 * TypeScript API share.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { readCheckpoint, writeCheckpoint, type NamedArray } from '../engine/checkpoint.js';
import type { TrainerState } from '../engine/trainer.js';
import { UserError } from '../util/errors.js';
import { Profiler, formatProfile } from '../engine/profiler.js';
import { loadPipeline, dumpResolved } from '../dsl/index.js';
import type { LoadedPipeline, Pipeline } from '../dsl/types.js';
import { compile } from '../graph/compile.js';
import { pipelineSchema } from '../graph/schema.js';
import type { CompiledGraph } from '../graph/types.js';
import { registry } from '../ops/registry.js';
import type { ShapeEnv } from '../ops/types.js';
import { loadDataset, locateDataset, resolveDataDir } from '../data/index.js';
import type { Dataset, FeatureSource } from '../data/types.js';
import { chooseFeatures, missingFeatureError, withParts, type ChosenBy } from '../data/feature-choice.js';
import { featureProvenance, generatedModalities, type FeatureProvenance } from '../data/feature-provenance.js';
import type { SourceLocation } from '../util/errors.js';
import { initBackend, type BackendChoice } from '../engine/backend.js';
import { Model, datasetSizes } from '../engine/executor.js';
import { trainSeed } from '../engine/trainer.js';
import type { EngineEvent, EventSink, ResultEvent, SeedEndEvent } from '../engine/events.js';
import { RunDir, pipelineHash } from './run-dir.js';
import { meanStd } from './stats.js';
import { protocolOverrides, selectionText, type Protocol } from './protocol.js';
import { fromPerUserJson, perUserMetricFor, perUserTestFile, toPerUserJson, type PerUserJson } from './per-user.js';

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
  /** Continue the run in this directory from its last finished epoch. */
  resume?: string;
  /**
   * Write the run into exactly this directory (a sweep point's own folder) instead of a new one under `out`; if
   * it already holds a run (an interrupted point), continue it from its checkpoints as `resume` does.
   */
  runDir?: string;
  /** Check every op output for NaN / Inf during training. */
  detectAnomaly?: boolean;
  /** Report the time per phase and per op (`--profile`); written to profile.json in the run directory. */
  profile?: boolean;
  /** Training protocol (protocol.ts); default `mmrec`, the pipeline as written. */
  protocol?: Protocol;
  /** `--features`: modality -> source; wins over the pipeline's profile for the dataset. */
  features?: Record<string, FeatureSource>;
}

/** CLI-style overrides expressed as --set entries, so they are validated and located like any other. */
export function overridesFor(o: Pick<RunOptions, 'set' | 'dataset' | 'epochs' | 'seed' | 'protocol'>): string[] {
  // The protocol's settings first: the user's explicit --set / --epochs win over them.
  const set = [...protocolOverrides(o.protocol), ...(o.set ?? [])];
  if (o.dataset !== undefined) set.push(`data.dataset=${o.dataset}`);
  if (o.epochs !== undefined) set.push(`train.epochs=${o.epochs}`);
  if (o.seed !== undefined) set.push(`train.seed=${o.seed}`);
  return set;
}

export function loadChecked(file: string, set: string[] = []): LoadedPipeline {
  return loadPipeline(file, { set, schema: pipelineSchema(registry) });
}

/** The feature sources for the chosen dataset: its profile in the pipeline, else `data.features`. */
export function featuresFor(loaded: LoadedPipeline, dataset: string): Record<string, FeatureSource> {
  return profileFor(loaded.pipeline, dataset) ?? loaded.pipeline.data.features;
}

/** The pipeline's profile for a dataset (`synth:baby` also finds a `synth` profile). */
function profileFor(p: Pipeline, dataset: string): Record<string, FeatureSource> | undefined {
  const d = p.data;
  return d.profiles?.[dataset]?.features ?? d.profiles?.[dataset.split(':')[0]!]?.features;
}

/** Modality keys a dataset folder may provide by MMRec file names (see data/feature-choice.ts). */
const FOLDER_MODALITIES = ['v', 't', 'a', 'mm'];

/**
 * Pins what the command line chose into the pipeline, so that the resolved pipeline (pipeline.yaml, a sweep
 * point's text and so its id) says which data it runs on: a `--data` folder's name becomes `data.dataset`, and
 * `--features` entries go into that dataset's profile, where they win over the profile's own.
 */
export function pinData(p: Pipeline, o: { dataPath?: string; features?: Record<string, FeatureSource> }): void {
  if (o.dataPath) p.data.dataset = basename(resolve(o.dataPath));
  if (o.features && Object.keys(o.features).length) {
    const key = p.data.dataset;
    p.data.profiles = { ...p.data.profiles, [key]: { features: { ...(p.data.profiles?.[key]?.features ?? {}), ...o.features } } };
  }
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

/** What a run's features are and where each came from (run.json, the warnings of runPipeline). */
export interface FeatureRecord {
  /** Every source available for the dataset, by modality (what `analyze` reloads). */
  sources: Record<string, FeatureSource>;
  chosenBy: Record<string, ChosenBy>;
  /** The loaded matrices (read by the graph, and the parts of concatenations). */
  provenance: Record<string, FeatureProvenance>;
  /** Loaded modalities whose values were generated, not read from files. */
  generated: string[];
}

export async function prepare(opts: RunOptions): Promise<{ loaded: LoadedPipeline; graph: CompiledGraph; dataset: Dataset; features: FeatureRecord }> {
  const loaded = loadChecked(opts.file, overridesFor(opts));
  const p = loaded.pipeline;
  pinData(p, opts);
  const dsKey = p.data.dataset;
  const builtIn = opts.dataPath === undefined && dsKey.startsWith('synth:');
  const profile = profileFor(p, dsKey);
  // Symbolically, every modality that some rule could provide is declared; which one exists is decided below.
  const candidates = [...new Set([...Object.keys(profile ?? {}), ...Object.keys(p.data.features), ...(builtIn ? [] : FOLDER_MODALITIES)])];
  const symbolic = compile(loaded, registry, { sizes: {}, modalities: candidates });
  const used = usedModalities(symbolic);
  const dataDir = resolveDataDir(opts.dataDir);
  const dir = builtIn ? undefined : locateDataset({ dataset: dsKey, dataDir, dataPath: opts.dataPath }).dir;
  const choice = chooseFeatures({ flag: opts.features, profile, declared: p.data.features, name: dsKey, dir });
  // Load only what the graph reads, plus the parts a derived (concat) feature is built from.
  const wanted = withParts(used, choice.sources);
  const features: Record<string, FeatureSource> = {};
  for (const m of wanted) {
    if (choice.sources[m] !== undefined) features[m] = choice.sources[m]!;
    else if (dir !== undefined && m in choice.missing) throw missingFeatureError(m, choice.missing[m], { name: dsKey, dir }, readerLocation(loaded, symbolic, m, choice.sources));
  }
  const dataset = await loadDataset({ dataset: dsKey, dataDir, dataPath: opts.dataPath, features });
  const provenance = featureProvenance(features, dataset.features, choice.chosenBy, dataset.dir);
  for (const m of Object.keys(dataset.features)) if (!used.includes(m)) delete dataset.features[m];
  // What a folder provided by its file names is written into the dataset's profile, so that the saved pipeline
  // says which files the run read (and --resume reads the same ones).
  const found = Object.keys(features).filter((m) => choice.chosenBy[m] === 'mmrec file name');
  if (!builtIn && found.length) {
    const pinned = Object.fromEntries(found.map((m) => [m, features[m]!]));
    p.data.profiles = { ...p.data.profiles, [dsKey]: { features: { ...(p.data.profiles?.[dsKey]?.features ?? {}), ...pinned } } };
  }
  const env: ShapeEnv = { sizes: datasetSizes(dataset), modalities: [...new Set([...Object.keys(choice.sources), ...Object.keys(choice.missing)])] };
  const graph = compile(loaded, registry, env);
  return { loaded, graph, dataset, features: { sources: choice.sources, chosenBy: choice.chosenBy, provenance, generated: generatedModalities(provenance) } };
}

/** Where the pipeline reads modality `m` (directly, or through a concatenation that includes it). */
function readerLocation(loaded: LoadedPipeline, g: CompiledGraph, m: string, sources: Record<string, FeatureSource>): SourceLocation | undefined {
  for (const n of g.nodes.values()) {
    if (n.op.name !== 'features' || !(n.inStep || n.inEval)) continue;
    const read = String(n.params.modality);
    if (withParts([read], sources).includes(m)) return loaded.locate([...n.path, 'modality']);
  }
  return undefined;
}

/**
 * What a run says about its features: a warning when a dataset folder's run uses generated features (asked for by
 * name, but never to be mistaken for real ones), and which files were picked by their MMRec names. Built-in
 * synthetic datasets are generated by definition; run.json records that without a line here.
 */
export function featureNotes(f: FeatureRecord, dataset: Dataset): EngineEvent[] {
  const out: EngineEvent[] = [];
  if (dataset.dir === undefined) return out;
  if (f.generated.length) {
    const asked: Record<string, string> = { flag: '--features', profile: `data.profiles.${dataset.name}` };
    const by = [...new Set(f.generated.map((m) => asked[f.chosenBy[m] ?? ''] ?? f.chosenBy[m]).filter((b) => b !== undefined))];
    const dims = f.generated.map((m) => `${m} (${f.provenance[m]!.dim}-d)`).join(', ');
    out.push({
      type: 'log',
      level: 'warn',
      message: `GENERATED features, not read from ${dataset.dir}: ${dims}, asked for by ${by.join(' and ')}; numbers from this run say nothing about real features`,
    });
  }
  const named = Object.keys(f.provenance).filter((m) => f.chosenBy[m] === 'mmrec file name');
  if (named.length) {
    const desc = named.map((m) => {
      const p = f.provenance[m]!;
      return p.source === 'file' ? `${m} = ${relative(dataset.dir!, p.path)}` : p.source === 'concat' ? `${m} = concat(${p.of.join(', ')})` : m;
    });
    out.push({ type: 'log', level: 'info', message: `features from ${dataset.dir} by their MMRec names: ${desc.join(', ')} (--features m=file.npy chooses others)` });
  }
  return out;
}

/** Checkpoint files of one seed: `last.ckpt` after every epoch, `best-<epoch>.ckpt` at each improvement. */
function seedCheckpoints(runDir: RunDir, seed: number) {
  const dir = join(runDir.path, `seed-${seed}`, 'checkpoint');
  return {
    dir,
    last: join(dir, 'last.ckpt'),
    best: (epoch: number) => join(dir, `best-${epoch}.ckpt`),
  };
}

function weightArrays(prefix: string, weights: Map<string, Float32Array>, shapes: Map<string, number[]>): NamedArray[] {
  return [...weights].map(([k, v]) => ({ name: `${prefix}${k}`, shape: shapes.get(k) ?? [v.length], data: v }));
}

function arraysToWeights(arrays: NamedArray[], prefix: string): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const a of arrays) if (a.name.startsWith(prefix)) out.set(a.name.slice(prefix.length), a.data);
  return out;
}

/** Reads the trainer state a killed run left after its last finished epoch. */
function loadTrainerState(ck: ReturnType<typeof seedCheckpoints>): TrainerState | undefined {
  if (!existsSync(ck.last)) return undefined;
  const last = readCheckpoint(ck.last);
  const m = last.meta as Omit<TrainerState, 'weights' | 'bestWeights' | 'optimizer'> & { bestFile?: string; optimizerIterations: number; optimizerAccBeta?: [number, number] };
  const weights = arraysToWeights(last.arrays, 'w:');
  const bestCk = m.bestFile ? readCheckpoint(join(ck.dir, m.bestFile)) : undefined;
  const bestWeights = bestCk ? arraysToWeights(bestCk.arrays, 'w:') : weights;
  const perUser = bestCk?.meta.perUserTest as PerUserJson | undefined;
  return {
    epochsDone: m.epochsDone,
    best: m.best,
    bestEpoch: m.bestEpoch,
    bestValid: m.bestValid,
    bestTest: m.bestTest,
    ...(perUser ? { bestTestPerUser: fromPerUserJson(perUser) } : {}),
    sinceBest: m.sinceBest,
    trainSeconds: m.trainSeconds,
    rng: m.rng,
    weights,
    bestWeights,
    optimizer: {
      iterations: m.optimizerIterations,
      accBeta: m.optimizerAccBeta,
      moments: last.arrays.filter((a) => a.name.startsWith('m:')).map((a) => ({ name: a.name.slice(2), shape: a.shape, data: a.data })),
    },
  };
}

interface RunRecord {
  pipelineFile: string;
  protocol?: Protocol;
  dataset: string;
  dataPath?: string;
  dataDir?: string;
  seeds: number[];
  backend: BackendChoice;
}

export async function runPipeline(opts: RunOptions): Promise<ResultEvent> {
  let record: RunRecord | undefined;
  if (opts.runDir && existsSync(join(resolve(opts.runDir), 'run.json'))) opts = { ...opts, resume: opts.runDir, runDir: undefined };
  if (opts.resume) {
    const runJson = join(resolve(opts.resume), 'run.json');
    if (!existsSync(runJson)) throw new UserError('not a run directory (no run.json)', { file: resolve(opts.resume) });
    record = JSON.parse(readFileSync(runJson, 'utf8')) as RunRecord;
    // The resolved pipeline saved with the run is the one to continue, whatever happened to the source since.
    opts = { ...opts, file: join(resolve(opts.resume), 'pipeline.yaml'), set: [], dataset: undefined, features: undefined, epochs: undefined, seed: undefined, protocol: undefined, dataPath: record.dataPath, dataDir: record.dataDir };
  }
  const backend = await initBackend(opts.backend ?? record?.backend ?? 'auto');
  const { loaded, graph, dataset, features } = await prepare(opts);
  const p = loaded.pipeline;
  const seeds = record?.seeds ?? Array.from({ length: opts.seeds ?? 1 }, (_, i) => p.train.seed + i);
  const nSeeds = seeds.length;
  const resolvedYaml = dumpResolved(p);
  const runDir = record
    ? RunDir.open(resolve(opts.resume!))
    : opts.runDir
      ? RunDir.at(resolve(opts.runDir))
      : opts.out === false
        ? undefined
        : RunDir.create(resolve(opts.out ?? 'runs'), p.name, pipelineHash(resolvedYaml, dataset.name));
  const emit: EventSink = (e: EngineEvent) => {
    runDir?.event(e);
    opts.emit?.(e);
  };
  if (runDir && !record) {
    runDir.writeText('pipeline.yaml', resolvedYaml);
    // What `analyze` and `--resume` need to reload the same data and graph.
    runDir.writeJson('run.json', {
      pipelineFile: resolve(opts.file),
      protocol: opts.protocol ?? 'mmrec',
      set: overridesFor(opts),
      dataset: dataset.name,
      dataPath: opts.dataPath ? resolve(opts.dataPath) : undefined,
      // Absolute, so that `--resume` and `analyze` find the data from any working directory.
      dataDir: ((d) => (d === undefined ? undefined : resolve(d)))(resolveDataDir(opts.dataDir)),
      features: features.sources,
      // Per loaded modality: a file (path, size, mtime, sha256) or generated features (width), and which rule chose it.
      featureProvenance: features.provenance,
      generatedFeatures: features.generated,
      ...(opts.features ? { featuresFlag: opts.features } : {}),
      seeds,
      backend: backend.choice,
      outputs: Object.keys(graph.outputs),
      created: new Date().toISOString(),
    });
  }
  emit({ type: 'log', level: 'info', message: `backend: ${backend.choice}${backend.skipped.length ? ` (skipped: ${backend.skipped.join('; ')})` : ''}` });
  for (const e of featureNotes(features, dataset)) emit(e);

  const perSeed: SeedEndEvent[] = [];
  for (const [i, seed] of seeds.entries()) {
    const seedDir = `seed-${seed}`;
    const ck = runDir ? seedCheckpoints(runDir, seed) : undefined;
    const done = runDir ? join(runDir.path, seedDir, 'result.json') : undefined;
    if (record && done && existsSync(done)) {
      const finished = JSON.parse(readFileSync(done, 'utf8')) as SeedEndEvent;
      perSeed.push(finished);
      emit({ type: 'log', level: 'info', message: `seed ${seed} already finished` });
      // Its summary again, so that a consumer that only saw the resumed run (a sweep point whose process was
      // killed after the seed ended but before the sweep stored it) still receives the seed's result.
      emit(finished);
      continue;
    }
    const model = new Model(graph, dataset, seed, backend.tfBackend, p.train.rng?.init);
    const profiler = opts.profile ? new Profiler() : undefined;
    const shapes = new Map([...model.variables].map(([k, v]) => [k, v.shape]));
    let bestFile: string | undefined;
    try {
      const resumeState = record && ck ? loadTrainerState(ck) : undefined;
      if (resumeState && ck) bestFile = (readCheckpoint(ck.last).meta as { bestFile?: string }).bestFile;
      const { summary, bestWeights, bestTestPerUser } = await trainSeed(model, dataset, p, {
        seed,
        seedIndex: i,
        seeds: nSeeds,
        emit,
        pipelineName: p.name,
        datasetName: dataset.name,
        backend: backend.choice,
        signal: opts.signal,
        runDir: runDir?.path,
        resume: resumeState,
        detectAnomaly: opts.detectAnomaly,
        profiler,
        perUserMetric: perUserMetricFor(p),
        onEpoch: ck
          ? async ({ improved, state }) => {
              const st = await state();
              // The best weights go to their own file first; last.ckpt then points at it, and only after that
              // are older best files removed, so a kill at any moment leaves a consistent pair on disk.
              if (improved) {
                bestFile = `best-${st.bestEpoch}.ckpt`;
                // The per-user test values travel with the best weights, so a resumed run still has them.
                const perUserTest = st.bestTestPerUser ? toPerUserJson(st.bestTestPerUser, st.bestEpoch) : undefined;
                writeCheckpoint(join(ck.dir, bestFile), { kind: 'best', seed, epoch: st.bestEpoch, valid: st.bestValid, test: st.bestTest, pipeline: p.name, ...(perUserTest ? { perUserTest } : {}) }, weightArrays('w:', st.bestWeights, shapes));
              }
              const { weights, bestWeights: _bw, bestTestPerUser: _pu, optimizer, ...counters } = st;
              writeCheckpoint(
                ck.last,
                { kind: 'last', seed, pipeline: p.name, ...counters, bestFile, optimizerIterations: optimizer.iterations, optimizerAccBeta: optimizer.accBeta },
                [...weightArrays('w:', weights, shapes), ...optimizer.moments.map((m) => ({ name: `m:${m.name}`, shape: m.shape, data: m.data }))],
              );
              for (const f of readdirSync(ck.dir)) if (/^best-\d+\.ckpt$/.test(f) && f !== bestFile) rmSync(join(ck.dir, f), { force: true });
            }
          : undefined,
      });
      perSeed.push(summary);
      if (profiler) {
        const report = profiler.report();
        emit({ type: 'log', level: 'info', message: `seed ${seed} ${formatProfile(report)}` });
        runDir?.writeJson(`${seedDir}/profile.json`, report);
      }
      if (runDir) {
        model.restore(bestWeights);
        const outs = model.outputs(true);
        try {
          for (const [k, t] of Object.entries(outs)) runDir.writeMatrix(`${seedDir}/embeddings/${k}.npy`, t.dataSync() as Float32Array, t.shape);
        } finally {
          Object.values(outs).forEach((t) => t.dispose());
        }
        // Before result.json: a seed with a result has its per-user values too.
        if (bestTestPerUser) runDir.writeText(perUserTestFile(seed), JSON.stringify(toPerUserJson(bestTestPerUser, summary.bestEpoch)) + "\n");
        runDir.writeJson(`${seedDir}/result.json`, summary);
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
    protocol: record?.protocol ?? opts.protocol ?? 'mmrec',
    selection: selectionText(p.train.early_stopping.metric, p.train.early_stopping.stop),
    seeds,
    perSeed: perSeed.map((s) => ({ seed: s.seed, bestEpoch: s.bestEpoch, epochs: s.epochs, valid: s.valid, test: s.test, secondsPerEpoch: s.secondsPerEpoch })),
    mean: result.mean,
    std: result.std,
  });
  emit(result);
  return result;
}
