/**
 * The JSON-lines reporter: one event per line on stdout for other programs (`--ui json | jq`). Every event is
 * written except `batch`, which can arrive hundreds of times a second and is throttled to one per second; the
 * last line of a completed run is its `result` event.
 */
import type { EngineEvent } from '../engine/events.js';

export interface JsonReporterOptions {
  out: (text: string) => void;
  /** Minimum wall time between two written batch events. */
  batchIntervalMs?: number;
  now?: () => number;
}

export function createJsonReporter(opts: JsonReporterOptions): { sink: (e: EngineEvent) => void } {
  const { out, batchIntervalMs = 1000, now = Date.now } = opts;
  let lastBatchAt = -Infinity;
  const sink = (e: EngineEvent): void => {
    if (e.type === 'batch') {
      const t = now();
      if (t - lastBatchAt < batchIntervalMs) return;
      lastBatchAt = t;
    }
    // NaN and Infinity (a diverged loss) have no JSON spelling; JSON.stringify would silently write null, which
    // reads like "missing". Strings keep the fact visible and the line parseable.
    out(JSON.stringify(e, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)) + '\n');
  };
  return { sink };
}
