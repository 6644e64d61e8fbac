/**
 * Training protocols: how long a model trains and when it stops. Both select the reported epoch the same way,
 * by the best valid metric, and report test at that epoch; they differ only in the stopping rule.
 * - `mmrec`: the pipeline as written (the shared MMRec defaults: up to 1000 epochs, early stopping on valid).
 * - `official`: the official AnchorRec runs: 100 epochs, never stopping early.
 * - `quick`: a short budget of QUICK_EPOCHS epochs (early stopping as written), the default on the built-in
 *   synthetic data, so that the first run of a new user finishes in about a minute and a half on two cores.
 *   Its numbers are a demonstration, not a result: the summary of such a run says so and names `--protocol mmrec`.
 * A protocol is expressed as overrides of the pipeline, so it is part of the resolved pipeline, and therefore of
 * the run's hash and of every sweep / zoo point id: stores never mix results of different protocols.
 */
export const PROTOCOLS = ['mmrec', 'official', 'quick'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** Epochs of the official protocol. */
export const OFFICIAL_EPOCHS = 100;

/**
 * Epochs of the quick protocol: where AnchorRec's valid Recall@20 on synth:small levels off (docs/measurements.md
 * has the curve), at about nine seconds an epoch on two cores.
 */
export const QUICK_EPOCHS = 10;

/** The protocol when none is asked for: `quick` on built-in synthetic data, `mmrec` on a dataset folder. */
export function defaultProtocol(dataset: string, fromFolder: boolean): Protocol {
  return !fromFolder && dataset.startsWith('synth:') ? 'quick' : 'mmrec';
}

/**
 * The `--set` overrides a protocol stands for. They come before the user's own overrides, so an explicit
 * `--epochs` (or `--set train.epochs=...`) still sets the number of epochs under `official`, which then runs
 * exactly that many without stopping early.
 */
export function protocolOverrides(protocol: Protocol | undefined): string[] {
  if (protocol === undefined || protocol === 'mmrec') return [];
  if (protocol === 'quick') return [`train.epochs=${QUICK_EPOCHS}`];
  return [`train.epochs=${OFFICIAL_EPOCHS}`, 'train.early_stopping.stop=false'];
}

/** The selection rule as the run's metrics and the zoo's table state it. */
export function selectionText(metric: string, stop: boolean | undefined): string {
  return stop === false
    ? `all epochs run (no early stopping); the best epoch per seed by valid ${metric}; test reported at that epoch`
    : `best epoch per seed by valid ${metric} (early stopping on valid); test reported at that epoch`;
}
