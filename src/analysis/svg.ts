/**
 * Small, dependency-free SVG chart helpers for the report: heatmap with numbers, grouped bars, scatter with
 * legend, line chart. Each returns a self-contained <svg> string that scales to its container (viewBox).
 */

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const f = (x: number, d = 1): string => (Number.isFinite(x) ? String(Math.round(x * 10 ** d) / 10 ** d) : '0');

function svgOpen(w: number, h: number, label: string): string {
  return `<svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${esc(label)}" class="chart" style="max-width:${Math.round(w * 1.3)}px">`;
}

/** Round tick values (1, 2, 5 x 10^k steps) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step)
    out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return out;
}

/** Colours per modality (used for the t-SNE points and per-space accents). */
export const MODALITY_COLORS: Record<string, string> = {
  id: '#4d4d4d',
  mm: '#8e44ad',
  t: '#e67e22',
  v: '#16a085',
  item: '#c0392b',
};

/** A categorical palette for series (runs, loss terms). */
export const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#9467bd',
  '#ff7f0e',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
  '#bcbd22',
];

/** White -> dark blue for v in [0, 1]. */
export function blues(v: number): string {
  const t = Math.max(0, Math.min(1, v));
  const lo = [247, 251, 255];
  const hi = [8, 48, 107];
  const c = lo.map((l, i) => Math.round(l + (hi[i]! - l) * Math.pow(t, 0.75)));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** The largest off-diagonal value of a square matrix, at least 0.05 (so that tiny overlaps are not all dark). */
export function offDiagonalMax(m: number[][]): number {
  let max = 0.05;
  for (let i = 0; i < m.length; i++)
    for (let j = 0; j < m.length; j++) if (i !== j && Number.isFinite(m[i]![j]!)) max = Math.max(max, m[i]![j]!);
  return max;
}

/**
 * A square heatmap with the value printed in every cell. `separators` draws lines before the given
 * row/column indices (e.g. between the f / h / p blocks). The colour scale runs from 0 to `vmax` (default:
 * this matrix's off-diagonal maximum, see offDiagonalMax); heatmaps that are to be compared must be given
 * the same `vmax`, or equal colours would mean different values. The diagonal (1) is drawn at full colour.
 */
export function heatmap(
  labels: string[],
  m: number[][],
  opts: { title: string; separators?: number[]; vmax?: number },
): string {
  const n = labels.length;
  const cell = n > 10 ? 40 : 48;
  const left = 56;
  const top = 30;
  const w = left + n * cell + 70;
  const h = top + n * cell + 44;
  const vmax = opts.vmax ?? offDiagonalMax(m);
  const parts: string[] = [svgOpen(w, h, opts.title)];
  parts.push(`<text x="${left}" y="16" class="t">${esc(opts.title)}</text>`);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = m[i]![j]!;
      const t = i === j ? 1 : v / vmax;
      const x = left + j * cell;
      const y = top + i * cell;
      parts.push(
        `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${blues(t)}" stroke="#fff" stroke-width="1"><title>${esc(labels[i]!)} × ${esc(labels[j]!)}: ${v.toFixed(4)}</title></rect>`,
      );
      const txt = v >= 0.995 ? '1' : v.toFixed(2).replace(/^0/, '');
      parts.push(
        `<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" class="cell" fill="${t > 0.55 ? '#fff' : '#222'}">${txt}</text>`,
      );
    }
    parts.push(
      `<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end" class="lab">${esc(labels[i]!)}</text>`,
    );
    const cx = left + i * cell + cell / 2;
    const cy = top + n * cell + 8;
    parts.push(
      `<text x="${cx}" y="${cy}" text-anchor="end" class="lab" transform="rotate(-45 ${cx} ${cy})">${esc(labels[i]!)}</text>`,
    );
  }
  for (const s of opts.separators ?? []) {
    if (s <= 0 || s >= n) continue;
    const p = s * cell;
    parts.push(
      `<line x1="${left + p}" y1="${top}" x2="${left + p}" y2="${top + n * cell}" stroke="#333" stroke-width="1.5"/>`,
    );
    parts.push(
      `<line x1="${left}" y1="${top + p}" x2="${left + n * cell}" y2="${top + p}" stroke="#333" stroke-width="1.5"/>`,
    );
  }
  // Colour bar, labelled at 0, the middle and vmax; its range is data-* too, for whoever compares heatmaps.
  const bx = left + n * cell + 16;
  const bh = n * cell;
  parts.push(`<g class="colour-scale" data-vmin="0" data-vmax="${vmax.toFixed(4)}">`);
  for (let k = 0; k < 20; k++) {
    parts.push(
      `<rect x="${bx}" y="${top + bh - ((k + 1) * bh) / 20}" width="12" height="${bh / 20 + 0.5}" fill="${blues((k + 0.5) / 20)}"/>`,
    );
  }
  parts.push(`<text x="${bx + 16}" y="${top + 8}" class="lab">${vmax.toFixed(2)}</text>`);
  parts.push(`<text x="${bx + 16}" y="${top + bh / 2 + 4}" class="lab">${(vmax / 2).toFixed(2)}</text>`);
  parts.push(`<text x="${bx + 16}" y="${top + bh}" class="lab">0</text>`);
  parts.push('</g></svg>');
  return parts.join('');
}

