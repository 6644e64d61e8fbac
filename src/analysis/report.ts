/**
 * `anchorflow analyze`: runs the embedding-space analyses over one or more run directories and writes
 * analysis.json (every number) and report.html (one self-contained page: inline SVG and CSS, no scripts, no
 * network references). Several runs appear side by side with a comparison table of the headline measures.
 */
import { join, resolve } from 'node:path';
import type { Dataset } from '../data/types.js';
import { writeFileAtomic } from '../util/atomic.js';
import { UserError } from '../util/errors.js';
import { analysisFeatures, generatedFeatures, loadRun, loadRunDataset, type LoadedRun } from './load.js';
import {
  MODALITIES,
  ORIGINAL_SPACES,
  PROJECTION_SPACES,
  SPACE_ORDER,
  buildItemUsers,
  collapseStats,
  dominanceStats,
  neighborhoodsOf,
  overlapMatrix,
  overlapOf,
  parseCurves,
  retrievalStats,
  sampleItems,
  tsneMap,
  type CollapseStats,
  type Curves,
  type DominanceStats,
  type OverlapResult,
  type RetrievalStats,
  type TsneMap,
} from './measures.js';
import type { Matrix } from './neighbors.js';
import {
  MODALITY_COLORS,
  PALETTE,
  esc,
  groupedBars,
  heatmap,
  lineChart,
  offDiagonalMax,
  scatter,
  type BarSeries,
  type LineSeries,
} from './svg.js';

export interface AnalyzeOptions {
  /** Output folder (default `<first run dir>/analysis`). */
  out?: string;
  /** Neighbourhood size K (default 10). */
  k?: number;
  /** Items sampled for neighbour retrieval and t-SNE (default 100). */
  sample?: number;
  /** Seed of the sampling and of t-SNE (default 0). */
  seed?: number;
  /** t-SNE iterations (default 1000). */
  tsneIterations?: number;
  /** Progress lines (the CLI prints them to stderr). */
  log?: (message: string) => void;
}

export const DEFAULT_K = 10;
export const DEFAULT_SAMPLE = 100;
/** t-SNE is exact (O(n^2)); at most this many items (x 4 spaces) go into one map. */
export const TSNE_MAX_ITEMS = 200;

export interface Headline {
  key: string;
  label: string;
  /** Which direction the paper reads as better, for the reader. */
  hint?: string;
}

/**
 * In the order of the report's sections: collapse and ID dominance (the paper's Figure 1), structure (Figure 4),
 * retrieval (Figure 5a).
 */
export const HEADLINES: Headline[] = [
  { key: 'test.recall@20', label: 'test recall@20' },
  { key: 'test.ndcg@20', label: 'test ndcg@20' },
  { key: 'collapse.original', label: 'collapse: mean cos among h_* of an item', hint: 'higher = more collapsed' },
  { key: 'collapse.projection', label: 'collapse: mean cos among p_* of an item' },
  {
    key: 'centroid.original',
    label: 'mean distance to item centroid, h_* (unit vectors)',
    hint: 'lower = more collapsed',
  },
  { key: 'dominance.id', label: 'overlap(item, h_id)' },
  { key: 'dominance.t', label: 'overlap(item, f_t)' },
  { key: 'dominance.v', label: 'overlap(item, f_v)' },
  { key: 'dominance.index', label: 'ID dominance index', hint: '0.5 balanced, 1 = ID only' },
  {
    key: 'structure.f_h',
    label: 'structure kept: mean overlap(f_m, h_m)',
    hint: 'higher = modality structure preserved',
  },
  {
    key: 'structure.f_p',
    label: 'mean overlap(f_m, p_m)',
    hint: 'low in AnchorRec: the projection deviates from raw structure',
  },
  { key: 'cross.h', label: 'cross-modal overlap, original (h_mm, h_t, h_v)', hint: 'lower = modality-specific' },
  {
    key: 'cross.p',
    label: 'cross-modal overlap, projection (p_mm, p_t, p_v)',
    hint: 'higher = aligned in the projection',
  },
  { key: 'retrieval.twoHop', label: 'top-3 neighbours: 2-hop proximity' },
  { key: 'retrieval.text', label: 'top-3 neighbours: text cos (f_t)' },
  { key: 'retrieval.vision', label: 'top-3 neighbours: vision cos (f_v)' },
];

