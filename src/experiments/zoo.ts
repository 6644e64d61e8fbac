/**
 * The model zoo: every model (the flagship and each baseline pipeline) × N seeds on one dataset, run as sweep
 * points through the sweep machinery — the same point ids (a hash of the resolved pipeline and the dataset),
 * the same resumable, atomically written store and the same local worker processes — then one table per
 * model of mean ± std over seeds. Each seed's metrics are those at its own best valid epoch (the engine
 * selects on valid Recall@20); nothing here looks at test to choose anything.
 *
 * Every other model is then compared with a baseline (the flagship unless --baseline), paired over seeds and
 * over test users (zoo-compare.ts), so that a gap within the noise is marked as such.
 *
 * Store: `<store>/zoo/<dataset>/points/<id>.json`, shared by every zoo run on that dataset, so a second run (or
 * a run with more models or seeds) only runs the points it does not find; a changed pipeline is a new id.
 */
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import type { Metrics } from '../engine/events.js';
import type { BackendChoice } from '../engine/backend.js';
import { UserError } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import { chooseProtocol, loadChecked, overridesFor, pinData } from './run.js';
import type { FeatureSource } from '../data/types.js';
import { meanStd } from './stats.js';
import { resolvedText, sha, type PlannedPoint } from './sweep/plan.js';
import { runLocal } from './sweep/local.js';
import { SweepTracker, type SweepSink } from './sweep/progress.js';
import { SweepStore, type PointRecord } from './sweep/store.js';
import { planMerge } from './zoo-merge.js';
import { selectionText, type Protocol } from './protocol.js';
import {
  compareWithBaseline,
  compareWithPrevious,
  comparisonMarkdown,
  storeLookup,
  type PairedComparison,
} from './zoo-compare.js';

/** The model the others are compared with unless --baseline says otherwise: the flagship. */
export const DEFAULT_BASELINE = 'anchorrec';
/**
 * `--baseline previous`: each row is compared with the row before it (an attribution chain, where each step adds one
 * element).
 */
export const PREVIOUS_BASELINE = 'previous';

export interface ZooOptions {
  /** Pipeline files; default: defaultZooFiles(pipelinesDir). */
  files?: string[];
  pipelinesDir?: string;
  /** Keep only these models (pipeline name or file name without .yaml). */
  models?: string[];
  dataset?: string;
  dataPath?: string;
  dataDir?: string;
  /** `--features`: pinned into every model's profile for the dataset (see pinData). */
  features?: Record<string, FeatureSource>;
  seeds?: number;
  seed?: number;
  epochs?: number;
  /** Training protocol (protocol.ts); part of every point id, so one store never mixes protocols. */
  protocol?: Protocol;
  set?: string[];
  workers?: number;
  retries?: number;
  backend?: BackendChoice;
  /** Root of the point store (default ./sweeps). */
  store?: string;
  /** The Markdown table; the JSON goes next to it (same name, .json). Default <store dir>/results.md. */
  out?: string;
  /** Write the table from what the store (and --merge) hold; run nothing. */
  tableOnly?: boolean;
  /** An earlier zoo results.json whose rows for the models not run here are carried into this table. */
  merge?: string;
  /** The model every other row is compared with (zoo-compare.ts); default DEFAULT_BASELINE. */
  baseline?: string;
  /** The command line, recorded in the table's header. */
  command?: string;
  plugins?: string[];
  emit?: SweepSink;
  signal?: AbortSignal;
}

export interface ZooModel {
  name: string;
  file: string;
  points: PlannedPoint[];
}

export interface Stat {
  mean: number;
  std: number;
}

export interface ZooRow {
  model: string;
  file: string;
  seeds: number[];
  missingSeeds: number[];
  valid: { mean: Metrics; std: Metrics };
  test: { mean: Metrics; std: Metrics };
  bestEpoch: Stat;
  epochs: Stat;
  secondsPerEpoch: Stat;
  perSeed: SeedRow[];
  /** Set on a row carried whole from an earlier table (--merge): the command and date that produced it. */
  source?: Source;
}

/** The command and date of the zoo run that produced a carried row or seed. */
export interface Source {
  command: string;
  date: string;
}

export interface SeedRow {
  seed: number;
  id: string;
  bestEpoch: number;
  epochs: number;
  secondsPerEpoch: number;
  valid: Metrics;
  test: Metrics;
  /** Set on a seed carried from an earlier table (--merge) instead of run or found in the store. */
  source?: Source;
}

/** What the table needs of one finished point: a stored record, or a seed carried from an earlier table. */
export type SeedResult = Pick<
  PointRecord,
  'valid' | 'test' | 'bestEpoch' | 'epochs' | 'secondsPerEpoch' | 'backend'
> & { source?: Source };

