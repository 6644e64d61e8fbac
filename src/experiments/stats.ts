import type { Metrics } from '../engine/events.js';

/** Mean and sample standard deviation (n - 1; 0 for a single seed) of each metric over seeds. */
export function meanStd(rows: Metrics[]): { mean: Metrics; std: Metrics } {
  const mean: Metrics = {};
  const std: Metrics = {};
  if (!rows.length) return { mean, std };
  for (const k of Object.keys(rows[0]!)) {
    const xs = rows.map((r) => r[k]!).filter((x) => x !== undefined);
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    mean[k] = m;
    std[k] = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) : 0;
  }
  return { mean, std };
}