export interface SpaceInfo {
  rows: number;
  cols: number;
  source: string;
}

export interface RunAnalysis {
  runDir: string;
  name: string;
  dataset: string;
  /** The seed whose embeddings were analysed, and its folder. */
  seed?: number;
  seedDir: string;
  nItems: number;
  spaces: Record<string, SpaceInfo>;
  /** What could not be analysed, and why. */
  skipped: string[];
  /** Modalities whose raw features f_m were generated, not real: the f_m spaces then say nothing about real content. */
  generatedFeatures: string[];
  metrics?: { valid?: Record<string, number>; test?: Record<string, number> };
  overlap?: OverlapResult;
  collapse: { original?: CollapseStats; projection?: CollapseStats };
  dominance?: DominanceStats;
  retrieval?: RetrievalStats;
  tsne: { original?: TsneMap; projection?: TsneMap };
  curves?: Curves;
  headline: Record<string, number | null>;
  seconds: Record<string, number>;
}

export interface AnalysisJson {
  version: 1;
  created: string;
  runDirs: string[];
  k: number;
  sample: number;
  seed: number;
  tsneItems: number;
  headlines: Headline[];
  runs: RunAnalysis[];
}

const mean = (xs: (number | undefined)[]): number | undefined => {
  const v = xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
  return v.length ? Math.round((v.reduce((a, b) => a + b, 0) / v.length) * 1e4) / 1e4 : undefined;
};

function pairs<T>(xs: T[]): [T, T][] {
  const out: [T, T][] = [];
  for (let a = 0; a < xs.length; a++) for (let b = a + 1; b < xs.length; b++) out.push([xs[a]!, xs[b]!]);
  return out;
}

function finite(m: Matrix): boolean {
  for (let i = 0; i < m.data.length; i++) if (!Number.isFinite(m.data[i]!)) return false;
  return true;
}

/** The item-side spaces of a run: raw features f_m from the dataset, and the saved outputs that are item spaces. */
function collectSpaces(
  run: LoadedRun,
  ds: Dataset,
  skipped: string[],
): { spaces: Record<string, Matrix>; info: Record<string, SpaceInfo> } {
  const spaces: Record<string, Matrix> = {};
  const info: Record<string, SpaceInfo> = {};
  const add = (name: string, m: Matrix, source: string) => {
    if (m.rows !== ds.nItems) {
      skipped.push(`${name}: ${m.rows} rows, but the dataset has ${ds.nItems} items`);
      return;
    }
    if (!finite(m)) {
      skipped.push(`${name}: contains NaN or infinite values`);
      return;
    }
    spaces[name] = m;
    info[name] = { rows: m.rows, cols: m.cols, source };
  };
  for (const m of MODALITIES) {
    const feat = ds.features[m];
    if (feat) add(`f_${m}`, { rows: feat.rows, cols: feat.cols, data: feat.data }, feat.source);
    else skipped.push(`f_${m}: the run declares no '${m}' feature`);
  }
  const itemOutputs = SPACE_ORDER.filter((s) => !s.startsWith('f_')) as string[];
  for (const o of itemOutputs) {
    const m = run.embeddings[o];
    if (m) add(o, m, `${run.seedDir === '.' ? '' : run.seedDir + '/'}embeddings/${o}.npy`);
    else skipped.push(`${o}: not among the run's outputs`);
  }
  const unused = Object.keys(run.embeddings).filter((o) => !itemOutputs.includes(o));
  if (unused.length) skipped.push(`outputs not analysed (not item spaces of the convention): ${unused.join(', ')}`);
  return { spaces, info };
}

