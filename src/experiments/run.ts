/**
 * Runs a pipeline end to end: resolve and compile it through the stages (graph/stages.ts), load the data it
 * needs, then train and evaluate each seed, writing the run directory (plan.json among its files). This is the
 * public entry point the CLI and the TypeScript API share.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { readCheckpoint, writeCheckpoint, type CheckpointFile, type NamedArray } from '../engine/checkpoint.js';
import type { TrainerState } from '../engine/trainer.js';
import { isUserError, UserError, type SourceLocation } from '../util/errors.js';
import { readRegularFile } from '../util/regular-file.js';
import { checkMemory } from '../engine/memory.js';
import { Profiler, formatProfile } from '../engine/profiler.js';
import { dumpResolved } from '../dsl/index.js';
import type { LoadedPipeline, Pipeline } from '../dsl/types.js';
import { compilePipeline, loadChecked, planText, profileFor } from '../graph/stages.js';
import type { CompiledGraph } from '../graph/types.js';
import { checkTrainable, loadDataset, locateDataset, resolveDataDir } from '../data/index.js';
import type { Dataset, FeatureSource } from '../data/types.js';
import { chooseFeatures, missingFeatureError, withParts, type ChosenBy } from '../data/feature-choice.js';
import { featureProvenance, generatedModalities, type FeatureProvenance } from '../data/feature-provenance.js';
import { backendChoices, initBackend, type BackendChoice } from '../engine/backend.js';
import { Model, datasetSizes } from '../engine/executor.js';
import { trainSeed } from '../engine/trainer.js';
import type { EngineEvent, EventSink, ResultEvent, SeedEndEvent, StageEvent } from '../engine/events.js';
import { InterruptedError } from '../engine/errors.js';
import { RunDir, pipelineHash } from './run-dir.js';
import { meanStd } from './stats.js';
import { trainSpecOf } from './train-spec.js';
import { defaultProtocol, protocolOverrides, QUICK_EPOCHS, selectionText, type Protocol } from './protocol.js';
import { fromPerUserJson, perUserMetricFor, perUserTestFile, toPerUserJson, type PerUserJson } from './per-user.js';

// The resolve and compile stages, re-exported: the API (src/index.ts) has always offered them from here.
export { compileSymbolic, featuresFor, loadChecked } from '../graph/stages.js';

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
  /**
   * Awaited after each stage event, before the work it announces: that work (reading data, folding constants)
   * can hold the event loop for a long time, so a live view gets its chance to paint the stage first.
   */
  settle?: () => Promise<void>;
}

/** Announces a stage of the run and lets the consumers show it before its work begins. */
async function stage(opts: Pick<RunOptions, 'emit' | 'settle'>, e: Omit<StageEvent, 'type'>): Promise<void> {
  if (!opts.emit) return;
  opts.emit({ type: 'stage', ...e });
  await opts.settle?.();
}