export interface BarSeries {
  name: string;
  color: string;
  /** One value per group (undefined: no bar). */
  values: (number | undefined)[];
  /** Draw as a dashed outline (e.g. a chance level) instead of a filled bar. */
  hollow?: boolean;
}

/** Grouped vertical bars, each with its value on top. */
export function groupedBars(
  groups: string[],
  series: BarSeries[],
  opts: { title: string; yMax?: number; width?: number },
): string {
  const w = opts.width ?? 460;
  const h = 250;
  const left = 40;
  const right = 10;
  const top = 46;
  const bottom = 30;
  const ph = h - top - bottom;
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== undefined && Number.isFinite(v)));
  const yMax = opts.yMax ?? Math.max(1e-9, ...all.map((v) => Math.abs(v))) * 1.15;
  const yMin = Math.min(0, ...all);
  const span = yMax - yMin || 1;
  const yOf = (v: number) => top + ph - ((v - yMin) / span) * ph;
  const gw = (w - left - right) / Math.max(1, groups.length);
  const bw = Math.min(40, (gw * 0.8) / Math.max(1, series.length));
  const parts: string[] = [svgOpen(w, h, opts.title)];
  parts.push(`<text x="${left}" y="16" class="t">${esc(opts.title)}</text>`);
  // Legend.
  let lx = left;
  for (const s of series) {
    parts.push(
      s.hollow
        ? `<rect x="${lx}" y="26" width="10" height="10" fill="none" stroke="${s.color}" stroke-dasharray="3 2"/>`
        : `<rect x="${lx}" y="26" width="10" height="10" fill="${s.color}"/>`,
    );
    parts.push(`<text x="${lx + 14}" y="35" class="lab">${esc(s.name)}</text>`);
    lx += 22 + s.name.length * 6.2;
  }
  parts.push(`<line x1="${left}" y1="${yOf(0)}" x2="${w - right}" y2="${yOf(0)}" stroke="#888"/>`);
  for (const v of niceTicks(yMin, yMax, 4)) {
    if (v === 0) continue;
    parts.push(`<line x1="${left}" y1="${yOf(v)}" x2="${w - right}" y2="${yOf(v)}" stroke="#eee"/>`);
    parts.push(`<text x="${left - 4}" y="${yOf(v) + 3}" text-anchor="end" class="tick">${f(v, 3)}</text>`);
  }
  groups.forEach((g, gi) => {
    const gx = left + gi * gw + (gw - bw * series.length) / 2;
    series.forEach((s, si) => {
      const v = s.values[gi];
      if (v === undefined || !Number.isFinite(v)) return;
      const x = gx + si * bw;
      const y0 = yOf(Math.max(0, v));
      const hh = Math.abs(yOf(v) - yOf(0));
      parts.push(
        s.hollow
          ? `<rect x="${x + 2}" y="${y0}" width="${bw - 4}" height="${Math.max(0.5, hh)}" fill="none" stroke="${s.color}" stroke-dasharray="3 2"><title>${esc(s.name)}: ${v.toFixed(4)}</title></rect>`
          : `<rect x="${x + 2}" y="${y0}" width="${bw - 4}" height="${Math.max(0.5, hh)}" fill="${s.color}"><title>${esc(s.name)}: ${v.toFixed(4)}</title></rect>`,
      );
      parts.push(
        `<text x="${x + bw / 2}" y="${y0 - 3}" text-anchor="middle" class="tick">${v.toFixed(v < 10 ? 3 : 1)}</text>`,
      );
    });
    parts.push(`<text x="${left + gi * gw + gw / 2}" y="${h - 10}" text-anchor="middle" class="lab">${esc(g)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

export interface ScatterPoint {
  x: number;
  y: number;
  /** Index into the categories. */
  cat: number;
  /** Optional group (e.g. the item) used to draw faint links between a group's points. */
  group?: number;
  title?: string;
}

/**
 * A scatter plot with one colour per category and a legend; optionally links the points of the first `linkGroups`
 * groups.
 */
export function scatter(
  points: ScatterPoint[],
  cats: { name: string; color: string }[],
  opts: { title: string; linkGroups?: number; size?: number },
): string {
  const size = opts.size ?? 340;
  const top = 40;
  const pad = 10;
  const w = size;
  const h = size + top;
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const x0 = Math.min(...xs, 0);
  const x1 = Math.max(...xs, 0);
  const y0 = Math.min(...ys, 0);
  const y1 = Math.max(...ys, 0);
  const span = Math.max(x1 - x0, y1 - y0, 1e-9);
  const sx = (x: number) => pad + ((x - (x0 + x1) / 2) / span) * (size - 2 * pad) + (size - 2 * pad) / 2;
  const sy = (y: number) => top + pad + (((y1 + y0) / 2 - y) / span) * (size - 2 * pad) + (size - 2 * pad) / 2;
  const parts: string[] = [svgOpen(w, h, opts.title)];
  parts.push(`<text x="4" y="14" class="t">${esc(opts.title)}</text>`);
  let lx = 4;
  for (const c of cats) {
    parts.push(
      `<circle cx="${lx + 5}" cy="28" r="4.5" fill="${c.color}"/><text x="${lx + 13}" y="32" class="lab">${esc(c.name)}</text>`,
    );
    lx += 22 + c.name.length * 6.5;
  }
  parts.push(`<rect x="0.5" y="${top - 0.5}" width="${w - 1}" height="${size}" fill="none" stroke="#ddd"/>`);
  const links = opts.linkGroups ?? 0;
  if (links > 0) {
    const byGroup = new Map<number, ScatterPoint[]>();
    for (const p of points)
      if (p.group !== undefined && p.group < links) byGroup.set(p.group, [...(byGroup.get(p.group) ?? []), p]);
    for (const ps of byGroup.values()) {
      const cx = ps.reduce((a, p) => a + p.x, 0) / ps.length;
      const cy = ps.reduce((a, p) => a + p.y, 0) / ps.length;
      for (const p of ps)
        parts.push(
          `<line x1="${f(sx(cx))}" y1="${f(sy(cy))}" x2="${f(sx(p.x))}" y2="${f(sy(p.y))}" stroke="#999" stroke-opacity="0.45" stroke-width="0.7"/>`,
        );
    }
  }
  // Earlier categories are drawn first and larger, so coincident points (collapse) show as concentric rings.
  for (const p of [...points].sort((a, b) => a.cat - b.cat)) {
    const c = cats[p.cat]?.color ?? '#000';
    const r = 1.8 + (cats.length - 1 - p.cat) * 0.9;
    parts.push(
      `<circle cx="${f(sx(p.x))}" cy="${f(sy(p.y))}" r="${f(r)}" fill="${c}" fill-opacity="0.8" stroke="#fff" stroke-width="0.4">${p.title ? `<title>${esc(p.title)}</title>` : ''}</circle>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

export interface LineSeries {
  name: string;
  color: string;
  points: [number, number][];
  dashed?: boolean;
}

/** Approximate width in px of `s` set at `px` (the report's sans-serif averages about 0.6 em per character). */
export function textWidth(s: string, px = 11): number {
  return s.length * px * 0.6;
}

/**
 * Tick values for a log axis over [lo, hi] (both > 0): powers of ten when at least three fit, else 1-2-5
 * steps, else every integer multiple of a power of ten; thinned to at most `max`. Falls back to linear
 * round ticks when the range is under a factor of two.
 */
export function logTicks(lo: number, hi: number, max = 6): number[] {
  const inRange = (v: number) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  for (const [mults, least] of [
    [[1], 3],
    [[1, 2, 5], 2],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9], 2],
  ] as const) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++)
      for (const m of mults) {
        const v = Number((m * Math.pow(10, e)).toPrecision(12));
        if (inRange(v)) out.push(v);
      }
    if (out.length >= least) {
      const every = Math.ceil(out.length / max);
      return out.filter((_, k) => k % every === 0);
    }
  }
  return niceTicks(lo, hi, 3).filter((v) => v > 0);
}

