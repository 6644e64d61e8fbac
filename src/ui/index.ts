/** The UI layer's public API: reporters fed by engine events. The Ink view loads lazily inside createReporter. */
export { createReporter, wantsInk } from './reporter.js';
export type { Reporter, ReporterMode, ReporterOptions } from './reporter.js';
export { createPlainReporter } from './plain.js';
export type { PlainReporterOptions } from './plain.js';
export { createJsonReporter } from './json.js';
export type { JsonReporterOptions } from './json.js';
export { safeOutput } from './output.js';
export type { SafeOutput } from './output.js';
export * as format from './format.js';
export { checkWatchLines, loadCheckWatchView, summaryText } from './check-watch.js';
export type { CheckWatchFile, CheckWatchState } from './check-watch.js';