function headlineOf(a: RunAnalysis): Record<string, number | null> {
  const o = a.overlap;
  const ov = (x: string, y: string) => (o ? overlapOf(o, x, y) : undefined);
  const v: Record<string, number | undefined> = {
    'test.recall@20': a.metrics?.test?.['recall@20'],
    'test.ndcg@20': a.metrics?.test?.['ndcg@20'],
    'structure.f_h': mean(MODALITIES.map((m) => ov(`f_${m}`, `h_${m}`))),
    'structure.f_p': mean(MODALITIES.map((m) => ov(`f_${m}`, `p_${m}`))),
    'cross.h': mean(pairs(MODALITIES.map((m) => `h_${m}`)).map(([x, y]) => ov(x, y))),
    'cross.p': mean(pairs(MODALITIES.map((m) => `p_${m}`)).map(([x, y]) => ov(x, y))),
    'collapse.original': a.collapse.original?.meanPairwiseCosine,
    'collapse.projection': a.collapse.projection?.meanPairwiseCosine,
    'centroid.original': a.collapse.original?.meanCentroidDistance,
    'dominance.id': a.dominance?.withId,
    'dominance.t': a.dominance?.withFeatures.t,
    'dominance.v': a.dominance?.withFeatures.v,
    'dominance.index': a.dominance?.index,
    'retrieval.twoHop': a.retrieval?.mean.twoHop,
    'retrieval.text': a.retrieval?.mean.text,
    'retrieval.vision': a.retrieval?.mean.vision,
  };
  const out: Record<string, number | null> = {};
  for (const h of HEADLINES) out[h.key] = v[h.key] ?? null;
  return out;
}

async function analyzeOne(
  run: LoadedRun,
  ds: Dataset,
  o: Required<Pick<AnalyzeOptions, 'k' | 'sample' | 'seed' | 'tsneIterations'>>,
  log: (m: string) => void,
): Promise<RunAnalysis> {
  const seconds: Record<string, number> = {};
  const timed = <T>(label: string, fn: () => T): T => {
    const t0 = performance.now();
    const r = fn();
    seconds[label] = Math.round(performance.now() - t0) / 1000;
    return r;
  };
  const skipped: string[] = [];
  const { spaces, info } = collectSpaces(run, ds, skipped);
  const a: RunAnalysis = {
    runDir: run.dir,
    name: run.name,
    dataset: ds.name,
    seedDir: run.seedDir,
    nItems: ds.nItems,
    spaces: info,
    skipped,
    generatedFeatures: generatedFeatures(run.info),
    collapse: {},
    tsne: {},
    headline: {},
    seconds,
  };
  if (run.seed !== undefined) a.seed = run.seed;
  if (run.metrics?.mean) a.metrics = run.metrics.mean;

  const names = Object.keys(spaces);
  if (names.length) {
    log(`${run.name}: top-${o.k} neighbourhoods of ${names.length} spaces over ${ds.nItems} items`);
    const nbrs = timed('neighbors', () => neighborhoodsOf(spaces, o.k));
    a.overlap = timed('overlap', () => overlapMatrix(nbrs));
    if (names.length < 2) skipped.push('overlap matrix: fewer than two spaces');
    a.dominance = dominanceStats(a.overlap);
    if (!a.dominance) skipped.push('ID dominance: no final item embedding (output `item`)');
    else if (a.dominance.withId === undefined) skipped.push('ID dominance index: no h_id output');
    const g = buildItemUsers(ds.train, ds.nItems);
    const sample = sampleItems(g, o.sample, o.seed);
    if (nbrs.item && nbrs.item.k >= 1) {
      a.retrieval = timed('retrieval', () =>
        retrievalStats(
          nbrs.item!,
          g,
          sample,
          { t: spaces.f_t, v: spaces.f_v },
          { top: 3, seed: o.seed, space: 'item' },
        ),
      );
      if (!spaces.f_t) skipped.push('retrieval: no text features, text similarity left out');
      if (!spaces.f_v) skipped.push('retrieval: no vision features, vision similarity left out');
    } else skipped.push('neighbour retrieval: no final item embedding (output `item`)');
    const tsneItems = sample.slice(0, TSNE_MAX_ITEMS);
    for (const [domain, list] of [
      ['original', ORIGINAL_SPACES],
      ['projection', PROJECTION_SPACES],
    ] as const) {
      const c = collapseStats(spaces, list);
      if (c) a.collapse[domain] = c;
      else skipped.push(`collapse (${domain}): fewer than two of ${list.join(', ')} with a common width`);
      const have = list.filter((s) => spaces[s]);
      if (have.length) {
        log(`${run.name}: t-SNE of ${tsneItems.length} items x ${have.length} ${domain} spaces`);
        const m = timed(`tsne_${domain}`, () =>
          tsneMap(spaces, list, tsneItems, domain, o.seed, { iterations: o.tsneIterations }),
        );
        if (m) a.tsne[domain] = m;
        const dropped = have.filter((s) => !m?.spaces.includes(s));
        if (dropped.length)
          skipped.push(`t-SNE (${domain}): ${dropped.join(', ')} left out (width differs from ${m?.spaces[0]})`);
      } else skipped.push(`t-SNE (${domain}): none of ${list.join(', ')}`);
    }
  } else skipped.push('no item space to analyse');
  if (run.eventsText !== undefined) a.curves = parseCurves(run.eventsText, run.seed);
  else skipped.push('training curves: no events.jsonl');
  a.headline = headlineOf(a);
  return a;
}

