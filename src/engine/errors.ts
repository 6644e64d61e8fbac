/** A numerical fault (NaN / Inf), reported with the loss term or node, the epoch and the batch. */
export class NumericalError extends Error {
  override name = 'NumericalError';
}

/** Training stopped between batches (SIGINT, or the reader of the output went away). */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
  /**
   * @param epochsDone epochs of the current seed finished (and checkpointed, when there is a run directory)
   *   before the stop; undefined where nobody counted.
   */
  constructor(
    message: string,
    readonly epochsDone?: number,
  ) {
    super(message);
  }
}
