/**
 * The state of a whole sweep (points done, running, failed, ETA, best configuration so far), kept here so
 * that the views only render: every event carries a snapshot of it.
 */
import type { Metrics } from '../../engine/events.js';
import type { PlannedPoint } from './plan.js';
import type { PointRecord } from './store.js';

export interface RunningPoint {
  id: string;
  label: string;
  seed: number;
  worker?: string;
  epoch?: number;
  maxEpochs?: number;
  since: number;
}

export interface SweepStatus {
  name: string;
  dir: string;
  total: number;
  /** Finished points, including those found already done in the store. */
  done: number;
  /** Of `done`, found in the store at start (not run now). */
  reused: number;
  failed: number;
  running: RunningPoint[];
  elapsedSeconds: number;
  /** Remaining wall time at this session's pace; undefined until a point has finished. */
  etaSeconds?: number;
  metric: string;
  best?: { label: string; valid: number; test: number; seeds: number };
  workers: number | string;
}

export type SweepEvent =
  | { type: 'sweep_start'; status: SweepStatus; configs: number; seeds: number[]; queue?: string }
  | { type: 'point_start'; status: SweepStatus; id: string; label: string; seed: number; worker?: string }
  | { type: 'point_progress'; status: SweepStatus; id: string; epoch: number; maxEpochs?: number }
  | {
      type: 'point_done';
      status: SweepStatus;
      id: string;
      label: string;
      seed: number;
      valid: Metrics;
      test: Metrics;
      seconds: number;
      worker: string;
    }
  | { type: 'point_retry'; status: SweepStatus; id: string; label: string; seed: number; reason: string }
  | { type: 'point_failed'; status: SweepStatus; id: string; label: string; seed: number; reason: string }
  | { type: 'sweep_log'; status: SweepStatus; level: 'info' | 'warn'; message: string }
  | {
      type: 'sweep_end';
      status: SweepStatus;
      files: string[];
      best?: { label: string; valid: Metrics; test: Metrics; validStd: Metrics; testStd: Metrics };
    };

export type SweepSink = (e: SweepEvent) => void;
type WithoutStatus<E> = E extends unknown ? Omit<E, 'status'> : never;

export class SweepTracker {
  private readonly running = new Map<string, RunningPoint>();
  private readonly start = Date.now();
  private doneNow = 0;
  private reused = 0;
  private failed = 0;
  private readonly byConfig = new Map<string, { label: string; valid: number; test: number; n: number }>();

  constructor(
    private readonly base: { name: string; dir: string; total: number; metric: string; workers: number | string },
    private readonly sink: SweepSink,
  ) {}

  status(): SweepStatus {
    const done = this.reused + this.doneNow;
    const elapsed = (Date.now() - this.start) / 1000;
    const left = this.base.total - done - this.failed;
    let best: SweepStatus['best'];
    for (const c of this.byConfig.values()) {
      const v = c.valid / c.n;
      if (!best || v > best.valid) best = { label: c.label, valid: v, test: c.test / c.n, seeds: c.n };
    }
    return {
      ...this.base,
      done,
      reused: this.reused,
      failed: this.failed,
      running: [...this.running.values()],
      elapsedSeconds: elapsed,
      etaSeconds: this.doneNow > 0 ? (elapsed / this.doneNow) * left : undefined,
      best,
    };
  }

  emit(e: WithoutStatus<SweepEvent>): void {
    this.sink({ ...e, status: this.status() } as SweepEvent);
  }

  private count(p: PlannedPoint, r: Pick<PointRecord, 'valid' | 'test'>): void {
    const c = this.byConfig.get(p.config.key) ?? { label: p.config.label, valid: 0, test: 0, n: 0 };
    c.valid += r.valid[this.base.metric] ?? NaN;
    c.test += r.test[this.base.metric] ?? NaN;
    c.n++;
    this.byConfig.set(p.config.key, c);
  }

  reuse(p: PlannedPoint, r: Pick<PointRecord, 'valid' | 'test'>): void {
    this.reused++;
    this.count(p, r);
  }

  started(p: PlannedPoint, worker?: string): void {
    this.running.set(p.id, { id: p.id, label: p.config.label, seed: p.seed, worker, since: Date.now() });
    this.emit({ type: 'point_start', id: p.id, label: p.config.label, seed: p.seed, worker });
  }

  progress(id: string, epoch: number, maxEpochs?: number): void {
    const r = this.running.get(id);
    if (!r) return;
    r.epoch = epoch;
    if (maxEpochs !== undefined) r.maxEpochs = maxEpochs;
    this.emit({ type: 'point_progress', id, epoch, maxEpochs: r.maxEpochs });
  }

  done(p: PlannedPoint, r: PointRecord): void {
    this.running.delete(p.id);
    this.doneNow++;
    this.count(p, r);
    this.emit({
      type: 'point_done',
      id: p.id,
      label: p.config.label,
      seed: p.seed,
      valid: r.valid,
      test: r.test,
      seconds: r.seconds,
      worker: r.worker,
    });
  }

  retry(p: PlannedPoint, reason: string): void {
    this.running.delete(p.id);
    this.emit({ type: 'point_retry', id: p.id, label: p.config.label, seed: p.seed, reason });
  }

  fail(p: PlannedPoint, reason: string): void {
    this.running.delete(p.id);
    this.failed++;
    this.emit({ type: 'point_failed', id: p.id, label: p.config.label, seed: p.seed, reason });
  }

  stopAll(): void {
    this.running.clear();
  }

  log(level: 'info' | 'warn', message: string): void {
    this.emit({ type: 'sweep_log', level, message });
  }
}
