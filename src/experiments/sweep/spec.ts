/**
 * The `sweep:` section of a pipeline and `--grid` on the command line, turned into a list of configurations
 * (each a list of `--set` overrides) and a list of seeds.
 *
 *   sweep:
 *     grid:                      # every combination (a bare name means params.<name>)
 *       dim: [32, 64]
 *       nodes.cf.layers: [1, 2, 3]
 *       reg_weight: { loguniform: [1.0e-5, 1.0e-2] }   # only with random:
 *     random: { samples: 20, seed: 0 }   # optional: N distinct configurations drawn from the grid
 *     seeds: 5                   # train.seed, +1, ... or a list [1, 2, 3]
 *     metric: recall@20          # the valid metric that picks the best configuration
 */
import { parse as parseYaml } from 'yaml';
import { UserError, type SourceLocation } from '../../util/errors.js';

export type Distribution =
  { uniform: [number, number] } | { loguniform: [number, number] } | { randint: [number, number] };
export type Axis = { key: string; values: unknown[] } | { key: string; dist: Distribution };

export interface SweepSpec {
  axes: Axis[];
  random?: { samples: number; seed: number };
  seeds: number[];
  metric: string;
}

export interface Configuration {
  /** Stable within a sweep: the overrides joined. */
  key: string;
  /** Human label, e.g. `dim=32 layers=2`. */
  label: string;
  /** The swept values by axis key (`params.dim`). */
  values: Record<string, unknown>;
  /** `--set` arguments. */
  overrides: string[];
}

type Locate = (path: (string | number)[]) => SourceLocation;

const DISTS = ['uniform', 'loguniform', 'randint'] as const;

/** `dim` -> `params.dim`; a dotted path is taken as is. */
export function axisKey(name: string): string {
  return name.includes('.') ? name : `params.${name}`;
}

/** The label of an axis: `params.` is implied, so it is dropped. */
export function shortKey(key: string): string {
  return key.startsWith('params.') ? key.slice('params.'.length) : key;
}

function isDist(v: unknown): v is Distribution {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (DISTS as readonly string[]).includes(keys[0]!);
}

function checkDist(d: Distribution, where: SourceLocation): Distribution {
  const [name, range] = Object.entries(d)[0] as [string, unknown];
  const ok =
    Array.isArray(range) &&
    range.length === 2 &&
    range.every((x) => typeof x === 'number' && Number.isFinite(x)) &&
    range[0] < range[1];
  if (!ok) throw new UserError(`${name} needs [low, high] with low < high, got ${JSON.stringify(range)}`, where);
  if (name === 'loguniform' && (range as number[])[0]! <= 0)
    throw new UserError(`loguniform needs positive bounds`, where);
  return d;
}

/** Flattens `grid` (nested maps become dotted keys) into axes, located for errors. */
function gridAxes(grid: unknown, base: (string | number)[], locate: Locate, prefix = ''): Axis[] {
  if (grid === null || typeof grid !== 'object' || Array.isArray(grid)) {
    throw new UserError(`sweep grid must be a map of setting -> list of values`, locate(base));
  }
  const axes: Axis[] = [];
  for (const [k, v] of Object.entries(grid as Record<string, unknown>)) {
    const path = [...base, k];
    const name = prefix ? `${prefix}.${k}` : k;
    if (Array.isArray(v)) {
      if (v.length === 0) throw new UserError(`sweep value list for '${name}' is empty`, locate(path));
      axes.push({ key: axisKey(name), values: v });
    } else if (isDist(v)) {
      axes.push({ key: axisKey(name), dist: checkDist(v, locate(path)) });
    } else if (v !== null && typeof v === 'object') {
      axes.push(...gridAxes(v, path, locate, name));
    } else {
      throw new UserError(
        `sweep '${name}' must be a list of values (e.g. [16, 32]) or a distribution ({ loguniform: [1e-4, 1e-1] }), got ${JSON.stringify(v)}`,
        locate(path),
      );
    }
  }
  return axes;
}

/** `dim=16,32` -> an axis. Values are YAML scalars (so `1e-3`, `true`, `abc` parse as expected). */
export function parseGridFlag(arg: string): Axis {
  const eq = arg.indexOf('=');
  const where = { file: `--grid ${arg}` };
  if (eq <= 0) throw new UserError(`expected key=v1,v2 (e.g. dim=16,32)`, where);
  const key = arg.slice(0, eq).trim();
  const parts = arg
    .slice(eq + 1)
    .split(',')
    .map((s) => s.trim());
  if (parts.some((p) => p === '')) throw new UserError(`empty value in '${arg.slice(eq + 1)}'`, where);
  return { key: axisKey(key), values: parts.map((p) => parseYaml(p) as unknown) };
}

export interface SpecInput {
  section: Record<string, unknown> | undefined;
  locate: Locate;
  grid?: string[];
  /** --seeds N and --seed S; override the section's `seeds`. */
  seeds?: number;
  seed?: number;
  samples?: number;
  metric?: string;
  /** train.seed of the pipeline: the first seed when none is given. */
  baseSeed: number;
}