/**
 * Labels for an axis's ticks: up to three significant digits, all with the same number of decimals (so
 * 0.69 and 0.692 are not mixed), exponent form for very small or large values.
 */
export function tickLabels(values: number[]): string[] {
  const expo = (v: number) => v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6);
  const decimals = (v: number) => (String(Number(v.toPrecision(3))).split('.')[1] ?? '').length;
  const d = Math.max(0, ...values.filter((v) => !expo(v)).map(decimals));
  // Powers of ten on a log axis keep their own decimals (1, 0.1, 0.01 rather than 1.00, 0.10, 0.01).
  const decades = values.length > 1 && values.every((v) => v > 0 && Number.isInteger(Number(Math.log10(v).toFixed(9))));
  const allExpo = decades && values.some(expo);
  return values.map((v) =>
    expo(v) || allExpo
      ? v.toExponential(0).replace('e+', 'e')
      : decades
        ? String(Number(v.toPrecision(3)))
        : v.toFixed(d),
  );
}

export interface LineChartOptions {
  title: string;
  xLabel?: string;
  /** Name of the y quantity, written along the y axis (with "log scale" when the axis is logarithmic). */
  yLabel?: string;
  logY?: boolean;
  width?: number;
  /** An x value to mark with a dashed line (the best epoch), labelled "best" above the plot. */
  marker?: number;
}

