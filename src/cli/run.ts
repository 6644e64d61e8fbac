import type { RunOptions } from '../experiments/run.js';
import { createReporter } from '../ui/index.js';
import type { BackendChoice } from '../engine/backend.js';
import { UserError } from '../util/errors.js';
import { setReferenceMode } from '../ops/kernels/mode.js';
import { dataSource, reporterMode, type DataFlags, type OutputModeFlags } from './options.js';
import type { Protocol } from '../experiments/protocol.js';
import { checkPipelinePath } from './pipeline-path.js';

export interface RunFlags extends DataFlags, OutputModeFlags {
  set: string[];
  epochs?: number;
  protocol?: Protocol;
  seeds?: number;
  seed?: number;
  backend: BackendChoice;
  out: string;
  save: boolean;
  resume?: string;
  detectAnomaly?: boolean;
  profile?: boolean;
  reference?: boolean;
  watch?: boolean;
}

/** The run options a set of `run` flags stands for (shared by `run` and `run --watch`). */
export function runOptions(file: string, flags: Omit<RunFlags, 'resume'>): RunOptions {
  return {
    file,
    detectAnomaly: flags.detectAnomaly,
    profile: flags.profile,
    set: flags.set,
    ...dataSource(flags),
    epochs: flags.epochs,
    protocol: flags.protocol,
    seeds: flags.seeds,
    seed: flags.seed,
    backend: flags.backend,
    out: flags.save ? flags.out : false,
  };
}

export async function cmdRun(file: string | undefined, flags: RunFlags): Promise<void> {
  if (!file && !flags.resume)
    throw new UserError('run needs a pipeline file, or --resume <run-dir>', { file: 'anchorflow run' });
  if (file && flags.resume)
    throw new UserError('give either a pipeline file or --resume <run-dir>, not both', { file: '--resume' });
  if (file) checkPipelinePath(file);
  // Before the watch branch: the runs `--watch` restarts are in this process and must see it too.
  if (flags.reference) setReferenceMode(true);
  if (flags.watch) {
    if (!file) throw new UserError('--watch needs a pipeline file to watch', { file: '--watch' });
    return (await import('./watch.js')).runWatch(file, flags);
  }
  const abort = new AbortController();
  // A reader that went away (`anchorflow run ... | head`) ends the run quietly, like SIGPIPE would.
  const reporter = createReporter({ mode: reporterMode(flags), onClosedEarly: () => abort.abort() });
  // The first Ctrl+C stops the run after the current batch (the finished epochs are checkpointed) and says how
  // to continue; a second one, for a run stuck in a long step, exits at once.
  const onSigint = () => {
    if (!abort.signal.aborted) return abort.abort();
    process.stderr.write('\ninterrupted again: exiting now\n');
    process.exit(130);
  };
  process.on('SIGINT', onSigint);
  try {
    // The first frame is on screen before any heavy work starts.
    await reporter.settle();
    // Loaded only now, after the first frame: it brings tfjs, which takes a second or more to load.
    reporter.sink({ type: 'stage', stage: 'load', message: 'loading tfjs and the operators' });
    await reporter.settle();
    const { runPipeline } = await import('../experiments/run.js');
    const result = await runPipeline({
      ...runOptions(file ?? '', flags),
      resume: flags.resume,
      emit: reporter.sink,
      settle: () => reporter.settle(),
      signal: abort.signal,
    });
    // For people only: JSON output keeps ending with the result event, as programs reading it expect.
    if (reporter.mode !== 'json') {
      const protocol = (result.protocol ?? 'mmrec') as Protocol;
      const { summarizeRun } = await import('../experiments/summary.js');
      reporter.sink(summarizeRun(result, { protocol, out: flags.save ? flags.out : undefined, file }));
    }
  } catch (e) {
    if (!(reporter.closedEarly && (e as Error)?.name === 'InterruptedError')) throw e;
  } finally {
    process.off('SIGINT', onSigint);
    await reporter.close();
  }
}
