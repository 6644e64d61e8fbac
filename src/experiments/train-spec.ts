/** Builds the engine's TrainSpec from a resolved pipeline's `train:` and `eval:` sections. */
import type { Pipeline } from '../dsl/types.js';
import type { TrainSpec } from '../engine/train-spec.js';

/** The default epsilon of Adam when a pipeline does not set one. */
const ADAM_EPS = 1e-8;

export function trainSpecOf(p: Pick<Pipeline, 'train' | 'eval'>): TrainSpec {
  const t = p.train;
  return {
    epochs: t.epochs,
    batchSize: t.batch_size,
    adam: { lr: t.optimizer.adam.lr, eps: t.optimizer.adam.eps ?? ADAM_EPS },
    lrSchedule: [t.lr_schedule[0], t.lr_schedule[1]],
    earlyStopping: { ...t.early_stopping },
    evalEvery: t.eval_every,
    rng: { ...t.rng },
    eval: { metrics: [...p.eval.metrics], ks: [...p.eval.k], batchUsers: p.eval.batch_users },
  };
}
