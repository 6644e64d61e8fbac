/**
 * The Ink view's state, kept outside React. Batch events can arrive hundreds of times a second; folding each
 * into a mutable record is cheap, while a React render per event is not. So events mutate `live`, and
 * subscribers are told at most once per `intervalMs` (and on `flush`), each time with a fresh immutable
 * snapshot that `useSyncExternalStore` can compare by identity.
 *
 * Timing (ETA, batch rate) needs wall-clock times, which events do not carry: the store stamps them on
 * arrival with `now()`. This is display bookkeeping only; every model number comes from the events.
 */
import type {
  BatchEvent,
  EngineEvent,
  EpochEndEvent,
  EvalEvent,
  LogEvent,
  ResultEvent,
  RunStartEvent,
  SeedEndEvent,
  SummaryEvent,
} from '../../engine/events.js';
import { headlineMetric } from '../format.js';

export type Phase = 'starting' | 'training' | 'evaluating' | 'between' | 'seed_done' | 'done';

export interface ViewState {
  run?: RunStartEvent;
  phase: Phase;
  epoch?: number;
  lr?: number;
  batch?: BatchEvent;
  lastEpoch?: EpochEndEvent;
  lastEval?: EvalEvent;
  /** The most recent evaluations, oldest first (at most HISTORY). */
  evals: EvalEvent[];
  /** The headline valid metric of every evaluation in this seed, for the sparkline (at most SPARK). */
  spark: number[];
  sparkMetric?: string;
  logs: (LogEvent & { count: number })[];
  warnings: number;
  seedsDone: SeedEndEvent[];
  result?: ResultEvent;
  /** The closing lines, after the result. */
  summary?: SummaryEvent;
  /** Wall-clock stamps (ms) of this seed's start and the current epoch's start, and the time of the snapshot. */
  seedStartedAt?: number;
  epochStartedAt?: number;
  phaseStartedAt: number;
  now: number;
  /** Wall seconds of the recent whole epochs (train + eval), for the ETA. */
  epochWall: number[];
}

const HISTORY = 6;
const SPARK = 60;
const LOGS = 4;

export class ViewStore {
  private live: ViewState;
  private snapshot: ViewState;
  private listeners = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private dirty = false;

  constructor(
    private readonly intervalMs = 100,
    private readonly now: () => number = Date.now,
  ) {
    const t = now();
    this.live = { phase: 'starting', evals: [], spark: [], logs: [], warnings: 0, seedsDone: [], epochWall: [], phaseStartedAt: t, now: t };
    this.snapshot = this.copy();
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): ViewState => this.snapshot;

  readonly dispatch = (e: EngineEvent): void => {
    this.reduce(e);
    this.dirty = true;
    if (!this.timer && this.intervalMs > 0) {
      this.timer = setTimeout(() => this.flush(), this.intervalMs);
      // A pending redraw must not keep a finished process alive.
      this.timer.unref?.();
    } else if (this.intervalMs <= 0) this.flush();
  };

  /** Publishes a snapshot now (also used by a 1 s ticker so elapsed times move during a long evaluation). */
  flush(force = false): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.dirty && !force) return;
    this.dirty = false;
    this.live.now = this.now();
    this.snapshot = this.copy();
    for (const l of this.listeners) l();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  private copy(): ViewState {
    const s = this.live;
    return { ...s, evals: [...s.evals], spark: [...s.spark], logs: [...s.logs], seedsDone: [...s.seedsDone], epochWall: [...s.epochWall] };
  }

  private setPhase(p: Phase, t: number) {
    if (this.live.phase !== p) this.live.phaseStartedAt = t;
    this.live.phase = p;
  }

  private reduce(e: EngineEvent): void {
    const s = this.live;
    const t = this.now();
    switch (e.type) {
      case 'run_start':
        // A new seed starts from a clean slate, except what spans seeds (finished seeds, warnings).
        Object.assign(s, {
          run: e,
          epoch: undefined,
          lr: undefined,
          batch: undefined,
          lastEpoch: undefined,
          lastEval: undefined,
          evals: [],
          spark: [],
          sparkMetric: undefined,
          epochWall: [],
          seedStartedAt: t,
          epochStartedAt: undefined,
        });
        this.setPhase('starting', t);
        break;
      case 'epoch_start':
        // An epoch's wall time runs from its start to the next one's, so it includes its evaluation.
        if (s.epochStartedAt !== undefined) s.epochWall = [...s.epochWall, (t - s.epochStartedAt) / 1000].slice(-10);
        s.epoch = e.epoch;
        s.lr = e.lr;
        s.batch = undefined;
        s.epochStartedAt = t;
        this.setPhase('training', t);
        break;
      case 'batch':
        s.batch = e;
        s.epoch = e.epoch;
        break;
      case 'epoch_end':
        s.lastEpoch = e;
        this.setPhase('evaluating', t);
        break;
      case 'eval': {
        s.lastEval = e;
        s.evals.push(e);
        if (s.evals.length > HISTORY) s.evals.shift();
        s.sparkMetric ??= headlineMetric(e.valid);
        if (s.sparkMetric !== undefined && e.valid[s.sparkMetric] !== undefined) {
          s.spark.push(e.valid[s.sparkMetric]!);
          if (s.spark.length > SPARK) s.spark.shift();
        }
        this.setPhase('between', t);
        break;
      }
      case 'seed_end':
        s.seedsDone.push(e);
        if (s.epochStartedAt !== undefined) s.epochWall = [...s.epochWall, (t - s.epochStartedAt) / 1000].slice(-10);
        s.epochStartedAt = undefined;
        this.setPhase('seed_done', t);
        break;
      case 'log': {
        if (e.level === 'warn') s.warnings++;
        // A repeated message (a warning per epoch) collapses into one line with a count.
        const last = s.logs[s.logs.length - 1];
        if (last && last.message === e.message && last.level === e.level) last.count++;
        else {
          s.logs.push({ ...e, count: 1 });
          if (s.logs.length > LOGS) s.logs.shift();
        }
        // The snapshot holds the same entry objects; replace rather than mutate what a render may be reading.
        s.logs = s.logs.map((l) => ({ ...l }));
        break;
      }
      case 'result':
        s.result = e;
        this.setPhase('done', t);
        break;
      case 'summary':
        s.summary = e;
        break;
    }
  }
}
