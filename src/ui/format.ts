/**
 * Formatting shared by the plain, JSON-free and Ink reporters: numbers, durations, metric keys and tables.
 * Pure string functions with no escape codes, so the plain reporter can use them as-is and Ink can colour
 * around them.
 */
import type { Metrics, ResultEvent, SeedEndEvent, SummaryEvent } from '../engine/events.js';

/** Metric names in the order a reader expects them; unknown names follow alphabetically. */
const METRIC_ORDER = ['recall', 'ndcg', 'precision', 'map', 'hit', 'mrr'];

export interface MetricKey {
  key: string;
  name: string;
  /** The cut-off, when the key has the `name@K` form. */
  k?: number;
}

export function parseMetricKey(key: string): MetricKey {
  const at = key.lastIndexOf('@');
  if (at > 0) {
    const k = Number(key.slice(at + 1));
    if (Number.isInteger(k) && k > 0) return { key, name: key.slice(0, at), k };
  }
  return { key, name: key };
}

function nameRank(name: string): number {
  const i = METRIC_ORDER.indexOf(name.toLowerCase());
  return i < 0 ? METRIC_ORDER.length : i;
}

/** Sorts metric keys by metric name (recall, ndcg, precision, map, then others) and then by K. */
export function sortMetricKeys(keys: Iterable<string>): string[] {
  return [...new Set(keys)]
    .map(parseMetricKey)
    .sort((a, b) => nameRank(a.name) - nameRank(b.name) || a.name.localeCompare(b.name) || (a.k ?? 0) - (b.k ?? 0))
    .map((m) => m.key);
}

/** The metric names and K values present in any of the given metric records, each in display order. */
export function metricGrid(...records: (Metrics | undefined)[]): { names: string[]; ks: number[]; plain: string[] } {
  const keys = sortMetricKeys(records.flatMap((r) => (r ? Object.keys(r) : [])));
  const names: string[] = [];
  const ks = new Set<number>();
  const plain: string[] = [];
  for (const key of keys) {
    const m = parseMetricKey(key);
    if (m.k === undefined) {
      plain.push(key);
      continue;
    }
    if (!names.includes(m.name)) names.push(m.name);
    ks.add(m.k);
  }
  return { names, ks: [...ks].sort((a, b) => a - b), plain };
}

/**
 * The metric a one-number summary should show: recall@20 when present (the early-stopping metric of the
 * reference setups), else the first recall, else the first key in display order.
 */
export function headlineMetric(metrics: Metrics | undefined): string | undefined {
  if (!metrics) return undefined;
  const keys = sortMetricKeys(Object.keys(metrics));
  if (keys.includes('recall@20')) return 'recall@20';
  return keys[0];
}

/** The two metrics a one-line eval report shows: recall@20 and ndcg@20 where present, else the first two. */
export function lineMetrics(metrics: Metrics | undefined): string[] {
  if (!metrics) return [];
  const keys = sortMetricKeys(Object.keys(metrics));
  const wanted = ['recall@20', 'ndcg@20'].filter((k) => keys.includes(k));
  return wanted.length ? wanted : keys.slice(0, 2);
}

/** A fixed-precision number; non-finite values and missing ones are spelled out rather than hidden. */
export function fmtNum(x: number | undefined | null, digits = 4): string {
  if (x === undefined || x === null) return '-';
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  // Tiny loss terms (weighted regularisers) would all read 0.0000 at fixed precision.
  if (x !== 0 && Math.abs(x) < 10 ** -digits) return x.toExponential(1);
  return x.toFixed(digits);
}

export function fmtMeanStd(mean: number | undefined, std: number | undefined, digits = 4): string {
  if (mean === undefined) return '-';
  if (std === undefined) return fmtNum(mean, digits);
  // A std is read against its mean, so it keeps the mean's fixed precision even when tiny.
  const s = Number.isFinite(std) ? std.toFixed(digits) : fmtNum(std, digits);
  return `${fmtNum(mean, digits)} ± ${s}`;
}

/** A duration in seconds as a short human string: 850ms, 12.3s, 4m05s, 1h02m. */
export function fmtDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '-';
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** A learning rate as people write it: 1e-3, 5e-4, 0.05. */
export function fmtLr(lr: number): string {
  if (!Number.isFinite(lr) || lr === 0) return String(lr);
  const r = Number(lr.toPrecision(3));
  return Math.abs(r) < 0.01 ? r.toExponential() : String(r);
}

/** A count with a k/M suffix: 1234 -> 1.2k. */
export function fmtCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

/** Loss term names in display order: the terms as the engine lists them, then `total` last. */
export function lossKeys(...records: (Record<string, number> | undefined)[]): string[] {
  const keys: string[] = [];
  for (const r of records) for (const k of Object.keys(r ?? {})) if (k !== 'total' && !keys.includes(k)) keys.push(k);
  if (records.some((r) => r && 'total' in r)) keys.push('total');
  return keys;
}

