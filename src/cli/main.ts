#!/usr/bin/env node
/**
 * The anchorflow command line. Exit codes: 0 success, 2 user error (bad YAML, schema, graph, data, flags),
 * 1 internal error, 130 interrupted.
 */
import { Command, CommanderError, Option } from 'commander';
import {
  backendOption,
  collect,
  dataOptions,
  nonNegativeInt,
  outputModeOptions,
  poolOptions,
  positiveInt,
  protocolOption,
  seedOptions,
} from './options.js';
import { formatUserError, isUserError } from '../util/errors.js';
import { loadPlugins } from './plugins.js';
import { checkFlags } from '../util/flags.js';

/**
 * A command's module is imported when that command runs, so that `--help`, `--version`, a usage error and the
 * first frame of `run` do not wait for tfjs, Ink or the queue client to load.
 */
function lazy<K extends string>(load: () => Promise<{ [k in K]: (...args: never[]) => unknown }>, name: K) {
  return async (...args: unknown[]): Promise<void> => {
    const fn = (await load())[name] as (...a: unknown[]) => unknown;
    await fn(...args);
  };
}

const SECURITY_HELP = `
Security:
  Trusted (runs as you): plugins (--plugin, $ANCHORFLOW_PLUGINS) and your own pipeline files.
  Not trusted: queue jobs (a worker checks each one, reads no file a job names outside its data directory,
  and never loads a plugin a job or a pipeline names) and data files. data: URLs are refused as plugins.
  Redis passwords are never printed or stored: URLs show as redis://***@host:port.`;

