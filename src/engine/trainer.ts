/**
 * One seed's training run under the MMRec protocol: per-epoch shuffle, batches (last partial batch kept),
 * one negative per row from the train items excluding the user's own, Adam, lr·a^(epoch/b) per epoch,
 * full-ranking evaluation on valid and test after every `eval_every` epochs, early stopping on the valid
 * metric (the rule is written down in early-stopping.ts), and test reported at the best valid epoch. Emits
 * events; never prints. Its parts live apart and are tested alone: the batches in data/sampler.ts
 * (BatchIterator), one optimisation step in step.ts, the stopping rule in early-stopping.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { LeanAdam } from './adam.js';
import type { Dataset } from '../data/types.js';
import { BatchIterator, type EpochBatches } from '../data/sampler.js';
import type { EvalSettings, TrainSpec } from './train-spec.js';
import { rootStream } from '../util/streams.js';
import { evaluateFullRanking, evaluateFullRankingPerUser, type PerUserMetric } from './evaluator.js';
import type { EpochEndEvent, EvalEvent, EventSink, Metrics, SeedEndEvent } from './events.js';
import type { Model } from './executor.js';
import { InterruptedError } from './errors.js';
import type { Profiler } from './profiler.js';
import { EarlyStopping } from './early-stopping.js';
import { step, type StepSetup } from './step.js';

export async function optimizerState(opt: tf.Optimizer): Promise<TrainerState['optimizer']> {
  const ws = await opt.getWeights();
  const iterations = (await ws[0]!.tensor.data())[0]!;
  ws[0]!.tensor.dispose();
  return {
    iterations,
    accBeta: adamPowers(opt),
    moments: ws
      .slice(1)
      .map((w) => ({ name: w.name, shape: w.tensor.shape, data: (w.tensor.dataSync() as Float32Array).slice() })),
  };
}

export async function restoreOptimizer(opt: tf.Optimizer, st: TrainerState['optimizer']): Promise<void> {
  const tensors = [
    { name: 'iter', tensor: tf.scalar(st.iterations, 'int32') },
    ...st.moments.map((m) => ({ name: m.name, tensor: tf.tensor(m.data, m.shape) })),
  ];
  await opt.setWeights(tensors);
  for (const t of tensors) t.tensor.dispose();
  // setWeights recomputes β^t with pow, while training multiplies by β at every step; the two differ in the last
  // float32 bits, enough to make a resumed run drift from an uninterrupted one. The saved values are put back.
  const acc = adamPowers(opt);
  if (acc && st.accBeta) {
    const o = opt as unknown as AdamInternals;
    tf.tidy(() => {
      o.accBeta1.assign(tf.scalar(st.accBeta![0]));
      o.accBeta2.assign(tf.scalar(st.accBeta![1]));
    });
  }
}

/** tfjs's Adam keeps β1^t and β2^t as running products in these (non-public) variables. */
interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

function adamPowers(opt: tf.Optimizer): [number, number] | undefined {
  const o = opt as unknown as Partial<AdamInternals>;
  return o.accBeta1 && o.accBeta2 ? [o.accBeta1.dataSync()[0]!, o.accBeta2.dataSync()[0]!] : undefined;
}

export interface TrainSeedOptions {
  seed: number;
  seedIndex: number;
  seeds: number;
  emit: EventSink;
  pipelineName: string;
  datasetName: string;
  backend: string;
  /** Abort between batches (SIGINT). */
  signal?: AbortSignal;
  runDir?: string;
  /** Continue from a state captured at the end of an epoch (`--resume`). */
  resume?: TrainerState;
  /** The epoch_end and eval events of the epochs `resume` already holds, shown again as a history event. */
  history?: (EpochEndEvent | EvalEvent)[];
  /** Called after every epoch (after its evaluation) with the state to checkpoint. */
  onEpoch?: (e: { epochsDone: number; improved: boolean; state: () => Promise<TrainerState> }) => void | Promise<void>;
  /** Check every op's output for NaN / Inf during training (slow; for debugging). */
  detectAnomaly?: boolean;
  /** Time the phases of each step and the forward pass of each op (`--profile`). */
  profiler?: Profiler;
  /** Keep each test user's value of this metric (`recall@20`) at the best valid epoch (SeedOutcome.bestTestPerUser). */
  perUserMetric?: string;
}