/** Analyses the runs and writes analysis.json and report.html to the output folder. */
export async function analyzeRuns(
  runDirs: string[],
  opts: AnalyzeOptions = {},
): Promise<{ json: AnalysisJson; html: string; outDir: string }> {
  if (!runDirs.length) throw new UserError('no run directory given');
  const k = opts.k ?? DEFAULT_K;
  const sample = opts.sample ?? DEFAULT_SAMPLE;
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(k) || k < 1) throw new UserError(`K must be a positive integer, got ${k}`, { file: '--k' });
  if (!Number.isInteger(sample) || sample < 1)
    throw new UserError(`the sample size must be a positive integer, got ${sample}`, { file: '--sample' });
  const log = opts.log ?? (() => {});
  // Read every run first, so that a bad directory fails before any long computation.
  const runs = runDirs.map((d) => loadRun(d));
  const datasets = new Map<string, Promise<Dataset>>();
  const analyses: RunAnalysis[] = [];
  for (const run of runs) {
    const key = JSON.stringify([
      run.info.dataset,
      run.info.dataDir,
      run.info.dataPath,
      analysisFeatures(run.info.features),
    ]);
    if (!datasets.has(key)) {
      log(`${run.name}: loading dataset ${run.info.dataset}`);
      datasets.set(key, loadRunDataset(run));
    }
    const ds = await datasets.get(key)!;
    analyses.push(await analyzeOne(run, ds, { k, sample, seed, tsneIterations: opts.tsneIterations ?? 1000 }, log));
  }
  const json: AnalysisJson = {
    version: 1,
    created: new Date().toISOString(),
    runDirs: runs.map((r) => r.dir),
    k,
    sample,
    seed,
    tsneItems: Math.min(sample, TSNE_MAX_ITEMS),
    headlines: HEADLINES,
    runs: analyses,
  };
  const html = renderHtml(json);
  const outDir = resolve(opts.out ?? join(runs[0]!.dir, 'analysis'));
  writeFileAtomic(join(outDir, 'analysis.json'), JSON.stringify(json, null, 1) + '\n');
  writeFileAtomic(join(outDir, 'report.html'), html);
  return { json, html, outDir };
}

/* ------------------------------------------------------------------------------------------------------ */
/* HTML                                                                                                   */
/* ------------------------------------------------------------------------------------------------------ */