export function readSpec(inp: SpecInput): SweepSpec {
  const s = inp.section ?? {};
  const loc = (...p: (string | number)[]) => inp.locate(['sweep', ...p]);
  const known = ['grid', 'params', 'random', 'seeds', 'metric'];
  for (const k of Object.keys(s)) {
    if (!known.includes(k)) throw new UserError(`unknown sweep key '${k}'; allowed: ${known.join(', ')}`, loc(k));
  }
  let axes: Axis[] = [];
  if (s.grid !== undefined) axes.push(...gridAxes(s.grid, ['sweep', 'grid'], inp.locate));
  // `sweep: { params: { dim: [...] } }` (the schema's own example) is a grid over params.
  if (s.params !== undefined) axes.push(...gridAxes({ params: s.params }, ['sweep'], inp.locate));
  for (const g of inp.grid ?? []) {
    const a = parseGridFlag(g);
    axes = axes.filter((x) => x.key !== a.key).concat(a); // the command line wins over the file
  }
  const seen = new Set<string>();
  for (const a of axes) {
    if (seen.has(a.key)) throw new UserError(`'${a.key}' is swept twice`, loc());
    seen.add(a.key);
  }

  let random: SweepSpec['random'];
  if (s.random !== undefined) {
    const r = s.random as Record<string, unknown>;
    const n = r?.samples;
    if (typeof r !== 'object' || r === null || !Number.isInteger(n) || (n as number) < 1) {
      throw new UserError(
        `sweep.random needs samples: a positive integer (e.g. { samples: 20, seed: 0 })`,
        loc('random'),
      );
    }
    const seed = r.seed ?? 0;
    if (!Number.isInteger(seed)) throw new UserError(`sweep.random.seed must be an integer`, loc('random', 'seed'));
    random = { samples: n as number, seed: seed as number };
  }
  if (inp.samples !== undefined) random = { samples: inp.samples, seed: random?.seed ?? 0 };
  if (!random) {
    const d = axes.find((a) => 'dist' in a);
    if (d)
      throw new UserError(
        `'${d.key}' is a distribution, which needs random search (sweep.random.samples or --samples N)`,
        loc(),
      );
  }

  let seeds: number[];
  if (inp.seeds !== undefined || inp.seed !== undefined) {
    const first = inp.seed ?? (Array.isArray(s.seeds) ? (s.seeds[0] as number) : inp.baseSeed);
    seeds = Array.from(
      { length: inp.seeds ?? (Array.isArray(s.seeds) ? s.seeds.length : typeof s.seeds === 'number' ? s.seeds : 1) },
      (_, i) => first + i,
    );
  } else if (s.seeds === undefined) {
    seeds = [inp.baseSeed];
  } else if (Number.isInteger(s.seeds) && (s.seeds as number) >= 1) {
    seeds = Array.from({ length: s.seeds as number }, (_, i) => inp.baseSeed + i);
  } else if (Array.isArray(s.seeds) && s.seeds.length && s.seeds.every((x) => Number.isInteger(x) && x >= 0)) {
    seeds = [...new Set(s.seeds as number[])];
  } else {
    throw new UserError(`sweep.seeds must be a count (5) or a list of seeds ([1, 2, 3])`, loc('seeds'));
  }

  const metric = inp.metric ?? (s.metric as string | undefined) ?? 'recall@20';
  if (typeof metric !== 'string' || !/^[a-z_]+@\d+$|^[a-z_]+$/.test(metric))
    throw new UserError(`sweep.metric must look like recall@20`, loc('metric'));
  return { axes, random, seeds, metric };
}

/** Deterministic PRNG (mulberry32), so a random sweep draws the same configurations every time it is run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function draw(a: Axis, r: () => number): unknown {
  if ('values' in a) return a.values[Math.floor(r() * a.values.length)];
  const [name, [lo, hi]] = Object.entries(a.dist)[0] as [string, [number, number]];
  if (name === 'randint') return lo + Math.floor(r() * (hi - lo + 1));
  const u = r();
  // Four significant digits: readable labels, and equal draws collapse into one configuration.
  const x = name === 'loguniform' ? Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo))) : lo + u * (hi - lo);
  return Number(x.toPrecision(4));
}

function configuration(axes: Axis[], values: unknown[]): Configuration {
  const rec: Record<string, unknown> = {};
  axes.forEach((a, i) => (rec[a.key] = values[i]));
  const overrides = axes.map((a, i) => `${a.key}=${JSON.stringify(values[i])}`);
  const label = axes.length
    ? axes
        .map((a, i) => `${shortKey(a.key)}=${typeof values[i] === 'string' ? values[i] : JSON.stringify(values[i])}`)
        .join(' ')
    : '(base)';
  return { key: overrides.join(' '), label, values: rec, overrides };
}

/** The configurations of a spec: the full grid, or `random.samples` distinct draws from it. */
export function configurations(spec: SweepSpec): Configuration[] {
  const { axes } = spec;
  if (!spec.random) {
    let combos: unknown[][] = [[]];
    for (const a of axes) combos = combos.flatMap((c) => (a as { values: unknown[] }).values.map((v) => [...c, v]));
    return combos.map((c) => configuration(axes, c));
  }
  const finite = axes.every((a) => 'values' in a);
  const size = finite ? axes.reduce((n, a) => n * (a as { values: unknown[] }).values.length, 1) : Infinity;
  const want = Math.min(spec.random.samples, size);
  const r = rng(spec.random.seed);
  const out = new Map<string, Configuration>();
  // Distinct configurations: a repeat would only re-run the same points. Bounded so a tiny space cannot spin.
  for (let tries = 0; out.size < want && tries < want * 100; tries++) {
    const c = configuration(
      axes,
      axes.map((a) => draw(a, r)),
    );
    if (!out.has(c.key)) out.set(c.key, c);
  }
  return [...out.values()];
}
