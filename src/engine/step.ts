/**
 * One optimisation step: the model's losses on a batch, their gradients with respect to every trainable
 * variable, and the optimizer's update. Every tensor the step makes is freed before it returns; only the loss
 * values come back, as numbers.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch as HostBatch } from '../data/sampler.js';
import type { Batch } from '../ops/types.js';
import type { RandomStream } from '../util/rng.js';
import { NumericalError } from './errors.js';
import type { Model } from './executor.js';
import type { Profiler } from './profiler.js';

export interface StepSetup {
  model: Model;
  optimizer: tf.Optimizer;
  /** The variables the gradients are taken with respect to (the model's trainable ones). */
  vars: tf.Variable[];
  /** The stream of the steps' own randomness (dropout, edge dropout, ...). */
  rng: RandomStream;
  /** Check every op's output for NaN / Inf (slow; for debugging). */
  detectAnomaly?: boolean;
  profiler?: Profiler;
}

/**
 * Trains on `batch` in `epoch` (0-based, as ops see it); returns each loss term and `total`. `where` (`in epoch
 * 3, batch 7`) ends the message of a NumericalError, raised for a NaN / Inf loss after the update.
 */
export function step(s: StepSetup, batch: HostBatch, epoch: number, where: string): Record<string, number> {
  const { model, optimizer, profiler: prof } = s;
  const { users: u, pos: p, neg } = batch;
  let names: string[] = [];
  let kept: tf.Tensor | undefined;
  let forwardMs = 0;
  const tStep = performance.now();
  tf.tidy(() => {
    const b: Batch = {
      size: u.length,
      users: tf.tensor1d(u, 'int32'),
      pos: tf.tensor1d(p, 'int32'),
      neg: tf.tensor1d(neg, 'int32'),
      usersHost: u,
      posHost: p,
      negHost: neg,
    };
    const ctx = model.context(true, b, epoch, s.rng);
    if (s.detectAnomaly) ctx.detectAnomaly = true;
    if (prof) ctx.onOp = (node, op, ms) => prof.op(node, op, ms);
    const { grads } = tf.variableGrads(() => {
      const tFwd = performance.now();
      const { total, terms } = (() => {
        try {
          return model.losses(ctx);
        } catch (e) {
          if (e instanceof NumericalError) throw new NumericalError(`${e.message} ${where}`);
          throw e;
        }
      })();
      names = [...terms.keys()];
      // Kept out of the tape's clean-up so the terms can be read once the step is applied.
      kept = tf.keep(tf.stack([...terms.values(), total]));
      forwardMs = performance.now() - tFwd;
      return total;
    }, s.vars);
    const tOpt = performance.now();
    optimizer.applyGradients(grads as tf.NamedTensorMap as never);
    if (prof) {
      prof.add('optimizer', performance.now() - tOpt);
      prof.add('forward', forwardMs);
      prof.add('backward', tOpt - tStep - forwardMs);
    }
  });
  const tRead = performance.now();
  const vals = kept!.dataSync();
  kept!.dispose();
  prof?.add('read losses', performance.now() - tRead);
  const losses: Record<string, number> = {};
  names.forEach((name, i) => (losses[name] = vals[i]!));
  losses.total = vals[names.length]!;
  if (!Number.isFinite(losses.total)) {
    const bad = names.find((nm) => !Number.isFinite(losses[nm]!)) ?? 'total';
    throw new NumericalError(`loss '${bad}' became ${losses[bad]} ${where}`);
  }
  return losses;
}
