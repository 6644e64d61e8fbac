/**
 * Progress, throughput and ETA for display, from the wall-clock stamps of the events. Estimates
 * only: a run stops early when validation stops improving, so the run ETA is an upper bound with a floor.
 */
import type { ViewState } from './store.js';

export interface Timing {
  batchFraction: number;
  batchesPerSecond?: number;
  batchEtaSeconds?: number;
  epochFraction: number;
  secondsPerEpoch?: number;
  /** Time left if training runs to max epochs. */
  etaMaxSeconds?: number;
  /** Time left if validation never improves again (early stopping after `patienceLeft` epochs). */
  etaPatienceSeconds?: number;
  elapsedSeconds?: number;
}

export function timing(s: ViewState): Timing {
  const out: Timing = { batchFraction: 0, epochFraction: 0 };
  const run = s.run;
  if (s.seedStartedAt !== undefined) out.elapsedSeconds = (s.now - s.seedStartedAt) / 1000;
  const b = s.batch;
  if (b && b.batches > 0) {
    out.batchFraction = Math.min(1, b.batch / b.batches);
    if (s.epochStartedAt !== undefined && s.now > s.epochStartedAt && b.batch > 0) {
      const rate = b.batch / ((s.now - s.epochStartedAt) / 1000);
      out.batchesPerSecond = rate;
      out.batchEtaSeconds = Math.max(0, b.batches - b.batch) / rate;
    }
  }
  if (s.phase === 'evaluating' || s.phase === 'between') out.batchFraction = 1;
  if (!run) return out;
  const epoch = s.epoch ?? 0;
  // The current epoch counts as done in proportion to its batches.
  const inEpoch = s.phase === 'training' ? out.batchFraction : 1;
  const done = s.epoch === undefined ? 0 : Math.max(0, epoch - 1 + inEpoch);
  out.epochFraction = run.maxEpochs > 0 ? Math.min(1, done / run.maxEpochs) : 0;

  // Only whole epochs timed in this process: the first epoch's batches say little about the rest (warm-up,
  // evaluation, checkpoints), and a resumed run's earlier epochs ran in another process, at another time.
  if (s.epochsTimed > 0 && s.timedFrom !== undefined && s.lastEpochEndAt !== undefined) {
    out.secondsPerEpoch = (s.lastEpochEndAt - s.timedFrom) / 1000 / s.epochsTimed;
  }
  if (out.secondsPerEpoch !== undefined) {
    const left = Math.max(0, run.maxEpochs - done);
    out.etaMaxSeconds = left * out.secondsPerEpoch;
    if (s.lastEval) {
      // patienceLeft counts epochs after the last evaluated one; the part of the current epoch already run counts.
      const sinceEval = Math.max(0, done - s.lastEval.epoch);
      const patienceLeft = Math.max(0, Math.min(left, s.lastEval.patienceLeft - sinceEval));
      out.etaPatienceSeconds = patienceLeft * out.secondsPerEpoch;
    }
  }
  return out;
}
