/**
 * The sweep's results: per configuration, mean ± std over seeds of every valid and test metric; the best
 * configuration chosen on the valid metric only (test is reported, never used to choose); tables as Markdown,
 * CSV and JSON, and one SVG per swept setting (metric vs that setting).
 */
import type { Metrics } from '../../engine/events.js';
import { meanStd } from '../stats.js';
import type { SweepPlan } from './plan.js';
import { shortKey } from './spec.js';
import type { PointRecord, SweepStore } from './store.js';

export interface ConfigResult {
  rank?: number;
  label: string;
  values: Record<string, unknown>;
  overrides: string[];
  seeds: number[];
  missingSeeds: number[];
  valid: { mean: Metrics; std: Metrics };
  test: { mean: Metrics; std: Metrics };
  perSeed: { seed: number; id: string; bestEpoch: number; valid: Metrics; test: Metrics }[];
}

export interface SweepResults {
  pipeline: string;
  dataset: string;
  sweep: string;
  metric: string;
  selection: string;
  points: { total: number; done: number };
  best?: ConfigResult;
  configurations: ConfigResult[];
}

export function aggregate(plan: SweepPlan, records: Map<string, PointRecord>): SweepResults {
  const metric = plan.spec.metric;
  const configs: ConfigResult[] = plan.configs.map((c) => {
    const pts = plan.points.filter((p) => p.config.key === c.key);
    const done = pts
      .map((p) => [p, records.get(p.id)] as const)
      .filter((x): x is [(typeof x)[0], PointRecord] => x[1] !== undefined);
    return {
      label: c.label,
      values: c.values,
      overrides: c.overrides,
      seeds: done.map(([p]) => p.seed),
      missingSeeds: pts.filter((p) => !records.has(p.id)).map((p) => p.seed),
      valid: meanStd(done.map(([, r]) => r.valid)),
      test: meanStd(done.map(([, r]) => r.test)),
      perSeed: done.map(([p, r]) => ({ seed: p.seed, id: p.id, bestEpoch: r.bestEpoch, valid: r.valid, test: r.test })),
    };
  });
  // Rank on valid only. Configurations with missing seeds are ranked too but cannot be "best": a mean over
  // fewer seeds is not comparable.
  const ranked = configs
    .filter((c) => c.seeds.length && c.valid.mean[metric] !== undefined)
    .sort((a, b) => b.valid.mean[metric]! - a.valid.mean[metric]!);
  ranked.forEach((c, i) => (c.rank = i + 1));
  const best = ranked.find((c) => c.missingSeeds.length === 0);
  const total = plan.points.length;
  return {
    pipeline: plan.name,
    dataset: plan.dataset,
    sweep: plan.hash,
    metric,
    selection: `best configuration by mean valid ${metric} over seeds; test metrics are reported for it, never used to choose`,
    points: { total, done: plan.points.filter((p) => records.has(p.id)).length },
    best,
    configurations: [...ranked, ...configs.filter((c) => c.rank === undefined)],
  };
}

const f4 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(4));
const pm = (m: { mean: Metrics; std: Metrics }, k: string) =>
  m.mean[k] === undefined ? '-' : `${f4(m.mean[k])} ± ${f4(m.std[k])}`;
const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

function markdown(r: SweepResults, axes: string[]): string {
  const m = r.metric;
  const ndcg = m.replace(/^[a-z_]+/, 'ndcg');
  const head = ['rank', ...axes.map(shortKey), 'seeds', `valid ${m}`, `valid ${ndcg}`, `test ${m}`, `test ${ndcg}`];
  const rows = r.configurations.map((c) => [
    c.rank === undefined ? '-' : c === r.best ? `**${c.rank}**` : String(c.rank),
    ...axes.map((a) => show(c.values[a])),
    c.missingSeeds.length ? `${c.seeds.length}/${c.seeds.length + c.missingSeeds.length}` : String(c.seeds.length),
    pm(c.valid, m),
    pm(c.valid, ndcg),
    pm(c.test, m),
    pm(c.test, ndcg),
  ]);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const out = [
    `# Sweep of ${r.pipeline} on ${r.dataset}`,
    '',
    `Sweep ${r.sweep}: ${r.points.done}/${r.points.total} points. Mean ± sample std over seeds, each seed at its best valid epoch.`,
    `Selection: ${r.selection}.`,
    '',
    r.best
      ? `Best: **${r.best.label}**, valid ${m} ${pm(r.best.valid, m)}, test ${m} ${pm(r.best.test, m)}.`
      : 'Best: none yet (no configuration has all its seeds).',
    '',
    line(head),
    line(head.map((_, i) => (i === 0 || i > axes.length ? '---:' : '---'))),
    ...rows.map(line),
    '',
  ];
  return out.join('\n');
}