const CSS = `
*{box-sizing:border-box}
body{font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#222;margin:0;padding:20px 28px;background:#fafafa}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:28px 0 8px;padding-bottom:4px;border-bottom:1px solid #ddd}
h3{font-size:14px;margin:0 0 6px;color:#333}
.meta{color:#666;font-size:12.5px}
.grid{display:grid;gap:14px}
.panel{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:10px 12px;min-width:0}
.panel svg.chart{width:100%;height:auto;display:block}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:8px}
table{border-collapse:collapse;font-size:12.5px;background:#fff}
th,td{border:1px solid #e0e0e0;padding:3px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}
th{background:#f3f3f3;font-weight:600}
td.best{font-weight:700;background:#eef5ff}
.hint{color:#888;font-weight:normal;font-size:11.5px}
.warn{color:#b00020}
.skip{color:#8a6d3b;font-size:12px;margin:4px 0 0;padding-left:18px}
.cap{color:#666;font-size:12px;margin:6px 0 0}
dl.defs dt{font-weight:600;margin-top:8px}
dl.defs dd{margin:2px 0 0 16px;color:#444}
svg .t{font-size:13px;font-weight:600;fill:#222}
svg .lab{font-size:11px;fill:#333}
svg .tick{font-size:9.5px;fill:#555}
svg .cell{font-size:10.5px}
`;

const fmt = (v: number | null | undefined, d = 3): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(d);

function modalityOf(space: string): string {
  return space === 'item' ? 'item' : (space.split('_')[1] ?? space);
}

function blockOf(space: string): string {
  if (space.startsWith('f_')) return 'f';
  if (/^[hp]_(mm|t|v)$/.test(space)) return space[0]!;
  return 'x';
}

/** One colour scale for the overlap heatmaps of all runs: 0 to the largest off-diagonal overlap of any run. */
export function sharedOverlapScale(runs: RunAnalysis[]): number {
  return Math.max(0, ...runs.map((a) => (a.overlap ? offDiagonalMax(a.overlap.matrix) : 0)));
}

function overlapPanel(a: RunAnalysis, vmax: number): string {
  if (!a.overlap || a.overlap.spaces.length < 1) return '<p class="cap">no spaces</p>';
  const s = a.overlap.spaces;
  const seps: number[] = [];
  for (let i = 1; i < s.length; i++) if (blockOf(s[i]!) !== blockOf(s[i - 1]!)) seps.push(i);
  return heatmap(s, a.overlap.matrix, { title: `Top-${a.overlap.k} neighbourhood overlap`, separators: seps, vmax });
}

function collapseTable(a: RunAnalysis): string {
  const rows: string[] = [];
  for (const [dom, c] of [
    ['original (h_*)', a.collapse.original],
    ['projection (p_*)', a.collapse.projection],
  ] as const) {
    if (!c) {
      rows.push(`<tr><td>${dom}</td><td colspan="3">skipped</td></tr>`);
      continue;
    }
    rows.push(
      `<tr><td>${dom}: ${esc(c.spaces.join(', '))}</td><td>${fmt(c.meanPairwiseCosine)}</td><td>${fmt(c.meanCentroidDistance)}</td><td>${fmt(c.meanCentroidDistanceRaw)}</td></tr>`,
    );
  }
  const pairRows = [a.collapse.original, a.collapse.projection]
    .filter((c): c is CollapseStats => !!c)
    .flatMap((c) =>
      Object.entries(c.pairs).map(([k, v]) => `<tr><td>cos(${esc(k.replace('|', ', '))})</td><td>${fmt(v)}</td></tr>`),
    );
  const d = a.dominance;
  const dom = d
    ? `<table><tr><th>overlap of item nbhds with</th><th>h_m</th><th>f_m</th></tr>
<tr><td>id (h_id)</td><td>${fmt(d.withId)}</td><td>–</td></tr>
${MODALITIES.map((m) => `<tr><td>${m}</td><td>${fmt(d.withOriginal[m])}</td><td>${fmt(d.withFeatures[m])}</td></tr>`).join('')}
<tr><th>ID dominance index</th><th colspan="2">${fmt(d.index)}</th></tr></table>`
    : '<p class="cap">ID dominance skipped (no item output)</p>';
  return `<table><tr><th>domain</th><th>mean pairwise cos<br><span class="hint">higher = collapsed</span></th><th>dist. to centroid<br><span class="hint">unit vectors</span></th><th>dist. (raw)</th></tr>${rows.join('')}</table>
<div class="pair" style="margin-top:8px"><div><table><tr><th>pair (mean over items)</th><th>cos</th></tr>${pairRows.join('')}</table></div><div>${dom}</div></div>`;
}

