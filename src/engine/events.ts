/**
 * Everything the engine has to say, as typed events. The engine never prints; the UI (Ink, plain lines,
 * JSON lines) and the run directory (events.jsonl) consume these.
 */
// Counting: epochs and batches are 1-based (epoch 1 is the first), seedIndex is 0-based.
export type Metrics = Record<string, number>; // e.g. { 'recall@20': 0.08, 'ndcg@20': 0.03 }

export interface RunStartEvent {
  type: 'run_start';
  pipeline: string;
  dataset: string;
  backend: string;
  seed: number;
  seedIndex: number;
  seeds: number;
  nUsers: number;
  nItems: number;
  nTrain: number;
  batchesPerEpoch: number;
  maxEpochs: number;
  parameters: number;
  runDir?: string;
}
export interface EpochStartEvent {
  type: 'epoch_start';
  epoch: number;
  lr: number;
}
export interface BatchEvent {
  type: 'batch';
  epoch: number;
  batch: number;
  batches: number;
  /** Loss terms of this batch (weighted as they enter the total) and `total`. */
  losses: Record<string, number>;
}
export interface EpochEndEvent {
  type: 'epoch_end';
  epoch: number;
  /** Mean over the epoch's batches of each weighted loss term and `total`. */
  losses: Record<string, number>;
  trainSeconds: number;
  tensors: number;
}
export interface EvalEvent {
  type: 'eval';
  epoch: number;
  valid: Metrics;
  test: Metrics;
  evalSeconds: number;
  improved: boolean;
  bestEpoch: number;
  bestValid: Metrics;
  bestTest: Metrics;
  /** Epochs left before early stopping at this rate; Infinity (null in JSON) when it never stops early. */
  patienceLeft: number;
}
export interface SeedEndEvent {
  type: 'seed_end';
  seed: number;
  seedIndex: number;
  bestEpoch: number;
  epochs: number;
  valid: Metrics;
  test: Metrics;
  stoppedEarly: boolean;
  seconds: number;
  secondsPerEpoch: number;
}
export interface LogEvent {
  type: 'log';
  level: 'info' | 'warn';
  message: string;
}
/**
 * A step before training that can take a while (starting the backend, reading data, compiling, building the
 * constant matrices such as kNN graphs), and the start of the first epoch: announced before the work begins so
 * that the screen says what is happening from the first second.
 */
export interface StageEvent {
  type: 'stage';
  stage: 'load' | 'backend' | 'data' | 'compile' | 'constants' | 'training';
  /** What is being done, for display: `loading data synth:small`. */
  message: string;
}
/** Epochs a resumed seed finished in an earlier process, read back from the run directory's event log. */
export interface HistoryEvent {
  type: 'history';
  seed: number;
  /** Epochs done before this process (the checkpoint's). */
  epochsDone: number;
  /** Their epoch_end and eval events, in epoch order. */
  events: (EpochEndEvent | EvalEvent)[];
}
/** The run stopped on Ctrl+C after `epoch` finished epochs of the current seed; `message` says how to continue. */
export interface InterruptedEvent {
  type: 'interrupted';
  epoch: number;
  runDir?: string;
  message: string;
}
export interface ResultEvent {
  type: 'result';
  pipeline: string;
  dataset: string;
  backend: string;
  seeds: number[];
  perSeed: SeedEndEvent[];
  /** Mean and standard deviation over seeds, of valid and test metrics at each seed's best valid epoch. */
  mean: { valid: Metrics; test: Metrics };
  std: { valid: Metrics; test: Metrics };
  runDir?: string;
  /** The protocol it ran under (experiments/protocol.ts) and its epoch budget (train.epochs). */
  protocol?: string;
  maxEpochs?: number;
}
/** The closing lines of a run (experiments/summary.ts): what came out, against what, and what to do next. */
export interface SummaryEvent {
  type: 'summary';
  pipeline: string;
  dataset: string;
  protocol: string;
  seeds: number;
  bestEpochs: number[];
  epochs: number[];
  /** Mean over seeds of test Recall@20 and NDCG@20 at each seed's best valid epoch. */
  test: Metrics;
  /** LightGCN on the same data, protocol and seeds, where measured: a run directory or the committed zoo table. */
  baseline?: { model: string; source: string; seeds: number; test: Metrics };
  runDir?: string;
  notes: string[];
  next: string[];
}
export type EngineEvent =
  | RunStartEvent
  | EpochStartEvent
  | BatchEvent
  | EpochEndEvent
  | EvalEvent
  | SeedEndEvent
  | LogEvent
  | StageEvent
  | HistoryEvent
  | InterruptedEvent
  | ResultEvent
  | SummaryEvent;

export type EventSink = (e: EngineEvent) => void;