/** Everything needed to continue training exactly after `epochsDone` epochs. */
export interface TrainerState {
  epochsDone: number;
  best: number;
  bestEpoch: number;
  bestValid: Metrics;
  bestTest: Metrics;
  /** Per test user, the metric of TrainSeedOptions.perUserMetric at the best epoch (when asked for). */
  bestTestPerUser?: PerUserMetric;
  sinceBest: number;
  trainSeconds: number;
  rng: { shuffle: number[]; negatives: number[]; step: number[] };
  weights: Map<string, Float32Array>;
  bestWeights: Map<string, Float32Array>;
  /** `accBeta`: Adam's running β1^t, β2^t, exactly as training left them (absent in older checkpoints). */
  optimizer: {
    iterations: number;
    accBeta?: [number, number];
    moments: { name: string; shape: number[]; data: Float32Array }[];
  };
}

export interface SeedOutcome {
  summary: SeedEndEvent;
  /** Variable values at the best valid epoch. */
  bestWeights: Map<string, Float32Array>;
  /** Per test user, TrainSeedOptions.perUserMetric at the best valid epoch (when asked for). */
  bestTestPerUser?: PerUserMetric;
}

/** A numerical fault (NaN / Inf loss), reported with the loss term, epoch and batch. */
export { NumericalError, InterruptedError } from './errors.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

/** Valid and test metrics of the model as it is now; with `perUserMetric`, also that metric per test user. */
export function evaluateModel(
  model: Model,
  ds: Dataset,
  settings: EvalSettings,
  perUserMetric?: string,
): { valid: Metrics; test: Metrics; testPerUser?: PerUserMetric } {
  const outs = model.outputs();
  try {
    const common = {
      users: outs.user as tf.Tensor2D,
      items: outs.item as tf.Tensor2D,
      train: ds.trainByUser,
      ks: settings.ks,
      metrics: settings.metrics,
      batchUsers: settings.batchUsers,
    };
    const valid = evaluateFullRanking({ ...common, truth: ds.validByUser });
    if (!perUserMetric) return { valid, test: evaluateFullRanking({ ...common, truth: ds.testByUser }) };
    const { metrics: test, perUser } = evaluateFullRankingPerUser({ ...common, truth: ds.testByUser }, perUserMetric);
    return { valid, test, testPerUser: perUser };
  } finally {
    for (const t of Object.values(outs)) t.dispose();
  }
}

/** Steps through one epoch's batches (0-based `epoch`); returns the mean of each loss over the batches. */
async function trainEpoch(
  batches: EpochBatches,
  setup: StepSetup,
  epoch: number,
  opts: Pick<TrainSeedOptions, 'emit' | 'signal' | 'profiler'>,
): Promise<Record<string, number>> {
  const sums: Record<string, number> = {};
  for (let b = 0; b < batches.count; b++) {
    // The epochs before this one are finished and checkpointed: the run can continue after them.
    if (opts.signal?.aborted) throw new InterruptedError(`interrupted after epoch ${epoch}`, epoch);
    const tSample = performance.now();
    const batch = batches.batch(b);
    opts.profiler?.add('sampling', performance.now() - tSample);
    const losses = step(setup, batch, epoch, `in epoch ${epoch + 1}, batch ${b + 1}`);
    for (const [k, v] of Object.entries(losses)) sums[k] = (sums[k] ?? 0) + v;
    opts.emit({ type: 'batch', epoch: epoch + 1, batch: b + 1, batches: batches.count, losses });
    await tick();
  }
  const means: Record<string, number> = {};
  for (const [k, v] of Object.entries(sums)) means[k] = v / batches.count;
  return means;
}