export interface ZooResults {
  command: string;
  dataset: string;
  seeds: number[];
  backend: string;
  date: string;
  /** Training protocol (protocol.ts); absent in tables written before it existed (those are `mmrec`). */
  protocol?: Protocol;
  /** train.epochs of every model, when they share one. */
  maxEpochs?: number;
  selection: string;
  store: string;
  models: ZooRow[];
  /** The model the comparisons are against, and one comparison per other model (empty if it is not in the table). */
  baseline?: string;
  comparisons?: PairedComparison[];
}

export interface ZooOutcome {
  results: ZooResults;
  files: string[];
  ran: number;
  reused: number;
  /** Seeds taken from the --merge table instead of run (models this run runs). */
  carried: number;
  failed: number;
  interrupted: boolean;
}

/**
 * The flagship (paper and official-code variants) and every baseline: <dir>/anchorrec.yaml,
 * <dir>/anchorrec-official.yaml and <dir>/baselines/*.yaml (fragments skipped).
 */
export function defaultZooFiles(dir = 'pipelines'): string[] {
  const files: string[] = [];
  for (const f of ['anchorrec.yaml', 'anchorrec-official.yaml']) if (existsSync(join(dir, f))) files.push(join(dir, f));
  const base = join(dir, 'baselines');
  if (existsSync(base))
    files.push(
      ...readdirSync(base)
        .filter((f) => f.endsWith('.yaml') && !f.startsWith('_'))
        .sort()
        .map((f) => join(base, f)),
    );
  return files;
}

const stat = (xs: number[]): Stat => {
  const r = meanStd(xs.map((x) => ({ x })));
  return { mean: r.mean.x ?? NaN, std: r.std.x ?? NaN };
};

/** Every model's points, computed exactly as a sweep computes a configuration's points. */
export function planZoo(opts: ZooOptions): {
  dataset: string;
  seeds: number[];
  models: ZooModel[];
  maxEpochs?: number;
} {
  const files = (opts.files ?? defaultZooFiles(opts.pipelinesDir)).map((f) => resolve(f));
  if (!files.length)
    throw new UserError(`no pipelines found for the zoo (looked in ${opts.pipelinesDir ?? 'pipelines'})`, {
      file: '--pipelines',
    });
  const base = overridesFor({ set: opts.set, dataset: opts.dataset, epochs: opts.epochs, protocol: opts.protocol });
  const loaded = files.map((file) => ({ file, p: loadChecked(file, base).pipeline }));
  let chosen = loaded;
  if (opts.models?.length) {
    const want = new Set(opts.models);
    chosen = loaded.filter(({ file, p }) => want.has(p.name) || want.has(basename(file, '.yaml')));
    const known = new Set(loaded.flatMap(({ file, p }) => [p.name, basename(file, '.yaml')]));
    const unknown = opts.models.filter((m) => !known.has(m));
    if (unknown.length)
      throw new UserError(
        `unknown model${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the zoo has: ${loaded.map(({ p }) => p.name).join(', ')}`,
        { file: '--models' },
      );
  }
  const names = new Map<string, string>();
  for (const { file, p } of chosen) {
    const other = names.get(p.name);
    if (other) throw new UserError(`two zoo pipelines are both named '${p.name}': ${other} and ${file}`, { file });
    names.set(p.name, file);
  }
  const dataPath = opts.dataPath ? resolve(opts.dataPath) : undefined;
  for (const { p } of chosen) pinData(p, { dataPath, features: opts.features });
  const dataset = dataPath ? basename(dataPath) : chosen[0]!.p.data.dataset;
  const n = opts.seeds ?? 1;
  const first = opts.seed ?? chosen[0]!.p.train.seed;
  const seeds = Array.from({ length: n }, (_, i) => first + i);
  const models = chosen.map(({ file, p }) => {
    const config = { key: p.name, label: p.name, values: {}, overrides: [] as string[] };
    const points = seeds.map((seed): PlannedPoint => {
      const resolved = resolvedText(p, seed);
      const pipelineHash = sha(resolved).slice(0, 16);
      const id = sha(pipelineHash, dataset, dataPath ?? '').slice(0, 20);
      return { id, pipelineHash, resolved, seed, dataset, ...(dataPath ? { dataPath } : {}), label: p.name, config };
    });
    return { name: p.name, file, points };
  });
  // The epoch budget, when every model has the same one (what a run's summary checks before comparing with a row).
  const budgets = new Set(chosen.map(({ p }) => p.train.epochs));
  return { dataset, seeds, models, ...(budgets.size === 1 ? { maxEpochs: [...budgets][0]! } : {}) };
}