function csvCell(v: unknown): string {
  const s = v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csv(r: SweepResults, axes: string[]): string {
  const keys = [...new Set(r.configurations.flatMap((c) => Object.keys(c.valid.mean)))];
  const head = ['rank', 'best', ...axes, 'seeds', 'missing_seeds'];
  for (const split of ['valid', 'test']) for (const k of keys) head.push(`${split}_${k}_mean`, `${split}_${k}_std`);
  const rows = r.configurations.map((c) => {
    const row: unknown[] = [
      c.rank ?? '',
      c === r.best ? 1 : 0,
      ...axes.map((a) => c.values[a]),
      c.seeds.join(' '),
      c.missingSeeds.join(' '),
    ];
    for (const split of ['valid', 'test'] as const)
      for (const k of keys) row.push(c[split].mean[k] ?? '', c[split].std[k] ?? '');
    return row.map(csvCell).join(',');
  });
  return [head.map(csvCell).join(','), ...rows].join('\n') + '\n';
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Metric vs one swept setting: every configuration's mean ± std (valid filled, test hollow) at its value of
 * the setting, and a line through the best valid mean at each value. Values are evenly spaced categories.
 */
export function plotSvg(r: SweepResults, axis: string): string {
  const m = r.metric;
  const cs = r.configurations.filter((c) => c.seeds.length && c.valid.mean[m] !== undefined);
  const vals = [...new Map(cs.map((c) => [show(c.values[axis]), c.values[axis]])).entries()].sort(([, a], [, b]) =>
    typeof a === 'number' && typeof b === 'number' ? a - b : show(a).localeCompare(show(b)),
  );
  const W = 560,
    H = 340,
    L = 70,
    R = 130,
    T = 36,
    B = 50;
  const ys = cs
    .flatMap((c) => [c.valid, c.test].flatMap((s) => [s.mean[m]! - (s.std[m] ?? 0), s.mean[m]! + (s.std[m] ?? 0)]))
    .filter(Number.isFinite);
  let lo = ys.length ? Math.min(...ys) : 0,
    hi = ys.length ? Math.max(...ys) : 1;
  if (hi - lo < 1e-9) {
    lo -= 0.01;
    hi += 0.01;
  }
  const pad = (hi - lo) * 0.08;
  lo -= pad;
  hi += pad;
  const x = (i: number) => L + ((i + 0.5) / Math.max(1, vals.length)) * (W - L - R);
  const y = (v: number) => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);
  const xi = new Map(vals.map(([k], i) => [k, i]));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${L}" y="20" font-size="14">${esc(`${r.pipeline}: ${m} vs ${shortKey(axis)} (mean ± std over seeds)`)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#444"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#444"/>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4;
    out.push(`<line x1="${L - 4}" y1="${y(v).toFixed(1)}" x2="${W - R}" y2="${y(v).toFixed(1)}" stroke="#eee"/>`);
    out.push(`<text x="${L - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v.toFixed(4)}</text>`);
  }
  vals.forEach(([k], i) =>
    out.push(`<text x="${x(i).toFixed(1)}" y="${H - B + 18}" text-anchor="middle">${esc(k)}</text>`),
  );
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 10}" text-anchor="middle">${esc(shortKey(axis))}</text>`);
  const series = [
    { split: 'valid' as const, colour: '#1f77b4', dx: -5, fill: '#1f77b4' },
    { split: 'test' as const, colour: '#ff7f0e', dx: 5, fill: 'white' },
  ];
  for (const s of series) {
    const bestAt = new Map<string, number>();
    for (const c of cs) {
      const k = show(c.values[axis]);
      const cx = x(xi.get(k)!) + s.dx;
      const mean = c[s.split].mean[m]!;
      const sd = c[s.split].std[m] ?? 0;
      out.push(
        `<line x1="${cx.toFixed(1)}" y1="${y(mean - sd).toFixed(1)}" x2="${cx.toFixed(1)}" y2="${y(mean + sd).toFixed(1)}" stroke="${s.colour}"/>`,
      );
      out.push(
        `<circle cx="${cx.toFixed(1)}" cy="${y(mean).toFixed(1)}" r="3.5" fill="${s.fill}" stroke="${s.colour}"><title>${esc(`${c.label}: ${s.split} ${mean.toFixed(4)} ± ${sd.toFixed(4)}`)}</title></circle>`,
      );
      // The line follows the configuration chosen on valid at each value, for test as well.
      const prev = bestAt.get(k);
      const prevC = prev === undefined ? undefined : cs[prev];
      if (!prevC || c.valid.mean[m]! > prevC.valid.mean[m]!) bestAt.set(k, cs.indexOf(c));
    }
    const pts = vals
      .map(([k], i) =>
        bestAt.has(k) ? `${(x(i) + s.dx).toFixed(1)},${y(cs[bestAt.get(k)!]![s.split].mean[m]!).toFixed(1)}` : '',
      )
      .filter(Boolean);
    if (pts.length > 1)
      out.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${s.colour}" stroke-width="1.5"/>`);
  }
  series.forEach((s, i) => {
    const ly = T + 10 + i * 20;
    out.push(`<circle cx="${W - R + 16}" cy="${ly}" r="4" fill="${s.fill}" stroke="${s.colour}"/>`);
    out.push(`<text x="${W - R + 26}" y="${ly + 4}">${s.split} ${esc(m)}</text>`);
  });
  out.push(`<text x="${W - R + 10}" y="${T + 60}" font-size="10" fill="#555">line: best on valid</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Writes results.md, results.csv, results.json and plot-<setting>.svg; returns the paths written. */
export function writeResults(plan: SweepPlan, store: SweepStore, r: SweepResults): string[] {
  const axes = plan.spec.axes.map((a) => a.key);
  const files = [
    store.writeText('results.md', markdown(r, axes)),
    store.writeText('results.csv', csv(r, axes)),
    store.writeText('results.json', JSON.stringify(r, null, 2) + '\n'),
  ];
  for (const a of axes)
    files.push(store.writeText(`plot-${shortKey(a).replace(/[^A-Za-z0-9_.-]/g, '_')}.svg`, plotSvg(r, a)));
  return files;
}
