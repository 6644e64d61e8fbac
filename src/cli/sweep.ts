import type { Command } from 'commander';
import { runSweep } from '../experiments/sweep/index.js';
import { createSweepReporter } from '../ui/sweep.js';
import type { BackendChoice } from '../engine/backend.js';
import { dataSource, reporterMode, type DataFlags, type OutputModeFlags } from './options.js';
import type { Protocol } from '../experiments/protocol.js';
import { pluginList } from './plugins.js';
import { checkPipelinePath } from './pipeline-path.js';
import { flag } from '../util/flags.js';

interface SweepFlags extends DataFlags, OutputModeFlags {
  set: string[];
  grid: string[];
  epochs?: number;
  protocol?: Protocol;
  seeds?: number;
  seed?: number;
  samples?: number;
  metric?: string;
  workers?: number;
  retries: number;
  queue?: string;
  queueName?: string;
  backend: BackendChoice;
  out: string;
}

/** Ctrl+C / SIGTERM stop the sweep: running points are ended and re-run by the next `sweep`. */
export function abortOnSignals(): { signal: AbortSignal; dispose(): void } {
  const abort = new AbortController();
  const on = () => abort.abort();
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  return { signal: abort.signal, dispose: () => (process.off('SIGINT', on), process.off('SIGTERM', on)) };
}

export async function cmdSweep(file: string, flags: SweepFlags, cmd?: Command): Promise<void> {
  checkPipelinePath(file);
  const queue = flags.queue ?? flag('queue');
  const reporter = createSweepReporter({ mode: reporterMode(flags) });
  const stop = abortOnSignals();
  try {
    const r = await runSweep({
      file,
      set: flags.set,
      grid: flags.grid,
      ...dataSource(flags),
      epochs: flags.epochs,
      protocol: flags.protocol,
      seeds: flags.seeds,
      seed: flags.seed,
      samples: flags.samples,
      metric: flags.metric,
      workers: flags.workers,
      retries: flags.retries,
      queue,
      queueName: flags.queueName,
      backend: flags.backend,
      out: flags.out,
      plugins: pluginList(cmd),
      emit: reporter.sink,
      signal: stop.signal,
    });
    if (r.interrupted) {
      process.stderr.write(
        `interrupted: ${r.results.points.done}/${r.results.points.total} points stored; run the same command again to continue\n`,
      );
      process.exitCode = 130;
    } else if (r.failed) process.exitCode = 1;
  } finally {
    stop.dispose();
    await reporter.close();
  }
}
