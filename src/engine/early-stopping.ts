/**
 * The early-stopping rule, as MMRec applies it, kept apart from training so that a fresh run and a resumed one
 * follow the one statement of it:
 * - Only evaluations count: `update` is called once per evaluation (every `eval_every` epochs and at the last
 *   epoch), and patience is a number of evaluations, not of epochs.
 * - An evaluation improves when its metric is strictly greater than the best so far; a tie is no improvement.
 *   Before the first improvement the best is -1, so any real (non-negative) metric value improves on it.
 * - NaN never improves (every comparison with NaN is false), so it counts as a failed evaluation.
 * - Each failed evaluation adds one to `sinceBest`; an improvement sets it back to 0 and records the epoch.
 * - The run stops once `sinceBest` exceeds `patience` (MMRec's `cur_step > stopping_step`): with patience p,
 *   p failed evaluations in a row are tolerated and the (p+1)-th stops it. With `stop: false` it never stops;
 *   the best epoch is still tracked.
 * The state is three numbers that a checkpoint stores, so a resumed run rebuilds exactly the state an
 * uninterrupted one would hold at that point (`EarlyStopping.resume`).
 */

export interface EarlyStoppingRule {
  patience: number;
  /** false: never stop; the best epoch is still tracked. */
  stop?: boolean;
}

/** What a checkpoint keeps of the rule's state. */
export interface EarlyStoppingCounters {
  /** The best metric value so far; -1 before any improvement. */
  best: number;
  /** The 1-based epoch of `best`; -1 before any improvement. */
  bestEpoch: number;
  /** Evaluations since the last improvement. */
  sinceBest: number;
}

export class EarlyStopping {
  best = -1;
  bestEpoch = -1;
  sinceBest = 0;

  constructor(readonly rule: EarlyStoppingRule) {}

  /** The state after the evaluations a resumed run's checkpoint counted. */
  static resume(rule: EarlyStoppingRule, saved: EarlyStoppingCounters): EarlyStopping {
    const s = new EarlyStopping(rule);
    s.best = saved.best;
    s.bestEpoch = saved.bestEpoch;
    s.sinceBest = saved.sinceBest;
    return s;
  }

  /** Records one evaluation of `epoch` (1-based) with the valid metric `value`; true when it improved. */
  update(epoch: number, value: number): boolean {
    if (value > this.best) {
      this.best = value;
      this.bestEpoch = epoch;
      this.sinceBest = 0;
      return true;
    }
    this.sinceBest++;
    return false;
  }

  /** Whether training ends here. */
  get stopped(): boolean {
    return this.rule.stop !== false && this.sinceBest > this.rule.patience;
  }

  /** Failed evaluations still tolerated (negative once stopped); Infinity when the rule never stops. */
  get patienceLeft(): number {
    return this.rule.stop !== false ? this.rule.patience - this.sinceBest : Infinity;
  }

  counters(): EarlyStoppingCounters {
    return { best: this.best, bestEpoch: this.bestEpoch, sinceBest: this.sinceBest };
  }
}