function retrievalPanel(a: RunAnalysis): string {
  const r = a.retrieval;
  if (!r) return '<p class="cap">skipped (no final item embedding)</p>';
  const groups = ['2-hop proximity', 'text cos (f_t)', 'vision cos (f_v)'];
  const series: BarSeries[] = [
    { name: `top-${r.top} neighbours (item)`, color: '#1f77b4', values: [r.mean.twoHop, r.mean.text, r.mean.vision] },
    { name: 'random pairs', color: '#777', values: [r.random.twoHop, r.random.text, r.random.vision], hollow: true },
  ];
  return (
    groupedBars(groups, series, { title: `Neighbour retrieval, ${r.targets} sampled targets` }) +
    `<p class="cap">mean shared users (item→user→item paths) per neighbour: ${fmt(r.mean.paths, 2)} (random: ${fmt(r.random.paths, 2)})</p>`
  );
}

function tsnePanel(a: RunAnalysis): string {
  const maps = [a.tsne.original, a.tsne.projection].filter((m): m is TsneMap => !!m);
  if (!maps.length) return '<p class="cap">skipped (no h_* or p_* outputs)</p>';
  const svgs = maps.map((m) => {
    const cats = m.spaces.map((s) => ({ name: s, color: MODALITY_COLORS[modalityOf(s)] ?? '#000' }));
    const pts = m.points.map(([x, y, ii, si]) => ({
      x,
      y,
      cat: si,
      group: ii,
      title: `item ${m.items[ii]} (${m.spaces[si]})`,
    }));
    return `<div>${scatter(pts, cats, { title: `${m.domain === 'original' ? 'Original space' : 'Projection domain'} (${m.items.length} items)`, linkGroups: 15 })}</div>`;
  });
  return `<div class="pair">${svgs.join('')}</div><p class="cap">Grey spokes join the modality embeddings of the first 15 sampled items to their centroid: short spokes = positional collapse.</p>`;
}

function curvesPanel(a: RunAnalysis): string {
  const c = a.curves;
  if (!c || (!c.losses.length && !c.evals.length)) return '<p class="cap">no training events</p>';
  const terms = [...new Set(c.losses.flatMap((l) => Object.keys(l.terms)))].sort((x, y) =>
    x === 'total' ? 1 : y === 'total' ? -1 : x.localeCompare(y),
  );
  const lossSeries: LineSeries[] = terms.map((t, i) => ({
    name: t,
    color: t === 'total' ? '#222' : PALETTE[i % PALETTE.length]!,
    dashed: t === 'total',
    points: c.losses.filter((l) => l.terms[t] !== undefined).map((l) => [l.epoch, l.terms[t]!] as [number, number]),
  }));
  const metricSeries: LineSeries[] = [];
  const colors: Record<string, string> = { 'recall@20': '#1f77b4', 'ndcg@20': '#d62728' };
  for (const m of ['recall@20', 'ndcg@20']) {
    for (const split of ['valid', 'test'] as const) {
      const pts = c.evals
        .filter((e) => e[split][m] !== undefined)
        .map((e) => [e.epoch, e[split][m]!] as [number, number]);
      if (pts.length)
        metricSeries.push({ name: `${split} ${m}`, color: colors[m]!, dashed: split === 'test', points: pts });
    }
  }
  // One chart above the other, each the panel's full width: side by side they were too small to read.
  return (
    lineChart(lossSeries, {
      title: 'Loss terms (weighted, mean over the epoch)',
      yLabel: 'loss',
      logY: true,
      width: 480,
    }) +
    lineChart(metricSeries, {
      title: 'Evaluation on the valid and test splits',
      yLabel: 'metric value',
      width: 480,
      marker: c.bestEpoch,
    })
  );
}

