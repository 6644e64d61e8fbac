/**
 * Options that several commands share (run, sweep, zoo, worker, analyze): declared once here so that a flag reads,
 * parses and errors the same everywhere, and mapped once to the option objects of the experiment layer.
 */
import { Option, type Command } from 'commander';
import { backendChoices } from '../engine/backend.js';
import { UserError } from '../util/errors.js';
import type { ReporterMode } from '../ui/index.js';
import { PROTOCOLS } from '../experiments/protocol.js';

export const collect = (v: string, acc: string[]) => [...acc, v];

/** A parser for a positive integer flag; the error names the flag (exit 2). */
export const positiveInt = (name: string) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UserError(`${name} must be a positive integer, got '${v}'`, { file: name });
  return Number(v);
};

/** A parser for a non-negative integer flag (seeds start anywhere from 0). */
export const nonNegativeInt = (name: string) => (v: string) => {
  if (!/^\d+$/.test(v)) throw new UserError(`${name} must be a non-negative integer, got '${v}'`, { file: name });
  return Number(v);
};

/** --dataset, --data, --data-dir: where the interactions come from. */
export function dataOptions(cmd: Command): Command {
  return cmd
    .option('--dataset <name>', 'dataset name under the data root, or synth:small / synth:baby')
    .option('--data <dir>', 'a dataset folder in MMRec layout')
    .option('--data-dir <root>', 'root holding <name>/<name>.inter (default: $ANCHORFLOW_DATA_DIR)');
}

/** --seeds and --seed; `seedsHelp` says what the seeds are of. */
export function seedOptions(cmd: Command, seedsHelp: string): Command {
  return cmd.option('--seeds <n>', seedsHelp, positiveInt('--seeds')).option('--seed <n>', 'first seed', nonNegativeInt('--seed'));
}

export function backendOption(cmd: Command): Command {
  return cmd.addOption(new Option('--backend <name>', 'tfjs backend').choices(backendChoices).default('auto'));
}

/** --json and --plain: how progress is shown. */
export function outputModeOptions(cmd: Command): Command {
  return cmd.option('--json', 'print one JSON event per line').option('--plain', 'plain lines even in a terminal');
}

/** --workers and --retries of the local point pool (sweep, zoo). */
export function poolOptions(cmd: Command): Command {
  return cmd
    .option('--workers <n>', 'points run at once on this machine (default: number of cores)', positiveInt('--workers'))
    .option('--retries <n>', 'extra attempts for a point whose process died', nonNegativeInt('--retries'), 2);
}

export interface DataFlags {
  dataset?: string;
  data?: string;
  dataDir?: string;
}

/** The data source of a command's flags, in the experiment layer's names. */
export function dataSource(flags: DataFlags): { dataset?: string; dataPath?: string; dataDir?: string } {
  return { dataset: flags.dataset, dataPath: flags.data, dataDir: flags.dataDir };
}

export interface OutputModeFlags {
  json?: boolean;
  plain?: boolean;
}

export function reporterMode(flags: OutputModeFlags): ReporterMode {
  return flags.json ? 'json' : flags.plain ? 'plain' : 'auto';
}


/** --protocol: how long models train and when they stop (experiments/protocol.ts). */
export function protocolOption(cmd: Command): Command {
  return cmd.addOption(
    new Option('--protocol <name>', 'mmrec: the pipeline as written (early stopping on valid); official: 100 epochs (or --epochs), never stopping early; both report test at the best valid epoch')
      .choices(PROTOCOLS)
      .default('mmrec'),
  );
}
