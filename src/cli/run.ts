import { runPipeline } from '../experiments/run.js';
import { createReporter } from '../ui/index.js';
import type { BackendChoice } from '../engine/backend.js';

interface RunFlags {
  dataset?: string;
  data?: string;
  dataDir?: string;
  set: string[];
  epochs?: number;
  seeds?: number;
  seed?: number;
  backend: BackendChoice;
  out: string;
  save: boolean;
  json?: boolean;
  plain?: boolean;
}

export async function cmdRun(file: string, flags: RunFlags): Promise<void> {
  const abort = new AbortController();
  // A reader that went away (`anchorflow run ... | head`) ends the run quietly, like SIGPIPE would.
  const reporter = createReporter({ mode: flags.json ? 'json' : flags.plain ? 'plain' : 'auto', onClosedEarly: () => abort.abort() });
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  try {
    await runPipeline({
      file,
      set: flags.set,
      dataset: flags.dataset,
      dataPath: flags.data,
      dataDir: flags.dataDir,
      epochs: flags.epochs,
      seeds: flags.seeds,
      seed: flags.seed,
      backend: flags.backend,
      out: flags.save ? flags.out : false,
      emit: reporter.sink,
      signal: abort.signal,
    });
  } catch (e) {
    if (!(reporter.closedEarly && (e as Error)?.name === 'InterruptedError')) throw e;
  } finally {
    process.off('SIGINT', onSigint);
    await reporter.close();
  }
}
