/**
 * Reporters for a whole sweep: a live Ink view on an interactive terminal, plain lines elsewhere, JSON lines
 * for programs. They render the status snapshot each sweep event carries; they compute nothing themselves.
 * The event shape is declared here structurally (ui/ imports no experiments/ types); the CLI's wiring is where
 * the compiler checks the two agree.
 */
import type { Metrics } from '../engine/events.js';
import { fmtDuration, fmtMeanStd, fmtNum } from './format.js';
import { safeOutput } from './output.js';
import { wantsInk, type ReporterMode } from './reporter.js';

export interface SweepViewStatus {
  name: string;
  dir: string;
  total: number;
  done: number;
  reused: number;
  failed: number;
  running: { id: string; label: string; seed: number; worker?: string; epoch?: number; maxEpochs?: number }[];
  elapsedSeconds: number;
  etaSeconds?: number;
  metric: string;
  best?: { label: string; valid: number; test: number; seeds: number };
  workers: number | string;
}

export interface SweepViewEvent {
  type: string;
  status: SweepViewStatus;
  label?: string;
  seed?: number;
  valid?: Metrics;
  test?: Metrics;
  seconds?: number;
  reason?: string;
  level?: string;
  message?: string;
  files?: string[];
  queue?: string;
  configs?: number;
  seeds?: number[];
  best?: { label: string; valid: Metrics; test: Metrics; validStd: Metrics; testStd: Metrics };
}

export interface SweepReporter {
  sink: (e: SweepViewEvent) => void;
  close(): Promise<void>;
  readonly mode: 'ink' | 'plain' | 'json';
}

/** `done 3/6 · running 2 · failed 0 · ETA 12.0s · best dim=32 0.1012` */
export function sweepSummaryLine(s: SweepViewStatus): string {
  const best = s.best
    ? ` · best ${s.best.label} ${fmtNum(s.best.valid)} (valid ${s.metric}, ${s.best.seeds} seed${s.best.seeds === 1 ? '' : 's'})`
    : '';
  return `done ${s.done}/${s.total} · running ${s.running.length} · failed ${s.failed} · ETA ${s.etaSeconds === undefined ? '-' : fmtDuration(s.etaSeconds)}${best}`;
}

export function sweepPlainLines(e: SweepViewEvent): { out?: string[]; err?: string[] } {
  const s = e.status;
  const m = s.metric;
  switch (e.type) {
    case 'sweep_start':
      return {
        out: [
          `sweep ${s.name}: ${s.total} points (${e.configs} configuration${e.configs === 1 ? '' : 's'} x ${e.seeds?.length} seed${e.seeds?.length === 1 ? '' : 's'}), ${s.reused} already done, ${e.queue ? `queue ${e.queue}` : `${s.workers} worker${s.workers === 1 ? '' : 's'}`}`,
          `store: ${s.dir}`,
        ],
      };
    case 'point_start':
      return { out: [`start ${e.label} seed ${e.seed}`] };
    case 'point_done':
      return {
        out: [
          `[${s.done}/${s.total}] ${e.label} seed ${e.seed}: valid ${m} ${fmtNum(e.valid?.[m])}, test ${fmtNum(e.test?.[m])} (${fmtDuration(e.seconds)}) | ${sweepSummaryLine(s)}`,
        ],
      };
    case 'point_retry':
      return { err: [`retry ${e.label} seed ${e.seed}: ${e.reason}`] };
    case 'point_failed':
      return { err: [`FAILED ${e.label} seed ${e.seed}: ${e.reason}`] };
    case 'sweep_log':
      return e.level === 'warn' ? { err: [`warning: ${e.message}`] } : { out: [String(e.message)] };
    case 'sweep_end': {
      const out = [
        `sweep ${s.name}: ${s.done}/${s.total} points done, ${s.failed} failed, ${fmtDuration(s.elapsedSeconds)}`,
      ];
      if (e.best) {
        out.push(
          `best on valid ${m}: ${e.best.label}: valid ${fmtMeanStd(e.best.valid[m], e.best.validStd[m])}, test ${fmtMeanStd(e.best.test[m], e.best.testStd[m])}`,
        );
      }
      for (const f of e.files ?? []) out.push(`wrote ${f}`);
      return { out };
    }
    default:
      return {};
  }
}

export function createSweepReporter(opts: {
  mode: ReporterMode;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}): SweepReporter {
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  const out = safeOutput(stdout);
  const err = safeOutput(stderr);
  const mode = opts.mode === 'auto' ? (wantsInk(stdout, opts.env) ? 'ink' : 'plain') : opts.mode;
  if (mode === 'json') {
    return {
      sink: (e) => e.type !== 'point_progress' && out.write(JSON.stringify(e) + '\n'),
      close: async () => {},
      mode,
    };
  }
  const plain = (e: SweepViewEvent) => {
    const l = sweepPlainLines(e);
    for (const x of l.out ?? []) out.write(x + '\n');
    for (const x of l.err ?? []) err.write(x + '\n');
  };
  if (mode !== 'ink') return { sink: plain, close: async () => {}, mode: 'plain' };

  // Ink loads on demand, like the run view; events that arrive meanwhile are replayed.
  const queue: SweepViewEvent[] = [];
  let target: { sink: (e: SweepViewEvent) => void; close(): Promise<void> } | undefined;
  const ready = import('./ink/SweepView.js')
    .then((m) => m.mountSweepInk({ stdout, stderr }))
    .catch(() => ({ sink: plain, close: async () => {} }))
    .then((t) => {
      target = t;
      for (const e of queue.splice(0)) t.sink(e);
    });
  return {
    sink: (e) => (target ? target.sink(e) : void queue.push(e)),
    close: async () => {
      await ready;
      await target?.close();
    },
    mode: 'ink',
  };
}