function headlineTable(json: AnalysisJson): string {
  const runs = json.runs;
  const head = `<tr><th>measure</th>${runs.map((r, i) => `<th>${esc(r.name)}<br><span class="hint">run ${i + 1}</span></th>`).join('')}</tr>`;
  const rows = json.headlines.map((h) => {
    const vals = runs.map((r) => r.headline[h.key] ?? null);
    return `<tr><td>${esc(h.label)}${h.hint ? ` <span class="hint">(${esc(h.hint)})</span>` : ''}</td>${vals.map((v) => `<td>${fmt(v)}</td>`).join('')}</tr>`;
  });
  return `<table>${head}${rows.join('')}</table>`;
}

function comparisonRetrieval(json: AnalysisJson): string {
  const runs = json.runs.filter((r) => r.retrieval);
  if (runs.length < 2) return '';
  const groups = ['2-hop proximity', 'text cos (f_t)', 'vision cos (f_v)'];
  const series: BarSeries[] = runs.map((r, i) => ({
    name: `${r.name} (run ${json.runs.indexOf(r) + 1})`,
    color: PALETTE[i % PALETTE.length]!,
    values: [r.retrieval!.mean.twoHop, r.retrieval!.mean.text, r.retrieval!.mean.vision],
  }));
  return `<div class="panel">${groupedBars(groups, series, { title: 'Top-3 neighbours of the final item embedding, all runs', width: 520 })}<p class="cap">As in the paper's Figure 5a.</p></div>`;
}

function section(title: string, runs: RunAnalysis[], body: (a: RunAnalysis) => string, caption = ''): string {
  const cols = `grid-template-columns:repeat(${runs.length},minmax(0,1fr))`;
  return `<section><h2>${esc(title)}</h2>${caption ? `<p class="cap">${caption}</p>` : ''}<div class="grid" style="${cols}">${runs
    .map((a, i) => `<div class="panel"><h3>${esc(a.name)} <span class="hint">run ${i + 1}</span></h3>${body(a)}</div>`)
    .join('')}</div></section>`;
}

const DEFINITIONS = `<dl class="defs">
<dt>Neighbourhood N<sub>S</sub>(i)</dt><dd>The K items with the highest cosine similarity to item i in space S, i itself excluded.</dd>
<dt>Overlap(A, B)</dt><dd>Mean over all items i of |N<sub>A</sub>(i) ∩ N<sub>B</sub>(i)| / K. 1 = identical neighbourhoods; about K/(n−1) for unrelated spaces.</dd>
<dt>Spaces</dt><dd>f_m: raw pretrained features (reloaded from the dataset); h_m: original-space item embeddings; p_m: projection-domain embeddings; m ∈ {mm, t, v, id}; item: the final fused item embedding.</dd>
<dt>Collapse</dt><dd>For each item, the cosine similarity of every pair of its modality embeddings (h_id, h_mm, h_t, h_v, or p_*), averaged over pairs, then over items: higher = more collapsed. Distance to centroid: mean over items and modalities of ‖e<sub>m</sub>/‖e<sub>m</sub>‖ − c‖ with c the mean of the item's unit-normalised modality embeddings (0 = collapsed); "raw" uses the unnormalised embeddings.</dd>
<dt>ID dominance index</dt><dd>overlap(item, h_id) / (overlap(item, h_id) + mean<sub>m∈{mm,t,v}</sub> overlap(item, f_m)): 0.5 = the final item neighbourhoods agree as much with the ID space as with the raw modality features; near 1 = ID-dominated.</dd>
<dt>2-hop proximity</dt><dd>For target i and neighbour j in the train graph: paths(i, j) = number of distinct item→user→item paths = number of users who interacted with both; normalised proximity = paths / √(deg(i)·deg(j)) with deg = distinct train users of the item (cosine of the binary interaction columns, in [0, 1]).</dd>
<dt>Neighbour retrieval</dt><dd>S items drawn uniformly (seeded) from those with train interactions; for each, its top-3 neighbours under the final item embedding; bars are means over targets × neighbours of 2-hop proximity and of the cosine similarity of the raw text (f_t) and vision (f_v) features. "random pairs": the same targets with uniformly drawn partners (chance level).</dd>
<dt>t-SNE</dt><dd>Exact t-SNE (perplexity 30, 1000 iterations, early exaggeration 12 for 250, seeded Gaussian initialisation) of the sampled items' unit-normalised modality embeddings, one map per domain.</dd>
</dl>`;