/** `total 0.6931  bpr 0.6800  aal 0.0100` with total first, for one-line reports. */
export function fmtLosses(losses: Record<string, number>): string {
  const keys = lossKeys(losses);
  const ordered = keys.includes('total') ? ['total', ...keys.filter((k) => k !== 'total')] : keys;
  return ordered.map((k) => `${k} ${fmtNum(losses[k])}`).join('  ');
}

/** `recall@20 0.0812 ndcg@20 0.0401` for the given keys (missing ones print `-`). */
export function fmtMetrics(metrics: Metrics | undefined, keys: string[]): string {
  return keys.map((k) => `${k} ${fmtNum(metrics?.[k])}`).join(' ');
}

/** Pads cells into aligned columns; `right` marks the columns to right-align (numbers). */
export function renderTable(rows: string[][], right: boolean[] = [], gap = 2): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((row) =>
    row
      .map((c, i) => (right[i] ? c.padStart(widths[i]!) : i === row.length - 1 ? c : c.padEnd(widths[i]!)))
      .join(' '.repeat(gap))
      .trimEnd(),
  );
}

/** A bar of `width` cells filled to `fraction` (clamped to [0, 1]), with eighth-cell resolution. */
export function progressBar(fraction: number, width: number, ascii = false): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  if (ascii) {
    const n = Math.round(f * width);
    return '#'.repeat(n) + '-'.repeat(width - n);
  }
  const eighths = Math.round(f * width * 8);
  const full = Math.floor(eighths / 8);
  const part = eighths % 8;
  const partial = part ? ' ▏▎▍▌▋▊▉'[part]! : '';
  return '█'.repeat(full) + partial + '░'.repeat(Math.max(0, width - full - (part ? 1 : 0)));
}

/** A sparkline of the last `width` values, scaled between their min and max. */
export function sparkline(values: number[], width = 30): string {
  const v = values.slice(-width).filter((x) => Number.isFinite(x));
  if (!v.length) return '';
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  const ticks = '▁▂▃▄▅▆▇█';
  return v.map((x) => ticks[hi === lo ? 3 : Math.round(((x - lo) / (hi - lo)) * 7)]).join('');
}

/**
 * The mean ± std table of a result: one row per metric present (valid and test columns), in display order.
 */
export function resultTable(result: Pick<ResultEvent, 'mean' | 'std'>): string[] {
  const keys = sortMetricKeys([...Object.keys(result.mean.valid), ...Object.keys(result.mean.test)]);
  const rows = [['metric', 'valid', 'test']];
  for (const k of keys) {
    rows.push([
      k,
      fmtMeanStd(result.mean.valid[k], result.std.valid[k]),
      fmtMeanStd(result.mean.test[k], result.std.test[k]),
    ]);
  }
  return renderTable(rows, [false, true, true], 3);
}

/** `best epochs 17, 21, 19 (ran 37, 41, 39 epochs)` for the per-seed results; `+` marks a run that hit max epochs. */
export function fmtBestEpochs(perSeed: SeedEndEvent[]): string {
  if (!perSeed.length) return 'best epochs -';
  const best = perSeed.map((s) => s.bestEpoch).join(', ');
  const ran = perSeed.map((s) => `${s.epochs}${s.stoppedEarly ? '' : '+'}`).join(', ');
  const note = perSeed.some((s) => !s.stoppedEarly) ? '; + = reached max epochs' : '';
  return `best epoch${perSeed.length > 1 ? 's' : ''} ${best} (ran ${ran} epochs${note})`;
}

/** Seed position as people count it: the engine's seedIndex is 0-based. */
export function fmtSeed(seed: number, seedIndex: number, seeds: number): string {
  return `seed ${seed} (${seedIndex + 1}/${seeds})`;
}

/**
 * A run's closing lines (the `summary` event): the outcome beside LightGCN's when known, notes, next commands.
 * The first line is the outcome; lines starting with two spaces are commands to copy.
 */
export function summaryLines(e: SummaryEvent): string[] {
  const f = (m: Metrics) => `test Recall@20 ${fmt4(m['recall@20'])}, NDCG@20 ${fmt4(m['ndcg@20'])}`;
  const over = e.seeds > 1 ? ` (mean of ${e.seeds} seeds)` : '';
  const best = [...new Set(e.bestEpochs)].join(', ');
  const lines = [
    `${e.pipeline} on ${e.dataset}, ${e.protocol} protocol: best epoch ${best} of ${Math.max(...e.epochs)} · ${f(e.test)}${over}`,
  ];
  if (e.baseline) {
    const b = e.baseline;
    lines.push(
      `${b.model} on the same data: ${f(b.test)}${b.seeds > 1 ? ` (mean of ${b.seeds} seeds)` : ''}, from ${b.source}`,
    );
  }
  for (const n of e.notes) lines.push(n);
  if (e.runDir) lines.push(`run directory: ${e.runDir}`);
  if (e.next.length) {
    lines.push('next:');
    for (const c of e.next) lines.push('  ' + c);
  }
  return lines;
}

function fmt4(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(4);
}