/**
 * Lines over a shared x axis (epochs); log-scaled y when asked and every value is positive. Axis ticks are
 * round numbers (integers on x), both axes are labelled, and the legend's columns are as wide as its longest
 * entry, so that no two pieces of text overlap.
 */
export function lineChart(series: LineSeries[], opts: LineChartOptions): string {
  const w = opts.width ?? 460;
  const left = 62;
  const right = 12;
  const bottom = 36;
  const pw = w - left - right;
  const legendCol = Math.max(60, ...series.map((s) => 18 + textWidth(s.name) + 14));
  const legendCols = Math.max(1, Math.floor(pw / legendCol));
  const legendRows = Math.ceil(series.length / legendCols);
  const markerRoom = opts.marker !== undefined ? 12 : 0;
  const top = 24 + legendRows * 14 + 6 + markerRoom;
  const h = 230 + legendRows * 14 + markerRoom;
  const ph = h - top - bottom;
  const all = series.flatMap((s) => s.points);
  const log = !!opts.logY && all.length > 0 && all.every(([, y]) => y > 0);
  const tr = (y: number) => (log ? Math.log10(y) : y);
  const xsMin = Math.min(...all.map(([x]) => x));
  const xsMax = Math.max(...all.map(([x]) => x));
  let yMin = Math.min(...all.map(([, y]) => tr(y)));
  let yMax = Math.max(...all.map(([, y]) => tr(y)));
  if (!log) yMin = Math.min(0, yMin);
  if (yMax - yMin < 1e-12) {
    yMax += log ? 0.3 : 0.5;
    yMin -= log ? 0.3 : 0.5;
  }
  if (log) {
    // A little room above and below, so that the extreme lines do not run along the frame.
    const pad = (yMax - yMin) * 0.04;
    yMin -= pad;
    yMax += pad;
  }
  const xSpan = xsMax - xsMin || 1;
  const sx = (x: number) => left + ((x - xsMin) / xSpan) * pw;
  const syT = (t: number) => top + ph - ((t - yMin) / (yMax - yMin)) * ph;
  const sy = (y: number) => syT(tr(y));
  const parts: string[] = [svgOpen(w, h, opts.title)];
  parts.push(`<text x="${left}" y="14" class="t">${esc(opts.title)}</text>`);
  series.forEach((s, i) => {
    const lx = left + (i % legendCols) * legendCol;
    const ly = 30 + Math.floor(i / legendCols) * 14;
    parts.push(
      `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 14}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/>`,
    );
    parts.push(`<text x="${lx + 18}" y="${ly}" class="lab legend">${esc(s.name)}</text>`);
  });
  parts.push(`<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#ccc"/>`);
  if (!all.length) {
    parts.push(`<text x="${left + pw / 2}" y="${top + ph / 2}" text-anchor="middle" class="lab">no data</text></svg>`);
    return parts.join('');
  }
  const yTicks = log ? logTicks(Math.pow(10, yMin), Math.pow(10, yMax)) : niceTicks(yMin, yMax, 4);
  const yLabels = tickLabels(yTicks);
  yTicks.forEach((v, k) => {
    const y = sy(v);
    parts.push(`<line x1="${left}" y1="${f(y)}" x2="${left + pw}" y2="${f(y)}" stroke="#f0f0f0"/>`);
    parts.push(`<text x="${left - 4}" y="${f(y + 3)}" text-anchor="end" class="tick ytick">${yLabels[k]}</text>`);
  });
  const xTicks = niceTicks(xsMin, xsMax, Math.min(6, Math.max(1, Math.round(xSpan)))).filter(Number.isInteger);
  for (const x of xTicks.length ? xTicks : [Math.round(xsMin)]) {
    parts.push(`<line x1="${f(sx(x))}" y1="${top + ph}" x2="${f(sx(x))}" y2="${top + ph + 3}" stroke="#999"/>`);
    parts.push(`<text x="${f(sx(x))}" y="${top + ph + 14}" text-anchor="middle" class="tick xtick">${x}</text>`);
  }
  parts.push(
    `<text x="${left + pw / 2}" y="${h - 4}" text-anchor="middle" class="lab xlabel">${esc(opts.xLabel ?? 'epoch')}</text>`,
  );
  const yLabel = [opts.yLabel, log ? 'log scale' : ''].filter(Boolean).join(', ');
  if (yLabel)
    parts.push(
      `<text x="12" y="${top + ph / 2}" text-anchor="middle" class="lab ylabel" transform="rotate(-90 12 ${top + ph / 2})">${esc(yLabel)}</text>`,
    );
  if (opts.marker !== undefined && opts.marker >= xsMin && opts.marker <= xsMax) {
    const mx = sx(opts.marker);
    parts.push(`<line x1="${f(mx)}" y1="${top}" x2="${f(mx)}" y2="${top + ph}" stroke="#999" stroke-dasharray="2 3"/>`);
    const anchor = mx > left + pw * 0.9 ? 'end' : mx < left + pw * 0.1 ? 'start' : 'middle';
    parts.push(
      `<text x="${f(mx)}" y="${top - 3}" text-anchor="${anchor}" class="tick">best (epoch ${opts.marker})</text>`,
    );
  }
  for (const s of series) {
    if (!s.points.length) continue;
    const d = s.points.map(([x, y], i) => `${i ? 'L' : 'M'}${f(sx(x))},${f(sy(y))}`).join('');
    parts.push(
      `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/>`,
    );
    if (s.points.length <= 40)
      for (const [x, y] of s.points) parts.push(`<circle cx="${f(sx(x))}" cy="${f(sy(y))}" r="2" fill="${s.color}"/>`);
  }
  parts.push('</svg>');
  return parts.join('');
}