export function renderHtml(json: AnalysisJson): string {
  const runs = json.runs;
  const vmax = sharedOverlapScale(runs);
  const runList = runs
    .map(
      (r, i) =>
        `<li><b>run ${i + 1}: ${esc(r.name)}</b> — ${esc(r.runDir)} <span class="hint">(dataset ${esc(r.dataset)}, ${r.nItems} items, ${r.seed !== undefined ? `seed ${r.seed}` : 'seed ?'}, embeddings from ${esc(r.seedDir)})</span>` +
        (r.generatedFeatures.length
          ? `<br><b class="warn">warning: GENERATED features (not real content): ${r.generatedFeatures.map((m) => `f_${esc(m)}`).join(', ')}</b>`
          : '') +
        `</li>`,
    )
    .join('');
  const notes = runs
    .map((r, i) =>
      r.skipped.length
        ? `<div class="panel"><h3>${esc(r.name)} <span class="hint">run ${i + 1}</span></h3><ul class="skip">${r.skipped.map((s) => `<li>${esc(s)}</li>`).join('')}</ul></div>`
        : '',
    )
    .join('');
  const body = [
    `<h1>anchorflow analysis</h1>`,
    `<p class="meta">K = ${json.k} neighbours · S = ${json.sample} sampled items (t-SNE: ${json.tsneItems}) · seed ${json.seed} · ${esc(json.created)}</p>`,
    `<ul class="meta">${runList}</ul>`,
    `<section><h2>${runs.length > 1 ? 'Comparison of headline measures' : 'Headline measures'}</h2><div class="grid" style="grid-template-columns:${runs.length > 1 ? 'minmax(0,1.3fr) minmax(0,1fr)' : '1fr'}"><div>${headlineTable(json)}</div>${comparisonRetrieval(json)}</div></section>`,
    // The paper's order of argument: the problem its Figure 1 shows (positional collapse, ID dominance), then
    // structure preservation (Figure 4), then what the final embedding retrieves (Figure 5).
    section(
      "Positional collapse: t-SNE of each item's modality embeddings (the paper's Figure 1)",
      runs,
      tsnePanel,
      "The paper's Figure 1 shows, for AlignRec, the modality embeddings of an item drawn together (positional collapse) and the final item embedding pulled towards the ID signal (ID dominance); the next section measures both.",
    ),
    section(
      "Positional collapse and ID dominance, measured (the two challenges of the paper's Figure 1)",
      runs,
      collapseTable,
    ),
    section(
      "Neighbourhood overlap across embedding spaces (the paper's Figure 4)",
      runs,
      (a) => overlapPanel(a, vmax),
      `Blocks: raw features f, original-space h, projection-domain p; then h_id, p_id and the final item. ${runs.length > 1 ? `One colour scale for all runs: 0 to ${vmax.toFixed(2)}, the largest off-diagonal overlap of any run, so equal colours mean equal overlap` : `Colour: 0 to ${vmax.toFixed(2)}, the largest off-diagonal overlap`}; the diagonal (1) is drawn at full colour.`,
    ),
    section(
      "Neighbour retrieval under the final item embedding: 2-hop proximity, text and vision similarity (the paper's Figure 5a)",
      runs,
      retrievalPanel,
    ),
    section('Training curves', runs, curvesPanel),
    notes
      ? `<section><h2>Skipped</h2><div class="grid" style="grid-template-columns:repeat(${runs.length},minmax(0,1fr))">${notes}</div></section>`
      : '',
    `<section><h2>Definitions</h2>${DEFINITIONS}</section>`,
  ].join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>anchorflow analysis: ${esc(runs.map((r) => r.name).join(' vs '))}</title><style>${CSS}</style></head>
<body>
${body}
</body></html>
`;
}