/** Per model mean ± std over the stored seeds. */
export function aggregateZoo(models: ZooModel[], records: Map<string, SeedResult>): ZooRow[] {
  return models.map((m) => {
    const done = m.points
      .map((p) => [p, records.get(p.id)] as const)
      .filter((x): x is [PlannedPoint, SeedResult] => x[1] !== undefined);
    const recs = done.map(([, r]) => r);
    return {
      model: m.name,
      file: m.file,
      seeds: done.map(([p]) => p.seed),
      missingSeeds: m.points.filter((p) => !records.has(p.id)).map((p) => p.seed),
      valid: meanStd(recs.map((r) => r.valid)),
      test: meanStd(recs.map((r) => r.test)),
      bestEpoch: stat(recs.map((r) => r.bestEpoch)),
      epochs: stat(recs.map((r) => r.epochs)),
      secondsPerEpoch: stat(recs.map((r) => r.secondsPerEpoch)),
      perSeed: done.map(([p, r]) => ({
        seed: p.seed,
        id: p.id,
        bestEpoch: r.bestEpoch,
        epochs: r.epochs,
        secondsPerEpoch: r.secondsPerEpoch,
        valid: r.valid,
        test: r.test,
        ...(r.source ? { source: r.source } : {}),
      })),
    };
  });
}

const f4 = (s: Stat | undefined) => (s && Number.isFinite(s.mean) ? `${s.mean.toFixed(4)} ± ${s.std.toFixed(4)}` : '–');
const f1 = (s: Stat) => (Number.isFinite(s.mean) ? `${s.mean.toFixed(1)} ± ${s.std.toFixed(1)}` : '–');
const pick = (ms: { mean: Metrics; std: Metrics }, k: string): Stat | undefined =>
  ms.mean[k] === undefined ? undefined : { mean: ms.mean[k]!, std: ms.std[k] ?? 0 };