export function buildProgram(): Command {
  const program = new Command('anchorflow')
    .description('Declarative multimodal recommender pipelines on TensorFlow.js')
    .version('0.1.0')
    .option(
      '--plugin <module>',
      'import a module (a file or an installed package) that registers extra ops (repeatable; also $ANCHORFLOW_PLUGINS, colon-separated). ' +
        'A plugin is code: it runs with your permissions in every command, check, ops and schema included',
      collect,
      [],
    )
    .addHelpText('after', SECURITY_HELP)
    .showHelpAfterError()
    .exitOverride();

  const run = program
    .command('run')
    .description('train and evaluate a pipeline (or continue a killed run with --resume <run-dir>)')
    .argument('[pipeline]', 'pipeline YAML file')
    .option('--resume <run-dir>', 'continue a run directory from its last finished epoch')
    .option('--detect-anomaly', 'check every op output for NaN / Inf while training (slow)')
    .option('--profile', 'report the share of time per phase and per operator')
    .option('--reference', 'straightforward execution without the optimised kernels (to check them)');
  dataOptions(run)
    .option('--set <key=value>', 'override a setting, e.g. params.dim=32 (repeatable)', collect, [])
    .option('--epochs <n>', 'maximum epochs', positiveInt('--epochs'));
  protocolOption(run);
  seedOptions(run, 'run n seeds (seed, seed+1, ...) and report mean ± std');
  backendOption(run)
    .option('--out <dir>', 'root of run directories', 'runs')
    .option('--no-save', 'write no run directory');
  outputModeOptions(run)
    .option('--watch', 'restart the run whenever the pipeline or a file it extends changes')
    .action(lazy(() => import('./run.js'), 'cmdRun'));

  const sweep = program
    .command('sweep')
    .description('run every point (configuration x seed) of a sweep; resumable; local processes or a Redis queue')
    .argument('<pipeline>', 'pipeline YAML file (its sweep: section, plus --grid)')
    .option(
      '--grid <key=v1,v2>',
      'sweep a setting over values, e.g. dim=16,32 or nodes.cf.layers=1,2 (repeatable)',
      collect,
      [],
    )
    .option('--set <key=value>', 'override a setting for every point (repeatable)', collect, []);
  seedOptions(sweep, 'seeds per configuration (first: --seed, else train.seed)')
    .option('--samples <n>', 'random search: n configurations drawn from the grid', positiveInt('--samples'))
    .option('--metric <name>', 'valid metric that picks the best configuration (default recall@20)');
  dataOptions(sweep).option('--epochs <n>', 'maximum epochs', positiveInt('--epochs'));
  protocolOption(sweep);
  poolOptions(sweep)
    .option(
      '--queue <url>',
      'enqueue the points on Redis (redis://[user:password@]host:port) for `anchorflow worker`s; default $ANCHORFLOW_QUEUE',
    )
    .option('--queue-name <name>', 'BullMQ queue name', 'anchorflow-points');
  backendOption(sweep).option('--out <dir>', 'root of sweep stores', 'sweeps');
  outputModeOptions(sweep).action(lazy(() => import('./sweep.js'), 'cmdSweep'));

  const zoo = program
    .command('zoo')
    .description(
      'run the model zoo (pipelines/anchorrec.yaml, anchorrec-official.yaml and baselines/*.yaml) x N seeds; resumable; one results table',
    )
    .argument(
      '[pipelines...]',
      'pipeline files or folders to run instead of the default set, in this order (a folder: its *.yaml, sorted)',
    );
  dataOptions(zoo);
  seedOptions(zoo, 'seeds per model (first: --seed, else train.seed)')
    .option('--models <a,b>', 'only these models (pipeline or file names)')
    .option('--pipelines <dir>', 'folder holding anchorrec.yaml and baselines/', 'pipelines')
    .option('--epochs <n>', 'maximum epochs', positiveInt('--epochs'))
    .option('--set <key=value>', 'override a setting in every model (repeatable)', collect, []);
  protocolOption(zoo);
  poolOptions(zoo);
  backendOption(zoo)
    .option('--store <dir>', 'root of the resumable point store (<dir>/zoo/<dataset>/)', 'sweeps')
    .option('--out <file.md>', 'the Markdown table; the JSON is written beside it (default: in the store)')
    .option(
      '--merge <results.json>',
      "carry an earlier zoo table's rows for the models not run here (ids checked against the current pipelines)",
    )
    .option('--table-only', 'write the table from what the store (and --merge) hold so far; run nothing')
    .option(
      '--baseline <model>',
      'the model every other row is compared with, paired over seeds and over test users (default: anchorrec, when in the table); `previous`: each row with the row before it',
    );
  outputModeOptions(zoo).action(lazy(() => import('./zoo.js'), 'cmdZoo'));

  const worker = program
    .command('worker')
    .description('run sweep points from a Redis queue (on any machine that has the data)')
    .option('--queue <url>', 'redis://[user:password@]host:port; default $ANCHORFLOW_QUEUE')
    .option('--queue-name <name>', 'BullMQ queue name', 'anchorflow-points')
    .option('--workers <n>', 'points run at once (default: number of cores)', positiveInt('--workers'));
  backendOption(worker)
    .option('--data-dir <root>', 'root holding <name>/<name>.inter (default: $ANCHORFLOW_DATA_DIR)')
    .option(
      '--lock-seconds <s>',
      'how long a point stays claimed without a sign of life from its worker',
      positiveInt('--lock-seconds'),
      30,
    )
    .action(lazy(() => import('./worker.js'), 'cmdWorker'));

  program
    .command('check')
    .description('validate pipelines (files or folders) without training')
    .argument('<paths...>', 'pipeline files or folders')
    .option('--set <key=value>', 'override a setting (repeatable)', collect, [])
    .option('--watch', 're-validate on every save of the pipelines and the files they extend')
    .option('--plain', 'plain lines even in a terminal (with --watch)')
    .action(lazy(() => import('./check.js'), 'cmdCheck'));

  program
    .command('graph')
    .description('print the compiled graph and its plan')
    .argument('<pipeline>', 'pipeline YAML file')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'dot', 'mermaid']).default('text'))
    .option('--set <key=value>', 'override a setting (repeatable)', collect, [])
    .action(lazy(() => import('./graph.js'), 'cmdGraph'));

  program
    .command('ops')
    .description('list the operators with their docs')
    .option('--json', 'as JSON')
    .option('--kernels', "list the project's own tfjs kernels and gradients instead")
    .action(lazy(() => import('./ops.js'), 'cmdOps'));

  const data = program.command('data').description('dataset tools');
  data
    .command('inspect')
    .description('summarise a dataset folder (MMRec layout) or a built-in synthetic set')
    .argument('<dataset>', 'a folder, a name under --data-dir, or synth:small / synth:baby')
    .option('--data-dir <root>', 'root holding <name>/<name>.inter')
    .option('--features <list>', 'feature files to load, e.g. v=image_feat.npy,t=audio_feat.npy')
    .option('--json', 'as JSON')
    .action(lazy(() => import('./data.js'), 'cmdDataInspect'));

  program
    .command('analyze')
    .description('embedding-space analyses and an HTML report of run directories (several: side by side)')
    .argument('<runDirs...>', 'run directories written by `anchorflow run`')
    .option('--out <dir>', 'output folder (default <first run dir>/analysis)')
    .option('--k <n>', 'neighbourhood size K (default 10)', positiveInt('--k'))
    .option('--sample <n>', 'items sampled for retrieval and t-SNE (default 100)', positiveInt('--sample'))
    .option('--seed <n>', 'sampling and t-SNE seed (default 0)', nonNegativeInt('--seed'))
    .action(lazy(() => import('./analyze.js'), 'cmdAnalyze'));

  program
    .command('schema')
    .description(
      'print the pipeline JSON Schema generated from the op registry (the resolved document that check validates)',
    )
    .option(
      '--source',
      'the schema of a pipeline file as written, for editors: ${...} expressions, partial files that extend another (JSON Schema 2020-12)',
    )
    .option('--write', 'write it to schemas/pipeline.schema.json (with --source: schemas/pipeline-source.schema.json)')
    .action(lazy(() => import('./schema.js'), 'cmdSchema'));

  program.hook('preAction', async (cmd) => {
    // A bad ANCHORFLOW_* value is refused before any command does work, whichever command reads it.
    checkFlags();
    await loadPlugins(cmd.optsWithGlobals().plugin ?? []);
  });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help')
        return 0;
      return 2; // commander already printed the message
    }
    if (isUserError(e)) {
      process.stderr.write(formatUserError(e) + '\n');
      return 2;
    }
    if ((e as Error)?.name === 'InterruptedError') {
      process.stderr.write(`${(e as Error).message}\n`);
      return 130;
    }
    if ((e as Error)?.name === 'NumericalError') {
      process.stderr.write(`training stopped: ${(e as Error).message}\n`);
      return 1;
    }
    process.stderr.write(`internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  }
}

/**
 * Resolves once everything written to the stream so far has been handed to the OS. A pipe takes 64 KiB at a
 * time, so exiting straight after a large write (`schema | wc -c`) would cut the output short.
 */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve();
    stream.write('', () => resolve());
  });
}

// A reader that went away (`schema | head`) ends our output, not the process with an unhandled EPIPE.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

main(process.argv).then(async (code) => {
  process.exitCode = code;
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  // Ink and tfjs may leave handles open; a CLI run is over when main returns and its output is out.
  setImmediate(() => process.exit(code));
});
