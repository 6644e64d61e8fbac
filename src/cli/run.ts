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
  const reporter = createReporter({ mode: flags.json ? 'json' : flags.plain ? 'plain' : 'auto' });
  const abort = new AbortController();
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
  } finally {
    process.off('SIGINT', onSigint);
    await reporter.close();
  }
}