/** A path as the user can paste it: relative below the working directory, shell-quoted when it needs it. */
function shellPath(path: string): string {
  const rel = relative(process.cwd(), path);
  const p = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
  return /^[\w@%+=:,./-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`;
}

/** What an interrupted run says: after how many finished epochs it stopped, and how to continue it. */
export function interruptedMessage(epoch: number, runDir: string | undefined): string {
  return runDir === undefined
    ? `interrupted after epoch ${epoch} (nothing saved: --no-save)`
    : `interrupted after epoch ${epoch}; continue with: npx anchorflow run --resume ${shellPath(runDir)}`;
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

/**
 * The protocol a command runs under: the one asked for, else the default for its data (protocol.ts). The quick
 * protocol only ever shortens a run: a pipeline whose own budget (with the user's `--epochs` / `--set`) is already
 * at most QUICK_EPOCHS runs as written (`mmrec`), and so does a sweep point's resolved text.
 */
export function chooseProtocol(
  o: Pick<RunOptions, 'protocol' | 'file' | 'set' | 'dataset' | 'dataPath' | 'epochs'>,
): Protocol {
  if (o.protocol !== undefined) return o.protocol;
  if (o.dataPath !== undefined) return 'mmrec';
  const p = loadChecked(o.file, overridesFor({ set: o.set, dataset: o.dataset, epochs: o.epochs })).pipeline;
  const protocol = defaultProtocol(p.data.dataset, false);
  return protocol === 'quick' && p.train.epochs <= QUICK_EPOCHS ? 'mmrec' : protocol;
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
    p.data.profiles = {
      ...p.data.profiles,
      [key]: { features: { ...(p.data.profiles?.[key]?.features ?? {}), ...o.features } },
    };
  }
}

/** Where each chosen feature source is written (its profile's entry, else data.features), for data errors. */
function featureLocations(loaded: LoadedPipeline, dataset: string, keys: string[]): Record<string, SourceLocation> {
  const profiles = loaded.pipeline.data.profiles;
  const profile = [dataset, dataset.split(':')[0]!].find((k) => profiles?.[k]?.features);
  const base = profile !== undefined ? ['data', 'profiles', profile, 'features'] : ['data', 'features'];
  return Object.fromEntries(keys.map((k) => [k, loaded.locate([...base, k])]));
}

/** Modalities that the compiled graph actually reads (only those are loaded). */
function usedModalities(g: CompiledGraph): string[] {
  const out = new Set<string>();
  for (const n of g.nodes.values())
    if (n.op.name === 'features' && (n.inStep || n.inEval)) out.add(String(n.params.modality));
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

export async function prepare(
  opts: RunOptions,
): Promise<{ loaded: LoadedPipeline; graph: CompiledGraph; dataset: Dataset; features: FeatureRecord }> {
  const loaded = loadChecked(opts.file, overridesFor(opts));
  const p = loaded.pipeline;
  pinData(p, opts);
  const dsKey = p.data.dataset;
  const builtIn = opts.dataPath === undefined && dsKey.startsWith('synth:');
  const profile = profileFor(p, dsKey);
  // Symbolically, every modality that some rule could provide is declared; which one exists is decided below.
  const candidates = [
    ...new Set([...Object.keys(profile ?? {}), ...Object.keys(p.data.features), ...(builtIn ? [] : FOLDER_MODALITIES)]),
  ];
  const symbolic = compilePipeline(loaded, { sizes: {}, modalities: candidates });
  const used = usedModalities(symbolic);
  const dataDir = resolveDataDir(opts.dataDir);
  const dir = builtIn ? undefined : locateDataset({ dataset: dsKey, dataDir, dataPath: opts.dataPath }).dir;
  const choice = chooseFeatures({ flag: opts.features, profile, declared: p.data.features, name: dsKey, dir });
  // Load only what the graph reads, plus the parts a derived (concat) feature is built from.
  const wanted = withParts(used, choice.sources);
  const features: Record<string, FeatureSource> = {};
  for (const m of wanted) {
    if (choice.sources[m] !== undefined) features[m] = choice.sources[m]!;
    else if (dir !== undefined && m in choice.missing)
      throw missingFeatureError(
        m,
        choice.missing[m],
        { name: dsKey, dir },
        readerLocation(loaded, symbolic, m, choice.sources),
      );
  }
  await stage(opts, { stage: 'data', message: `loading data ${opts.dataPath ?? dsKey}` });
  const dataset = await loadDataset({
    dataset: dsKey,
    dataDir,
    dataPath: opts.dataPath,
    features,
    featureLocs: featureLocations(loaded, dsKey, Object.keys(features)),
  });
  const provenance = featureProvenance(features, dataset.features, choice.chosenBy, dataset.dir);
  for (const m of Object.keys(dataset.features)) if (!used.includes(m)) delete dataset.features[m];
  checkTrainable(dataset);
  // What a folder provided by its file names is written into the dataset's profile, so that the saved pipeline
  // says which files the run read (and --resume reads the same ones).
  const found = Object.keys(features).filter((m) => choice.chosenBy[m] === 'mmrec file name');
  if (!builtIn && found.length) {
    const pinned = Object.fromEntries(found.map((m) => [m, features[m]!]));
    p.data.profiles = {
      ...p.data.profiles,
      [dsKey]: { features: { ...(p.data.profiles?.[dsKey]?.features ?? {}), ...pinned } },
    };
  }
  const env = {
    sizes: datasetSizes(dataset),
    modalities: [...new Set([...Object.keys(choice.sources), ...Object.keys(choice.missing)])],
  };
  await stage(opts, {
    stage: 'compile',
    message: `compiling ${p.name} for ${dataset.nUsers} users and ${dataset.nItems} items`,
  });
  const graph = compilePipeline(loaded, env);
  return {
    loaded,
    graph,
    dataset,
    features: {
      sources: choice.sources,
      chosenBy: choice.chosenBy,
      provenance,
      generated: generatedModalities(provenance),
    },
  };
}

/** Where the pipeline reads modality `m` (directly, or through a concatenation that includes it). */
function readerLocation(
  loaded: LoadedPipeline,
  g: CompiledGraph,
  m: string,
  sources: Record<string, FeatureSource>,
): SourceLocation | undefined {
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
    const by = [
      ...new Set(f.generated.map((m) => asked[f.chosenBy[m] ?? ''] ?? f.chosenBy[m]).filter((b) => b !== undefined)),
    ];
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
      return p.source === 'file'
        ? `${m} = ${relative(dataset.dir!, p.path)}`
        : p.source === 'concat'
          ? `${m} = concat(${p.of.join(', ')})`
          : m;
    });
    out.push({
      type: 'log',
      level: 'info',
      message: `features from ${dataset.dir} by their MMRec names: ${desc.join(', ')} (--features m=file.npy chooses others)`,
    });
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

/** A JSON file the run wrote itself (run.json, result.json): damage to it is a located error, not a crash. */
function readRunJson(file: string): unknown {
  const text = readRegularFile(file, { maxBytes: 16 << 20, what: 'a run record' }).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    // The parser's message quotes the file, which may not be ours to print; the position is enough.
    throw new UserError(
      `not valid JSON (${text.length} bytes; truncated or overwritten?); the run directory is damaged`,
      { file },
    );
  }
}

/** run.json of a run directory, checked field by field so that --resume on a damaged one says what is wrong. */
function readRunRecord(dir: string): RunRecord {
  const file = join(dir, 'run.json');
  if (!existsSync(file)) throw new UserError('not a run directory (no run.json)', { file: dir });
  const r = readRunJson(file) as Partial<RunRecord> | null;
  const wrong = (why: string): never => {
    throw new UserError(`${why}; the run directory is damaged`, { file });
  };
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return wrong('expected a JSON object');
  if (!Array.isArray(r.seeds) || r.seeds.length === 0 || !r.seeds.every((s) => Number.isSafeInteger(s) && s >= 0)) {
    wrong(`'seeds' must be a non-empty list of non-negative integers, found ${JSON.stringify(r.seeds)?.slice(0, 80)}`);
  }
  if (new Set(r.seeds).size !== r.seeds!.length)
    wrong(`'seeds' lists a seed twice: ${JSON.stringify(r.seeds).slice(0, 80)}`);
  if (r.backend !== undefined && !(backendChoices as readonly unknown[]).includes(r.backend)) {
    wrong(`'backend' must be one of ${backendChoices.join(', ')}, found ${JSON.stringify(r.backend)?.slice(0, 40)}`);
  }
  for (const k of ['dataPath', 'dataDir'] as const) {
    if (r[k] !== undefined && r[k] !== null && typeof r[k] !== 'string')
      wrong(`'${k}' must be a path, found ${JSON.stringify(r[k])?.slice(0, 40)}`);
  }
  return { ...r, dataPath: r.dataPath ?? undefined, dataDir: r.dataDir ?? undefined } as RunRecord;
}

function sameShape(a: number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Refuses a checkpoint that is not this run's: written for another pipeline or dataset (its hash), or holding
 * weights whose names or shapes differ from the model's. Loading it would either crash inside tfjs or, worse,
 * continue a different model and report its metrics as this run's.
 */
function checkCheckpoint(
  file: string,
  ck: CheckpointFile,
  expect: { hash: string; name: string; shapes: Map<string, number[]> },
): void {
  const m = ck.meta;
  if (m.pipelineHash !== undefined ? m.pipelineHash !== expect.hash : m.pipeline !== expect.name) {
    const was =
      m.pipelineHash !== undefined
        ? `pipeline hash ${String(m.pipelineHash).slice(0, 16)}`
        : `pipeline '${String(m.pipeline).slice(0, 60)}'`;
    throw new UserError(
      `this checkpoint belongs to another run (${was}; this run's pipeline.yaml and dataset give ${m.pipelineHash !== undefined ? `hash ${expect.hash}` : `pipeline '${expect.name}'`}); ` +
        `resuming from it would continue a different model`,
      { file },
    );
  }
  const found = new Map(ck.arrays.filter((a) => a.name.startsWith('w:')).map((a) => [a.name.slice(2), a.shape]));
  for (const [k, shape] of expect.shapes) {
    const got = found.get(k);
    if (!got)
      throw new UserError(
        `checkpoint has no weights for ${k} (shape (${shape.join(', ')})); it was written by another model`,
        { file },
      );
    if (!sameShape(got, shape)) {
      throw new UserError(
        `weights ${k} have shape (${got.join(', ')}) in the checkpoint but (${shape.join(', ')}) in the model; it was written by another model or dataset`,
        { file },
      );
    }
  }
  for (const k of found.keys())
    if (!expect.shapes.has(k))
      throw new UserError(`checkpoint has weights ${k.slice(0, 80)}, which the model does not have`, { file });
  // Adam's moments are named <model>/<variable>/m and /v.
  for (const a of ck.arrays.filter((x) => x.name.startsWith('m:'))) {
    const k = a.name
      .slice(2)
      .replace(/^m\d+\//, '')
      .replace(/\/[mv]$/, '');
    const shape = expect.shapes.get(k);
    if (!shape || !sameShape(a.shape, shape))
      throw new UserError(`optimizer state ${a.name.slice(2, 82)} does not match the model's variables`, { file });
  }
}

const isInt = (x: unknown, min = 0): boolean => Number.isSafeInteger(x) && (x as number) >= min;
const isSeedState = (x: unknown): boolean => Array.isArray(x) && x.length > 0 && x.every((v) => isInt(v));

/** The trainer counters a checkpoint's meta must hold; a damaged one is refused rather than trained from. */
function checkCounters(file: string, m: Record<string, unknown>): void {
  const rng = m.rng as Record<string, unknown> | undefined;
  const ok =
    isInt(m.epochsDone) &&
    isInt(m.bestEpoch, -1) &&
    isInt(m.sinceBest) &&
    typeof m.best === 'number' &&
    typeof m.trainSeconds === 'number' &&
    isInt(m.optimizerIterations) &&
    typeof m.bestValid === 'object' &&
    typeof m.bestTest === 'object' &&
    typeof rng === 'object' &&
    rng !== null &&
    isSeedState(rng.shuffle) &&
    isSeedState(rng.negatives) &&
    isSeedState(rng.step) &&
    (m.bestFile === undefined || (typeof m.bestFile === 'string' && /^best-\d+\.ckpt$/.test(m.bestFile)));
  if (!ok)
    throw new UserError(
      'not a readable anchorflow checkpoint: its trainer state (epochs, best, rng, optimizer) is damaged',
      { file },
    );
}

/** Reads the trainer state a killed run left after its last finished epoch. */
function loadTrainerState(
  ck: ReturnType<typeof seedCheckpoints>,
  expect: { hash: string; name: string; shapes: Map<string, number[]> },
): TrainerState | undefined {
  if (existsSync(ck.dir) && !statSync(ck.dir).isDirectory())
    throw new UserError('expected the checkpoint folder, found a file', { file: ck.dir });
  if (!existsSync(ck.last)) return undefined;
  const last = readCheckpoint(ck.last);
  checkCheckpoint(ck.last, last, expect);
  checkCounters(ck.last, last.meta);
  const m = last.meta as Omit<TrainerState, 'weights' | 'bestWeights' | 'optimizer'> & {
    bestFile?: string;
    optimizerIterations: number;
    optimizerAccBeta?: [number, number];
  };
  const weights = arraysToWeights(last.arrays, 'w:');
  let bestWeights = weights;
  let perUser: PerUserJson | undefined;
  if (m.bestFile) {
    const file = join(ck.dir, m.bestFile);
    const best = readCheckpoint(file);
    checkCheckpoint(file, best, expect);
    bestWeights = arraysToWeights(best.arrays, 'w:');
    perUser = best.meta.perUserTest as PerUserJson | undefined;
  }
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
      moments: last.arrays
        .filter((a) => a.name.startsWith('m:'))
        .map((a) => ({ name: a.name.slice(2), shape: a.shape, data: a.data })),
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
  if (opts.runDir && existsSync(join(resolve(opts.runDir), 'run.json')))
    opts = { ...opts, resume: opts.runDir, runDir: undefined };
  if (opts.resume) {
    record = readRunRecord(resolve(opts.resume));
    // The resolved pipeline saved with the run is the one to continue, whatever happened to the source since.
    opts = {
      ...opts,
      file: join(resolve(opts.resume), 'pipeline.yaml'),
      set: [],
      dataset: undefined,
      features: undefined,
      epochs: undefined,
      seed: undefined,
      protocol: undefined,
      dataPath: record.dataPath,
      dataDir: record.dataDir,
    };
  }
  if (!record) opts = { ...opts, protocol: chooseProtocol(opts) };
  await stage(opts, { stage: 'backend', message: 'starting the tfjs backend' });
  const backend = await initBackend(opts.backend ?? record?.backend ?? 'auto');
  const { loaded, graph, dataset, features } = await prepare(opts);
  const p = loaded.pipeline;
  // Before the run directory exists: a plan that cannot fit is refused with its figure and writes nothing.
  checkMemory(graph, dataset, trainSpecOf(p).eval, backend.tfBackend, (path) => loaded.locate(path));
  const seeds = record?.seeds ?? Array.from({ length: opts.seeds ?? 1 }, (_, i) => p.train.seed + i);
  const resolvedYaml = dumpResolved(p);
  const hash = pipelineHash(resolvedYaml, dataset.name);
  const runDir = record
    ? RunDir.open(resolve(opts.resume!))
    : opts.runDir
      ? RunDir.at(resolve(opts.runDir))
      : opts.out === false
        ? undefined
        : RunDir.create(resolve(opts.out ?? 'runs'), p.name, hash);
  try {
    return await runSeeds({
      opts,
      record,
      backend,
      loaded,
      graph,
      dataset,
      features,
      seeds,
      resolvedYaml,
      hash,
      runDir,
    });
  } catch (e) {
    if (e instanceof InterruptedError) {
      // Every epoch the trainer finished was checkpointed before it looked at the signal again.
      const epoch = e.epochsDone ?? 0;
      const message = interruptedMessage(epoch, runDir?.path);
      const event: EngineEvent = { type: 'interrupted', epoch, ...(runDir ? { runDir: runDir.path } : {}), message };
      runDir?.event(event);
      opts.emit?.(event);
      throw new InterruptedError(message, epoch);
    }
    // Bad input found once training starts (a sampler, an op at build time) leaves no half-made run behind;
    // once an epoch has been checkpointed the directory is kept, for --resume.
    if (isUserError(e) && runDir && !runDir.hasCheckpoint()) runDir.discard();
    throw e;
  }
}

async function runSeeds(ctx: {
  opts: RunOptions;
  record: RunRecord | undefined;
  backend: Awaited<ReturnType<typeof initBackend>>;
  loaded: LoadedPipeline;
  graph: CompiledGraph;
  dataset: Dataset;
  features: FeatureRecord;
  seeds: number[];
  resolvedYaml: string;
  hash: string;
  runDir: RunDir | undefined;
}): Promise<ResultEvent> {
  const { opts, record, backend, loaded, graph, dataset, features, seeds, resolvedYaml, hash, runDir } = ctx;
  const p = loaded.pipeline;
  const nSeeds = seeds.length;
  // A resumed run's log is held back until its records and checkpoints have been read and checked, so a
  // damaged run directory is refused without being changed.
  let held: EngineEvent[] | undefined = record ? [] : undefined;
  const emit: EventSink = (e: EngineEvent) => {
    if (held) held.push(e);
    else runDir?.event(e);
    opts.emit?.(e);
  };
  const release = () => {
    const q = held;
    held = undefined;
    q?.forEach((e) => runDir?.event(e));
  };
  if (runDir && !record) {
    runDir.writeText('pipeline.yaml', resolvedYaml);
    // The plan stage's artefact: the typed DAG this run trains, with its shapes bound to the data's sizes.
    runDir.writeText('plan.json', planText(graph, datasetSizes(dataset)));
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
  emit({
    type: 'log',
    level: 'info',
    message: `backend: ${backend.choice}${backend.skipped.length ? ` (skipped: ${backend.skipped.join('; ')})` : ''}`,
  });
  for (const e of featureNotes(features, dataset)) emit(e);

  const perSeed: SeedEndEvent[] = [];
  for (const [i, seed] of seeds.entries()) {
    const seedDir = `seed-${seed}`;
    const ck = runDir ? seedCheckpoints(runDir, seed) : undefined;
    const done = runDir ? join(runDir.path, seedDir, 'result.json') : undefined;
    if (record && done && existsSync(done)) {
      const finished = readRunJson(done) as SeedEndEvent;
      if (
        typeof finished !== 'object' ||
        finished === null ||
        typeof finished.valid !== 'object' ||
        typeof finished.test !== 'object' ||
        !finished.valid ||
        !finished.test
      ) {
        throw new UserError(`not a seed result (expected valid and test metrics); the run directory is damaged`, {
          file: done,
        });
      }
      perSeed.push(finished);
      release();
      emit({ type: 'log', level: 'info', message: `seed ${seed} already finished` });
      // Its summary again, so that a consumer that only saw the resumed run (a sweep point whose process was
      // killed after the seed ended but before the sweep stored it) still receives the seed's result.
      emit(finished);
      continue;
    }
    // Constant work (normalised graphs, kNN graphs of frozen features, transposes) happens as the model is built.
    await stage(opts, {
      stage: 'constants',
      message: `building constants (graphs, kNN, transposes)${nSeeds > 1 ? ` for seed ${seed}` : ''}`,
    });
    const model = new Model(graph, dataset, seed, backend.tfBackend, p.train.rng?.init);
    const profiler = opts.profile ? new Profiler() : undefined;
    const shapes = new Map([...model.variables].map(([k, v]) => [k, v.shape]));
    let bestFile: string | undefined;
    try {
      const resumeState = record && ck ? loadTrainerState(ck, { hash, name: p.name, shapes }) : undefined;
      release();
      if (resumeState && ck) bestFile = (readCheckpoint(ck.last).meta as { bestFile?: string }).bestFile;
      const { summary, bestWeights, bestTestPerUser } = await trainSeed(model, dataset, trainSpecOf(p), {
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
        // What the earlier process trained, for display.
        history: resumeState && runDir ? runDir.history(seed, resumeState.epochsDone) : undefined,
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
                writeCheckpoint(
                  join(ck.dir, bestFile),
                  {
                    kind: 'best',
                    seed,
                    epoch: st.bestEpoch,
                    valid: st.bestValid,
                    test: st.bestTest,
                    pipeline: p.name,
                    pipelineHash: hash,
                    ...(perUserTest ? { perUserTest } : {}),
                  },
                  weightArrays('w:', st.bestWeights, shapes),
                );
              }
              const { weights, bestWeights: _bw, bestTestPerUser: _pu, optimizer, ...counters } = st;
              writeCheckpoint(
                ck.last,
                {
                  kind: 'last',
                  seed,
                  pipeline: p.name,
                  pipelineHash: hash,
                  ...counters,
                  bestFile,
                  optimizerIterations: optimizer.iterations,
                  optimizerAccBeta: optimizer.accBeta,
                },
                [
                  ...weightArrays('w:', weights, shapes),
                  ...optimizer.moments.map((m) => ({ name: `m:${m.name}`, shape: m.shape, data: m.data })),
                ],
              );
              for (const f of readdirSync(ck.dir))
                if (/^best-\d+\.ckpt$/.test(f) && f !== bestFile) rmSync(join(ck.dir, f), { force: true });
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
          for (const [k, t] of Object.entries(outs))
            runDir.writeMatrix(`${seedDir}/embeddings/${k}.npy`, t.dataSync() as Float32Array, t.shape);
        } finally {
          Object.values(outs).forEach((t) => t.dispose());
        }
        // Before result.json: a seed with a result has its per-user values too.
        if (bestTestPerUser)
          runDir.writeText(
            perUserTestFile(seed),
            JSON.stringify(toPerUserJson(bestTestPerUser, summary.bestEpoch)) + '\n',
          );
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
    protocol: record?.protocol ?? opts.protocol ?? 'mmrec',
    maxEpochs: p.train.epochs,
  };
  runDir?.writeJson('metrics.json', {
    pipeline: p.name,
    dataset: dataset.name,
    backend: backend.choice,
    protocol: result.protocol,
    maxEpochs: p.train.epochs,
    selection: selectionText(p.train.early_stopping.metric, p.train.early_stopping.stop),
    seeds,
    perSeed: perSeed.map((s) => ({
      seed: s.seed,
      bestEpoch: s.bestEpoch,
      epochs: s.epochs,
      valid: s.valid,
      test: s.test,
      secondsPerEpoch: s.secondsPerEpoch,
    })),
    mean: result.mean,
    std: result.std,
  });
  emit(result);
  return result;
}