export async function trainSeed(
  model: Model,
  ds: Dataset,
  tr: TrainSpec,
  opts: TrainSeedOptions,
): Promise<SeedOutcome> {
  const emit = opts.emit;
  // Each stream is the fork train/<name> of the seed's root stream, from the generator train.rng names.
  const stream = (name: 'negatives' | 'shuffle' | 'step') =>
    rootStream(tr.rng[name] ?? 'sfc32', opts.seed)
      .fork('train')
      .fork(name);
  const negRng = stream('negatives');
  const shuffleRng = stream('shuffle');
  const stepRng = stream('step');
  const batches = new BatchIterator(ds, tr.batchSize, { shuffle: shuffleRng, negatives: negRng });
  // tfjs's Adam arithmetic and state without its all-variables memory peak (adam.ts).
  const optimizer = new LeanAdam(tr.adam.lr, 0.9, 0.999, tr.adam.eps);
  const setup: StepSetup = {
    model,
    optimizer,
    vars: model.trainableVariables(),
    rng: stepRng,
    detectAnomaly: opts.detectAnomaly,
    profiler: opts.profiler,
  };
  const nTrain = ds.train.users.length;
  const metric = tr.earlyStopping.metric;
  const [lrA, lrB] = tr.lrSchedule;
  const started = Date.now();

  emit({
    type: 'run_start',
    pipeline: opts.pipelineName,
    dataset: opts.datasetName,
    backend: opts.backend,
    seed: opts.seed,
    seedIndex: opts.seedIndex,
    seeds: opts.seeds,
    nUsers: ds.nUsers,
    nItems: ds.nItems,
    nTrain,
    batchesPerEpoch: batches.count,
    maxEpochs: tr.epochs,
    parameters: model.parameterCount(),
    runDir: opts.runDir,
  });

  let stopping = new EarlyStopping(tr.earlyStopping);
  let bestValid: Metrics = {};
  let bestTest: Metrics = {};
  let bestTestPerUser: PerUserMetric | undefined;
  let bestWeights = model.snapshot();
  let epochsRun = 0;
  let trainSeconds = 0;
  const r = opts.resume;
  if (r) {
    model.restore(r.weights);
    await restoreOptimizer(optimizer, r.optimizer);
    shuffleRng.setState(r.rng.shuffle);
    negRng.setState(r.rng.negatives);
    stepRng.setState(r.rng.step);
    stopping = EarlyStopping.resume(tr.earlyStopping, r);
    ({ bestValid, bestTest, bestTestPerUser, trainSeconds } = r);
    bestWeights = r.bestWeights;
    epochsRun = r.epochsDone;
    if (opts.history) emit({ type: 'history', seed: opts.seed, epochsDone: r.epochsDone, events: opts.history });
    emit({
      type: 'log',
      level: 'info',
      message: `resumed seed ${opts.seed} after epoch ${r.epochsDone} (best epoch so far ${stopping.bestEpoch})`,
    });
  }
  const capture = async (): Promise<TrainerState> => ({
    epochsDone: epochsRun,
    ...stopping.counters(),
    bestValid,
    bestTest,
    bestTestPerUser,
    trainSeconds,
    rng: { shuffle: shuffleRng.getState(), negatives: negRng.getState(), step: stepRng.getState() },
    weights: model.snapshot(),
    bestWeights,
    optimizer: await optimizerState(optimizer),
  });

  if (epochsRun < tr.epochs && !stopping.stopped)
    emit({ type: 'stage', stage: 'training', message: `epoch ${epochsRun + 1} running` });
  try {
    for (let epoch = epochsRun; epoch < tr.epochs && !stopping.stopped; epoch++) {
      const lr = tr.adam.lr * Math.pow(lrA, epoch / lrB);
      // tfjs's Adam reads learningRate on every update, so the schedule is a per-epoch assignment.
      (optimizer as unknown as { learningRate: number }).learningRate = lr;
      emit({ type: 'epoch_start', epoch: epoch + 1, lr });
      const t0 = Date.now();
      const means = await trainEpoch(batches.epoch(), setup, epoch, opts);
      const secs = (Date.now() - t0) / 1000;
      trainSeconds += secs;
      epochsRun = epoch + 1;
      emit({ type: 'epoch_end', epoch: epoch + 1, losses: means, trainSeconds: secs, tensors: tf.memory().numTensors });

      if ((epoch + 1) % tr.evalEvery !== 0 && epoch + 1 < tr.epochs) {
        await opts.onEpoch?.({ epochsDone: epochsRun, improved: false, state: capture });
        continue;
      }
      const e0 = Date.now();
      const { valid, test, testPerUser } = evaluateModel(model, ds, tr.eval, opts.perUserMetric);
      opts.profiler?.add('evaluation', Date.now() - e0);
      const score = valid[metric];
      if (score === undefined) throw new Error(`early-stopping metric ${metric} was not computed`);
      const improved = stopping.update(epoch + 1, score);
      if (improved) {
        bestValid = valid;
        bestTest = test;
        bestTestPerUser = testPerUser;
        bestWeights = model.snapshot();
      }
      emit({
        type: 'eval',
        epoch: epoch + 1,
        valid,
        test,
        evalSeconds: (Date.now() - e0) / 1000,
        improved,
        bestEpoch: stopping.bestEpoch,
        bestValid,
        bestTest,
        patienceLeft: stopping.patienceLeft,
      });
      await opts.onEpoch?.({ epochsDone: epochsRun, improved, state: capture });
      await tick();
    }
  } finally {
    optimizer.dispose();
  }
  const seconds = (Date.now() - started) / 1000;
  const summary: SeedEndEvent = {
    type: 'seed_end',
    seed: opts.seed,
    seedIndex: opts.seedIndex,
    bestEpoch: stopping.bestEpoch,
    epochs: epochsRun,
    valid: bestValid,
    test: bestTest,
    stoppedEarly: stopping.stopped,
    seconds,
    secondsPerEpoch: epochsRun ? trainSeconds / epochsRun : 0,
  };
  emit(summary);
  return { summary, bestWeights, bestTestPerUser };
}
