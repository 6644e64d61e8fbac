/**
 * The environment settings the program reads, declared once: each ANCHORFLOW_* variable's name, type, default
 * and meaning, and one parse that refuses a bad value by naming the variable (a mistyped number must not fall
 * back to the default unnoticed). Code reads a setting with `flag('reference')`. Tests override one with
 * `setFlag` and undo it with `resetFlags`, leaving process.env alone; `flagEnv()` is the environment a child
 * process gets, so an override (`run --reference`) reaches the child as its variable.
 * An empty variable counts as unset, as it always has for each of these.
 */
import { UserError, quote } from './errors.js';

interface FlagSpec<T> {
  /** The environment variable. */
  env: string;
  type: 'boolean' | 'number' | 'string';
  default: T;
  /** One line for the README table. */
  doc: string;
  /** The value of a non-empty variable; a UserError naming the variable when it is not one. */
  parse(raw: string, env: string): T;
  /** The variable's text for a value (undefined: leave it unset). */
  format(value: T): string | undefined;
}

function bad(env: string, raw: string, want: string): UserError {
  return new UserError(`must be ${want}, got '${quote(raw)}'`, { file: env });
}

/** `1` on, `0` off: the only spellings, so `=true` or `=no` is refused rather than read one way or the other. */
function booleanFlag(env: string, doc: string): FlagSpec<boolean> {
  return {
    env,
    type: 'boolean',
    default: false,
    doc,
    parse: (raw, name) => {
      if (raw === '1') return true;
      if (raw === '0') return false;
      throw bad(name, raw, '1 (on) or 0 (off)');
    },
    format: (v) => (v ? '1' : '0'),
  };
}

function positiveNumberFlag(env: string, dflt: number, unit: string, doc: string): FlagSpec<number> {
  return {
    env,
    type: 'number',
    default: dflt,
    doc,
    parse: (raw, name) => {
      const n = raw.trim() === '' ? NaN : Number(raw);
      if (!Number.isFinite(n) || n <= 0) throw bad(name, raw, `a positive number of ${unit}`);
      return n;
    },
    format: (v) => String(v),
  };
}

/** A whole number >= 1, unset by default (the reader supplies a default that depends on the machine). */
function countFlag(env: string, doc: string): FlagSpec<number | undefined> {
  return {
    env,
    type: 'number',
    default: undefined,
    doc,
    parse: (raw, name) => {
      const n = raw.trim() === '' ? NaN : Number(raw);
      if (!Number.isInteger(n) || n < 1) throw bad(name, raw, 'a whole number of at least 1');
      return n;
    },
    format: (v) => (v === undefined ? undefined : String(v)),
  };
}

function stringFlag(env: string, doc: string): FlagSpec<string | undefined> {
  return { env, type: 'string', default: undefined, doc, parse: (raw) => raw, format: (v) => v };
}

/** Every ANCHORFLOW_* setting, in the order the README lists them. */
const FLAGS = {
  reference: booleanFlag(
    'ANCHORFLOW_REFERENCE',
    'run the straightforward reference execution instead of the optimised kernels (as `run --reference`)',
  ),
  noWasmKernels: booleanFlag(
    'ANCHORFLOW_NO_WASM_KERNELS',
    "turn the project's WebAssembly kernels off (plain JS instead)",
  ),
  cosineCacheMb: positiveNumberFlag(
    'ANCHORFLOW_COSINE_CACHE_MB',
    256,
    'megabytes',
    'largest feature-cosine matrix kept in memory, in MB; above it the cosines are computed at every step',
  ),
  cacheDir: stringFlag(
    'ANCHORFLOW_CACHE_DIR',
    'folder of the on-disk cache of feature-cosine matrices, reused by later runs on the same features (unset: $XDG_CACHE_HOME/anchorflow or ~/.cache/anchorflow; `off`: no disk cache)',
  ),
  cacheMb: positiveNumberFlag(
    'ANCHORFLOW_CACHE_MB',
    4096,
    'megabytes',
    'largest size of the on-disk cache, in MB; beyond it the least recently used matrices are removed',
  ),
  threads: countFlag(
    'ANCHORFLOW_THREADS',
    'threads one training uses for its large feature-projection matMuls and the cosine matrices of its features (default: every core; 1: one thread)',
  ),
  plugins: stringFlag('ANCHORFLOW_PLUGINS', 'plugin modules every command imports, colon-separated (as `--plugin`)'),
  queue: stringFlag('ANCHORFLOW_QUEUE', 'Redis URL for `sweep` and `worker` when `--queue` is not given'),
  dataDir: stringFlag('ANCHORFLOW_DATA_DIR', 'folder holding `<name>/<name>.inter` when `--data-dir` is not given'),
};

