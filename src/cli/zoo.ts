import type { Command } from 'commander';
import { runZoo } from '../experiments/zoo.js';
import { createSweepReporter } from '../ui/sweep.js';
import type { BackendChoice } from '../engine/backend.js';
import { abortOnSignals } from './sweep.js';
import { pluginList } from './plugins.js';
import { dataSource, reporterMode, type DataFlags, type OutputModeFlags } from './options.js';
import type { Protocol } from '../experiments/protocol.js';
import { missingPathError } from './pipeline-path.js';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';

interface ZooFlags extends DataFlags, OutputModeFlags {
  seeds?: number;
  seed?: number;
  epochs?: number;
  protocol?: Protocol;
  models?: string;
  pipelines: string;
  set: string[];
  workers?: number;
  retries: number;
  backend: BackendChoice;
  store: string;
  out?: string;
  merge?: string;
  tableOnly?: boolean;
  baseline?: string;
}

/** The command as typed, shell-quoted where needed, for the table's header. */
function commandLine(argv: string[]): string {
  const q = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['anchorflow', ...argv.map(q)].join(' ');
}

/**
 * The pipelines named on the command line, in the order given: a file as it is, a folder as its pipelines
 * (`*.yaml` not starting with `_`, the fragments that others extend), sorted by name.
 */
export function zooFiles(args: string[]): string[] {
  return args.flatMap((a) => {
    if (!existsSync(a)) throw missingPathError(a);
    if (!statSync(a).isDirectory()) return [a];
    const found = readdirSync(a)
      .filter((f) => f.endsWith('.yaml') && !f.startsWith('_'))
      .sort()
      .map((f) => join(a, f));
    if (!found.length) throw new UserError(`no pipelines (*.yaml) in this folder`, { file: a });
    return found;
  });
}

/** `anchorflow zoo`: the flagship and every baseline x N seeds, resumable, one results table. */
export async function cmdZoo(pipelines: string[], flags: ZooFlags, cmd?: Command): Promise<void> {
  const files = pipelines.length ? zooFiles(pipelines) : undefined;
  if (!files && !existsSync(flags.pipelines)) throw missingPathError(flags.pipelines, 'folder');
  const reporter = createSweepReporter({ mode: reporterMode(flags) });
  const stop = abortOnSignals();
  let r: Awaited<ReturnType<typeof runZoo>>;
  try {
    r = await runZoo({
      pipelinesDir: flags.pipelines,
      ...(files ? { files } : {}),
      models: flags.models
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      ...dataSource(flags),
      seeds: flags.seeds,
      seed: flags.seed,
      epochs: flags.epochs,
      protocol: flags.protocol,
      set: flags.set,
      workers: flags.workers,
      retries: flags.retries,
      backend: flags.backend,
      store: flags.store,
      out: flags.out,
      merge: flags.merge,
      tableOnly: flags.tableOnly,
      baseline: flags.baseline,
      command: commandLine(process.argv.slice(2)),
      plugins: pluginList(cmd),
      emit: reporter.sink,
      signal: stop.signal,
    });
  } finally {
    stop.dispose();
    await reporter.close();
  }
  // The summary goes to stderr in JSON mode so that stdout stays one event per line.
  const say = (s: string) => (flags.json ? process.stderr : process.stdout).write(s + '\n');
  const carried = r.carried ? `, ${r.carried} carried from --merge` : '';
  say(
    `zoo: ${r.ran} point${r.ran === 1 ? '' : 's'} run, ${r.reused} reused from the store${carried}, ${r.failed} failed; wrote ${r.files.join(', ')}`,
  );
  if (r.interrupted) {
    process.stderr.write(`interrupted: run the same command again to continue\n`);
    process.exitCode = 130;
  } else if (r.failed) process.exitCode = 1;
}
