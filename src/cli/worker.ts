import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { runWorker } from '../experiments/sweep/index.js';
import type { BackendChoice } from '../engine/backend.js';
import { UserError } from '../util/errors.js';
import { flag, flagVariable } from '../util/flags.js';
import { abortOnSignals } from './sweep.js';
import { pluginList } from './plugins.js';

interface WorkerFlags {
  queue?: string;
  queueName?: string;
  workers?: number;
  backend: BackendChoice;
  dataDir?: string;
  lockSeconds: number;
}

export async function cmdWorker(flags: WorkerFlags, cmd?: Command): Promise<void> {
  const queue = flags.queue ?? flag('queue');
  if (!queue)
    throw new UserError(`worker needs --queue redis://host:port (or ${flagVariable('queue')})`, { file: '--queue' });
  const stop = abortOnSignals();
  try {
    await runWorker({
      url: queue,
      queueName: flags.queueName,
      concurrency: flags.workers ?? availableParallelism(),
      backend: flags.backend,
      dataDir: flags.dataDir,
      plugins: pluginList(cmd),
      lockSeconds: flags.lockSeconds,
      log: (l) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${l}\n`),
      signal: stop.signal,
    });
  } finally {
    stop.dispose();
  }
}
