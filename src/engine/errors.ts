/** A numerical fault (NaN / Inf), reported with the loss term or node, the epoch and the batch. */
export class NumericalError extends Error {
  override name = 'NumericalError';
}

/** Training stopped between batches (SIGINT, or the reader of the output went away). */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
}
