/**
 * The few lines a run ends with, for a reader who has just trained their first model: the best epoch, test
 * Recall@20 / NDCG@20 beside LightGCN's on the same data when that is known, where the run went, and what to
 * type next. "Known" means measured, never assumed: a finished LightGCN run on the same dataset, protocol and
 * seeds in the same runs folder, or the committed zoo table (docs/results.json) for the dataset it was made on.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Metrics, ResultEvent, SummaryEvent } from '../engine/events.js';
import { QUICK_EPOCHS, type Protocol } from './protocol.js';
import { flag } from '../util/flags.js';

/** The model every summary compares with: the simplest graph baseline of the zoo. */
const BASELINE = 'lightgcn';
const METRICS = ['recall@20', 'ndcg@20'] as const;

/** The committed zoo table, beside the package's dist/ (absent in an installed copy without docs/). */
const ZOO_TABLE = resolve(dirname(fileURLToPath(import.meta.url)), '../../../docs/results.json');

export interface SummaryOptions {
  protocol: Protocol;
  /** The pipeline file the run was started from (for the next commands). */
  file?: string;
  /** The runs folder (`--out`), where a finished LightGCN run on the same data may be found. */
  out?: string;
  /** The zoo table to consult; defaults to the committed docs/results.json. */
  zooTable?: string;
}

export function summarizeRun(r: ResultEvent, o: SummaryOptions): SummaryEvent {
  const pick = (m: Metrics) => Object.fromEntries(METRICS.map((k) => [k, m[k] ?? NaN]));
  const baseline = r.pipeline === BASELINE ? undefined : (localBaseline(r, o) ?? zooBaseline(r, o));
  return {
    type: 'summary',
    pipeline: r.pipeline,
    dataset: r.dataset,
    protocol: o.protocol,
    seeds: r.seeds.length,
    bestEpochs: r.perSeed.map((s) => s.bestEpoch),
    epochs: r.perSeed.map((s) => s.epochs),
    test: pick(r.mean.test),
    ...(baseline ? { baseline: { model: BASELINE, ...baseline, test: pick(baseline.test) } } : {}),
    ...(r.runDir ? { runDir: r.runDir } : {}),
    notes: notes(r, o, baseline !== undefined),
    next: nextCommands(r, o, baseline !== undefined),
  };
}

interface Found {
  source: string;
  seeds: number;
  test: Metrics;
}

/** The newest finished LightGCN run in the runs folder on the same dataset, protocol, epoch budget and seeds. */
function localBaseline(r: ResultEvent, o: SummaryOptions): Found | undefined {
  if (!o.out) return undefined;
  const dir = join(resolve(o.out), BASELINE);
  if (!existsSync(dir)) return undefined;
  // Run directories start with their creation time (yyyymmdd-hhmmss-hash): newest first.
  const runs = readdirSync(dir).sort().reverse();
  for (const name of runs) {
    const m = readJson(join(dir, name, 'metrics.json')) as
      | { dataset?: string; protocol?: string; maxEpochs?: number; seeds?: number[]; mean?: { test?: Metrics } }
      | undefined;
    if (!m?.mean?.test || m.dataset !== r.dataset || m.protocol !== o.protocol || m.maxEpochs !== r.maxEpochs) continue;
    if (JSON.stringify(m.seeds) !== JSON.stringify(r.seeds)) continue;
    return { source: join(dir, name), seeds: m.seeds!.length, test: m.mean.test };
  }
  return undefined;
}

/** LightGCN's row of the committed zoo table, when that table was made on this dataset under this protocol. */
function zooBaseline(r: ResultEvent, o: SummaryOptions): Found | undefined {
  const file = o.zooTable ?? ZOO_TABLE;
  const t = readJson(file) as
    | {
        dataset?: string;
        protocol?: string;
        maxEpochs?: number;
        models?: { model?: string; seeds?: number[]; test?: { mean?: Metrics } }[];
      }
    | undefined;
  if (
    !t ||
    t.dataset !== r.dataset ||
    (t.protocol ?? 'mmrec') !== o.protocol ||
    t.maxEpochs !== r.maxEpochs ||
    !Array.isArray(t.models)
  )
    return undefined;
  const row = t.models.find((m) => m.model === BASELINE);
  if (!row?.test?.mean || !row.seeds?.length) return undefined;
  return { source: relative(process.cwd(), file) || file, seeds: row.seeds.length, test: row.test.mean };
}

function readJson(file: string): unknown {
  try {
    if (!statSync(file).isFile()) return undefined;
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // A summary is a courtesy: an unreadable neighbour is simply not a comparison.
    return undefined;
  }
}

function notes(r: ResultEvent, o: SummaryOptions, hasBaseline: boolean): string[] {
  const out: string[] = [];
  if (o.protocol === 'quick') {
    out.push(
      `quick protocol: ${r.maxEpochs ?? QUICK_EPOCHS} epochs, the default on built-in synthetic data; a demonstration, not a result. ` +
        'The MMRec protocol (up to 1000 epochs, early stopping on valid) is --protocol mmrec.',
    );
  }
  if (r.dataset.startsWith('synth:'))
    out.push('synthetic data: generated users, items and features with planted structure, for trying things out.');
  if (!hasBaseline && r.pipeline !== BASELINE)
    out.push('no LightGCN run with the same data, protocol, epochs and seeds was found to compare with.');
  return out;
}

function nextCommands(r: ResultEvent, o: SummaryOptions, hasBaseline: boolean): string[] {
  const out: string[] = [];
  if (r.runDir) out.push(`npx anchorflow analyze ${shown(r.runDir)}      # embedding analyses and an HTML report`);
  if (!hasBaseline && r.pipeline !== BASELINE) {
    const data = r.dataset.startsWith('synth:') ? '' : ` --dataset ${r.dataset}`;
    const protocol = o.protocol === 'mmrec' || r.dataset.startsWith('synth:') ? '' : ` --protocol ${o.protocol}`;
    out.push(`npx anchorflow run pipelines/lightgcn.yaml${data}${protocol}      # the baseline on the same data`);
  }
  if (r.dataset.startsWith('synth:')) {
    const file = o.file ? shown(resolve(o.file)) : `pipelines/${r.pipeline}.yaml`;
    const root = dataRootFlag();
    out.push(`npx anchorflow run ${file} --dataset tiktok${root}      # real image and audio features (TikTok)`);
    out.push(`npx anchorflow zoo --dataset tiktok${root} --seeds 5      # every model, 5 seeds, one table`);
  } else {
    out.push(`npx anchorflow zoo --dataset ${r.dataset} --seeds 5      # every model on this data, one table`);
  }
  return out;
}

/**
 * How the next commands name the data root: nothing when ANCHORFLOW_DATA_DIR is set, the project's shared
 * datasets when they sit beside the working directory, else a placeholder to fill in.
 */
function dataRootFlag(): string {
  if (flag('dataDir')) return '';
  return existsSync(resolve('../shared/datasets/tiktok'))
    ? ' --data-dir ../shared/datasets'
    : ' --data-dir <folder holding tiktok/>';
}

/** A run directory as the user would type it: relative to where they are when that is shorter. */
function shown(dir: string): string {
  const rel = relative(process.cwd(), dir);
  return rel && !rel.startsWith('..') && rel.length < dir.length ? rel : dir;
}