export type FlagName = keyof typeof FLAGS;
export type FlagValue<K extends FlagName> = (typeof FLAGS)[K]['default'];

type Env = Record<string, string | undefined>;

const spec = <K extends FlagName>(name: K): FlagSpec<FlagValue<K>> => FLAGS[name] as FlagSpec<FlagValue<K>>;

/** The names of every flag, in declaration order. */
export const FLAG_NAMES = Object.keys(FLAGS) as FlagName[];

/** The environment variable behind a flag (for messages that tell the user what to set). */
export function flagVariable(name: FlagName): string {
  return FLAGS[name].env;
}

/** A flag's value in a given environment, ignoring overrides. */
export function flagFrom<K extends FlagName>(name: K, env: Env): FlagValue<K> {
  const s = spec(name);
  const raw = env[s.env];
  return raw === undefined || raw === '' ? s.default : s.parse(raw, s.env);
}

const overrides = new Map<FlagName, unknown>();
// The last parse of each variable: hot paths (referenceMode() in every kernel call) re-read the variable, since
// tests may change process.env, but do not parse it again while it stays the same.
const parsed = new Map<FlagName, { raw: string | undefined; value: unknown }>();

/** A flag's value: its override if a test or a CLI option set one, else its environment variable, else its default. */
export function flag<K extends FlagName>(name: K): FlagValue<K> {
  if (overrides.has(name)) return overrides.get(name) as FlagValue<K>;
  const raw = process.env[FLAGS[name].env];
  const last = parsed.get(name);
  if (last && last.raw === raw) return last.value as FlagValue<K>;
  const value = flagFrom(name, process.env);
  parsed.set(name, { raw, value });
  return value;
}

/** Overrides a flag in this process (and, through flagEnv, in the children it starts); process.env is left alone. */
export function setFlag<K extends FlagName>(name: K, value: FlagValue<K>): void {
  overrides.set(name, value);
}

/** Drops the overrides of the named flags, or of all of them. */
export function resetFlags(...names: FlagName[]): void {
  if (names.length === 0) overrides.clear();
  for (const n of names) overrides.delete(n);
}

/** Parses every flag's variable, so a bad value is refused before a command does any work. */
export function checkFlags(env: Env = process.env): void {
  for (const name of FLAG_NAMES) flagFrom(name, env);
}

/** The environment for a child process: `base` with this process's overrides written in as their variables. */
export function flagEnv(base: Env = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const [name, value] of overrides) {
    const text = spec(name).format(value as never);
    if (text === undefined) delete env[FLAGS[name].env];
    else env[FLAGS[name].env] = text;
  }
  return env;
}

/** The flags as a markdown table (variable, type, default, meaning), as the README shows them. */
export function flagTable(): string {
  const rows = FLAG_NAMES.map((name) => {
    const s = FLAGS[name] as FlagSpec<unknown>;
    const type = s.type === 'boolean' ? 'boolean (`1` or `0`)' : s.type;
    const dflt = s.default === undefined ? 'unset' : `\`${s.format(s.default)}\``;
    return `| \`${s.env}\` | ${type} | ${dflt} | ${s.doc} |`;
  });
  return ['| variable | type | default | what |', '|---|---|---|---|', ...rows].join('\n') + '\n';
}