export function zooMarkdown(r: ZooResults): string {
  const lines = [
    `# Model zoo: ${r.dataset}`,
    '',
    `- command: \`${r.command}\``,
    `- dataset: ${r.dataset}`,
    `- seeds: ${r.seeds.join(', ')} (${r.seeds.length} per model)`,
    `- backend: ${r.backend}`,
    `- date: ${r.date}`,
    ...(r.protocol ? [`- protocol: ${r.protocol}`] : []),
    `- selection: ${r.selection}`,
    `- point store: ${r.store}`,
    '',
    '| model | valid Recall@20 | valid NDCG@20 | test Recall@20 | test NDCG@20 | best epoch | epochs run | s / epoch | seeds |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  // Rows carried from earlier tables are marked (1), (2)... and their commands listed under the table.
  const origins = (m: ZooRow) => [
    ...new Set([m.source, ...m.perSeed.map((s) => s.source)].flatMap((o) => (o ? [JSON.stringify(o)] : []))),
  ];
  const sources = [...new Set(r.models.flatMap(origins))];
  for (const m of r.models) {
    const marks = origins(m).map((o) => `(${sources.indexOf(o) + 1})`);
    const mark = marks.length ? ` ${marks.join(' ')}` : '';
    const seeds = m.missingSeeds.length
      ? `${m.seeds.length}/${m.seeds.length + m.missingSeeds.length} (missing ${m.missingSeeds.join(', ')})`
      : `${m.seeds.length}`;
    lines.push(
      `| ${m.model}${mark} | ${f4(pick(m.valid, 'recall@20'))} | ${f4(pick(m.valid, 'ndcg@20'))} | ${f4(pick(m.test, 'recall@20'))} | ${f4(pick(m.test, 'ndcg@20'))} | ${f1(m.bestEpoch)} | ${f1(m.epochs)} | ${Number.isFinite(m.secondsPerEpoch.mean) ? m.secondsPerEpoch.mean.toFixed(2) : '–'} | ${seeds} |`,
    );
  }
  lines.push(
    '',
    'Mean ± sample standard deviation over seeds. Per-seed values and every other metric are in the JSON file beside this one.',
  );
  if (sources.length) {
    lines.push(
      '',
      'Rows marked (n) hold seeds that the command above did not run but carried (`--merge`, point ids checked against the current pipelines) from:',
      '',
    );
    sources.forEach((j, i) => {
      const s = JSON.parse(j) as { command: string; date: string };
      lines.push(`- (${i + 1}) \`${s.command}\` (${s.date})`);
    });
  }
  if (r.baseline)
    lines.push(
      '',
      ...comparisonMarkdown(
        r.baseline,
        r.comparisons ?? [],
        r.baseline === PREVIOUS_BASELINE ? r.models.length > 1 : r.models.some((m) => m.model === r.baseline),
      ),
    );
  lines.push('');
  return lines.join('\n');
}

export async function runZoo(opts: ZooOptions): Promise<ZooOutcome> {
  if (opts.protocol === undefined) {
    const first = (opts.files ?? defaultZooFiles(opts.pipelinesDir))[0];
    if (first !== undefined)
      opts = {
        ...opts,
        protocol: chooseProtocol({
          file: first,
          set: opts.set,
          dataset: opts.dataset,
          dataPath: opts.dataPath,
          epochs: opts.epochs,
        }),
      };
  }
  const plan = planZoo(opts);
  // Check what --merge carries before hours of training, not after.
  const merge = opts.merge
    ? planMerge(
        resolve(opts.merge),
        plan,
        planZoo({ ...opts, models: undefined, seed: plan.seeds[0], seeds: plan.seeds.length }).models,
        opts.files !== undefined,
      )
    : undefined;
  const baseline = opts.baseline ?? DEFAULT_BASELINE;
  // A baseline named on purpose must be in the table; checked before anything runs.
  const tableModels = [...plan.models.map((m) => m.name), ...(merge?.rows.map((r) => r.model) ?? [])];
  if (opts.baseline !== undefined && opts.baseline !== PREVIOUS_BASELINE && !tableModels.includes(opts.baseline))
    throw new UserError(`--baseline: '${opts.baseline}' is not a model of this table (${tableModels.join(', ')})`, {
      file: '--baseline',
    });
  const dir = join(resolve(opts.store ?? 'sweeps'), 'zoo', plan.dataset.replace(/[^A-Za-z0-9._-]/g, '_'));
  const store = new SweepStore(dir);
  // A table-only run reads the store and writes nothing into it.
  if (!opts.tableOnly)
    store.init({
      dataset: plan.dataset,
      seeds: plan.seeds,
      models: plan.models.map((m) => ({
        name: m.name,
        file: m.file,
        points: m.points.map((p) => ({ seed: p.seed, id: p.id })),
      })),
    });
  const all = plan.models.flatMap((m) => m.points);
  const workers = opts.workers ?? availableParallelism();
  const unique = new Set(all.map((p) => p.id));
  const tracker = new SweepTracker(
    { name: 'zoo', dir, total: unique.size, metric: 'recall@20', workers },
    opts.emit ?? (() => {}),
  );
  const { records: stored, todo: missing } = store.partition(all, (p, r) => tracker.reuse(p, r));
  // Seeds of the models run here that the earlier table already holds (same point id) are not run again.
  const records = new Map<string, SeedResult>(stored);
  const todo = missing.filter((p) => {
    const c = merge?.seeds.get(p.id);
    if (!c) return true;
    records.set(p.id, c);
    tracker.reuse(p, c);
    return false;
  });
  tracker.emit({ type: 'sweep_start', configs: plan.models.length, seeds: plan.seeds });
  if (todo.length && !opts.tableOnly)
    await runLocal('zoo', todo, store, tracker, {
      workers,
      retries: opts.retries ?? 2,
      backend: opts.backend ?? 'auto',
      dataDir: opts.dataDir,
      plugins: opts.plugins,
      signal: opts.signal,
    });
  let ran = 0;
  for (const p of todo) {
    const r = store.load(p);
    if (r) {
      records.set(p.id, r);
      ran++;
    }
  }
  const backends = [
    ...new Set([...[...records.values()].map((r) => r.backend), ...(merge?.rows.length ? merge.backends : [])]),
  ].sort();
  const order = merge?.order ?? plan.models.map((m) => m.name);
  const results: ZooResults = {
    command: opts.command ?? 'anchorflow zoo',
    dataset: plan.dataset,
    seeds: plan.seeds,
    backend: backends.join(', ') || (opts.backend ?? 'auto'),
    date: new Date().toISOString(),
    protocol: opts.protocol ?? 'mmrec',
    ...(plan.maxEpochs !== undefined ? { maxEpochs: plan.maxEpochs } : {}),
    selection: `each seed's metrics: ${selectionText('Recall@20', opts.protocol === 'official' ? false : undefined)}; nothing is chosen on test`,
    store: dir,
    models: [...aggregateZoo(plan.models, records), ...(merge?.rows ?? [])].sort(
      (a, b) => order.indexOf(a.model) - order.indexOf(b.model),
    ),
  };
  results.baseline = baseline;
  const lookup = storeLookup((id) => store.runDir(id));
  results.comparisons =
    baseline === PREVIOUS_BASELINE
      ? compareWithPrevious(results.models, lookup)
      : compareWithBaseline(results.models, baseline, lookup);
  const md = resolve(opts.out ?? join(dir, 'results.md'));
  const json = join(dirname(md), `${basename(md).replace(/\.md$/i, '')}.json`);
  writeFileAtomic(md, zooMarkdown(results));
  writeFileAtomic(json, JSON.stringify(results, null, 2) + '\n');
  const status = tracker.status();
  tracker.emit({ type: 'sweep_end', files: [md, json] });
  return {
    results,
    files: [md, json],
    ran,
    reused: stored.size,
    carried: missing.length - todo.length,
    failed: status.failed,
    interrupted: Boolean(opts.signal?.aborted) && records.size < unique.size,
  };
}
