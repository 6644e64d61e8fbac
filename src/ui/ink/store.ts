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
  HistoryEvent,
  InterruptedEvent,
  LogEvent,
  ResultEvent,
  RunStartEvent,
  SeedEndEvent,
  StageEvent,
  SummaryEvent,
} from '../../engine/events.js';
import { headlineMetric } from '../format.js';

export type Phase = 'starting' | 'training' | 'evaluating' | 'between' | 'seed_done' | 'done' | 'interrupted';

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
  /** Wall seconds of the recent whole epochs (train + eval), start to start. */
  epochWall: number[];
  /** The latest stage before training (loading data, compiling, ...) and when it began. */
  stage?: StageEvent;
  stageStartedAt?: number;
  /** When the view started: the stage clock runs from here until the run announces itself. */
  startedAt: number;
  /** A resumed seed's epochs from the earlier process (shown, never timed). */
  history?: HistoryEvent;
  /**
   * Epoch timing of this process only: the first epoch_start's stamp, the latest epoch end (its evaluation when
   * it has one) and how many epochs ended since. Epochs of a resumed run's earlier process are not counted.
   */
  timedFrom?: number;
  lastEpochEndAt?: number;
  epochsTimed: number;
  interrupted?: InterruptedEvent;
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
    this.live = {
      phase: 'starting',
      evals: [],
      spark: [],
      logs: [],
      warnings: 0,
      seedsDone: [],
      epochWall: [],
      phaseStartedAt: t,
      now: t,
      startedAt: t,
      epochsTimed: 0,
    };
    this.snapshot = this.copy();
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): ViewState => this.snapshot;

  /**
   * `at` is the wall-clock time the event was emitted, when the caller stamped it earlier than now (events
   * queued while the view was loading); timings are only right if every event carries its own time.
   */
  readonly dispatch = (e: EngineEvent, at: number = this.now()): void => {
    this.reduce(e, at);
    // A stage comes before work that may hold the event loop for a long time: publish it at once.
    if (e.type === 'stage' || e.type === 'interrupted') return this.flush(true);
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
    return {
      ...s,
      evals: [...s.evals],
      spark: [...s.spark],
      logs: [...s.logs],
      seedsDone: [...s.seedsDone],
      epochWall: [...s.epochWall],
    };
  }

  private addEval(e: EvalEvent): void {
    const s = this.live;
    s.lastEval = e;
    s.evals.push(e);
    if (s.evals.length > HISTORY) s.evals.shift();
    s.sparkMetric ??= headlineMetric(e.valid);
    if (s.sparkMetric !== undefined && e.valid[s.sparkMetric] !== undefined) {
      s.spark.push(e.valid[s.sparkMetric]!);
      if (s.spark.length > SPARK) s.spark.shift();
    }
  }

  private setPhase(p: Phase, t: number) {
    if (this.live.phase !== p) this.live.phaseStartedAt = t;
    this.live.phase = p;
  }

  private reduce(e: EngineEvent, t: number): void {
    const s = this.live;
    switch (e.type) {
      case 'stage':
        s.stage = e;
        s.stageStartedAt = t;
        break;
      case 'history':
        // Arrives right after run_start: the earlier epochs fill the tables and the sparkline, not the timing.
        s.history = e;
        for (const h of e.events) {
          if (h.type === 'epoch_end') s.lastEpoch = h;
          else this.addEval(h);
        }
        s.epoch = e.epochsDone;
        break;
      case 'interrupted':
        s.interrupted = e;
        this.setPhase('interrupted', t);
        break;
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
          history: undefined,
          timedFrom: undefined,
          lastEpochEndAt: undefined,
          epochsTimed: 0,
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
        s.timedFrom ??= t;
        this.setPhase('training', t);
        break;
      case 'batch':
        s.batch = e;
        s.epoch = e.epoch;
        break;
      case 'epoch_end':
        s.lastEpoch = e;
        if (s.timedFrom !== undefined) {
          s.lastEpochEndAt = t;
          s.epochsTimed++;
        }
        this.setPhase('evaluating', t);
        break;
      case 'eval': {
        this.addEval(e);
        // The epoch ends with its evaluation.
        if (s.timedFrom !== undefined && s.lastEpoch?.epoch === e.epoch) s.lastEpochEndAt = t;
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
