/**
 * Options that several commands share (run, sweep, zoo, worker, analyze): declared once here so that a flag reads,
 * parses and errors the same everywhere, and mapped once to the option objects of the experiment layer.
 */
import { Option, type Command } from 'commander';
import { backendChoices } from '../engine/backend-choice.js';
import { UserError } from '../util/errors.js';
import type { ReporterMode } from '../ui/index.js';
import { PROTOCOLS } from '../experiments/protocol.js';
import type { FeatureSource } from '../data/types.js';

export const collect = (v: string, acc: string[]) => [...acc, v];

/** A parser for a positive integer flag; the error names the flag (exit 2). */
export const positiveInt = (name: string) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < 1)
    throw new UserError(`${name} must be a positive integer, got '${v}'`, { file: name });
  return Number(v);
};

/** A parser for a non-negative integer flag (seeds start anywhere from 0). */
export const nonNegativeInt = (name: string) => (v: string) => {
  if (!/^\d+$/.test(v)) throw new UserError(`${name} must be a non-negative integer, got '${v}'`, { file: name });
  return Number(v);
};

/** --dataset, --data, --data-dir: where the interactions come from; --features: which files are which modality. */
export function dataOptions(cmd: Command): Command {
  return cmd
    .option('--dataset <name>', 'dataset name under the data root, or synth:small / synth:baby')
    .option('--data <dir>', 'a dataset folder in MMRec layout')
    .option('--data-dir <root>', 'root holding <name>/<name>.inter (default: $ANCHORFLOW_DATA_DIR)')
    .option(
      '--features <list>',
      'feature files by modality, e.g. v=image_feat.npy,t=text_feat.npy; generated ones by name: v=synthetic:4096',
    );
}

/**
 * `--features v=image_feat.npy,t=text_feat.npy,mm=synthetic:768`: a file relative to the dataset folder, or
 * generated features of a width, asked for by name (`synthetic:<width>`).
 */
export function parseFeaturesFlag(list: string): Record<string, FeatureSource> {
  const out: Record<string, FeatureSource> = {};
  for (const part of list.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    const where = { file: '--features' };
    if (eq <= 0 || !value)
      throw new UserError(
        `--features expects key=file pairs, got '${part}' (e.g. v=image_feat.npy,t=text_feat.npy, or v=synthetic:4096)`,
        where,
      );
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      throw new UserError(`'${key}' is not a modality name (letters, digits, _), in '${part}'`, where);
    if (key in out) throw new UserError(`modality '${key}' is given twice`, where);
    const synth = /^synthetic:(.*)$/.exec(value);
    if (synth) {
      if (!/^\d+$/.test(synth[1]!) || Number(synth[1]) < 1)
        throw new UserError(`synthetic:<width> needs a positive integer width, got '${value}'`, where);
      out[key] = { synthetic: Number(synth[1]) };
    } else out[key] = value;
  }
  return out;
}

/** --seeds and --seed; `seedsHelp` says what the seeds are of. */
export function seedOptions(cmd: Command, seedsHelp: string): Command {
  return cmd
    .option('--seeds <n>', seedsHelp, positiveInt('--seeds'))
    .option('--seed <n>', 'first seed', nonNegativeInt('--seed'));
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
  features?: string;
}

/** The data source of a command's flags, in the experiment layer's names. */
export function dataSource(flags: DataFlags): {
  dataset?: string;
  dataPath?: string;
  dataDir?: string;
  features?: Record<string, FeatureSource>;
} {
  return {
    dataset: flags.dataset,
    dataPath: flags.data,
    dataDir: flags.dataDir,
    ...(flags.features !== undefined ? { features: parseFeaturesFlag(flags.features) } : {}),
  };
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
    new Option(
      '--protocol <name>',
      'mmrec: the pipeline as written (early stopping on valid; the default on a dataset folder); official: 100 epochs (or --epochs), ' +
        'never stopping early; quick: 10 epochs, the default on built-in synthetic data (a demonstration); all report test at the best valid epoch',
    ).choices(PROTOCOLS),
  );
}
