/**
 * Property test: random mutations of the shipped pipelines, fed through the same path as `anchorflow check`
 * (load with extends, --set, ${...} and schema, then compile symbolically). Every outcome must be success or a
 * located UserError; anything else (TypeError, RangeError, an internal Error) is a crash the user would see as
 * "internal error" with a stack trace.
 *
 * Mutations act on the text (truncate, delete a line, duplicate a line, flip a character, re-indent) and on the
 * parsed tree (delete a key, insert a random key/value, change a value's type, swap a reference for a random
 * string, duplicate a node, add a --set). Seeded, so a failure names its seed and case and can be replayed with
 * ANCHORFLOW_FUZZ_SEED / ANCHORFLOW_FUZZ_CASES.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { PIPELINES } from '../helpers.js';
import { Rng } from '../../src/util/rng.js';
import { compileSymbolic, loadChecked } from '../../src/experiments/run.js';
import { formatUserError, UserError } from '../../src/util/errors.js';
import { parseYamlText, toPlain } from '../../src/dsl/yaml-source.js';

const SEED = Number(process.env.ANCHORFLOW_FUZZ_SEED ?? 20240611);
const CASES = Number(process.env.ANCHORFLOW_FUZZ_CASES ?? 300);

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)]!;
const int = (rng: Rng, n: number) => Math.floor(rng.next() * n);

/** Values of every JSON/YAML kind, including the awkward ones (empty, huge, negative, NaN-ish strings). */
const RANDOM_VALUES: unknown[] = [
  null,
  0,
  -1,
  1,
  2.5,
  -0.5,
  1e308,
  1e-300,
  3,
  64,
  1000000000000,
  true,
  false,
  '',
  'x',
  'cf',
  'cf.users',
  'cf.nope',
  'nope.users',
  'a.b.c',
  '.',
  'cf.',
  '.users',
  '${dim}',
  '${nope}',
  '${',
  '2 * ${dim}',
  '${dim} / 0',
  'NaN',
  '.nan',
  'inf',
  '-',
  '__proto__',
  'constructor',
  'toString',
  [],
  [1, 2],
  ['cf.items', 'cf.items'],
  [[]],
  {},
  { op: 'linear' },
  { op: 'nope' },
  { op: 'linear', in: 'cf.items', out: 0 },
  { op: 'sum' },
  { op: 'identity', in: 'cf.items' },
  { op: 'bpr', user: 'cf.users', item: 'cf.items' },
  { a: { b: 1 } },
  { __proto__: 1 },
  { concat: [] },
  { synthetic: 0 },
  { file: 'x.npy' },
];
const RANDOM_KEYS = [
  'op',
  'in',
  'out',
  'dim',
  'dims',
  'layers',
  'weight',
  'weights',
  'graph',
  'features',
  'ids',
  'modality',
  'knn',
  'tau',
  'l2',
  'user',
  'item',
  'x',
  '__proto__',
  'constructor',
  'extends',
  'params',
  'nodes',
  'losses',
  'train',
  'eval',
  'outputs',
  'data',
  'sweep',
  'version',
  'name',
  'scale',
  'pairs',
  'anchor',
  'views',
  'trainable',
  'init',
  'rows',
];

type Tree = unknown;
type Container = Record<string, unknown> | unknown[];

/** Every (container, key) pair in the tree, so a mutation can pick any position. */
function slots(t: Tree, out: { parent: Container; key: string | number; depth: number }[] = [], depth = 0) {
  if (Array.isArray(t)) t.forEach((v, i) => (out.push({ parent: t, key: i, depth }), slots(v, out, depth + 1)));
  else if (t !== null && typeof t === 'object')
    for (const [k, v] of Object.entries(t)) {
      out.push({ parent: t as Record<string, unknown>, key: k, depth });
      slots(v, out, depth + 1);
    }
  return out;
}

function changeType(v: unknown, rng: Rng): unknown {
  if (typeof v === 'number') return pick(rng, [String(v), [v], { v }, v > 0 ? -v : 'ten', true, null, v + 0.5]);
  if (typeof v === 'string')
    return pick(rng, [Number(v) || 7, [v], { op: v }, true, `${v}.extra`, v.toUpperCase(), '']);
  if (Array.isArray(v)) return pick(rng, [v[0] ?? null, v.length, { ...v }, [...v, ...v], v.slice(1), 'list']);
  if (v && typeof v === 'object') return pick(rng, [Object.values(v), 'map', 1, Object.keys(v)]);
  return pick(rng, RANDOM_VALUES);
}

const REFS = (t: Tree): string[] =>
  slots(t).flatMap((s) => {
    const v = (s.parent as Record<string | number, unknown>)[s.key];
    return typeof v === 'string' && /^[A-Za-z_]\w*(\.\w+)?$/.test(v) ? [v] : [];
  });

function mutateTree(tree: Tree, rng: Rng): { tree: Tree; what: string } {
  const t = structuredClone(tree) as Record<string, unknown>;
  const all = slots(t);
  // An earlier mutation may have emptied the document; give it something to mutate.
  if (all.length === 0)
    return {
      tree: { ...t, [pick(rng, RANDOM_KEYS)]: structuredClone(pick(rng, RANDOM_VALUES)) },
      what: 'insert into an empty document',
    };
  const s = pick(rng, all);
  const at = `${String(s.key)}@${s.depth}`;
  const set = (v: unknown) => ((s.parent as Record<string | number, unknown>)[s.key] = v);
  const cur = (s.parent as Record<string | number, unknown>)[s.key];
  switch (int(rng, 7)) {
    case 0:
      if (Array.isArray(s.parent)) s.parent.splice(s.key as number, 1);
      else delete s.parent[s.key as string];
      return { tree: t, what: `delete ${at}` };
    case 1: {
      const k = pick(rng, RANDOM_KEYS);
      const v = structuredClone(pick(rng, RANDOM_VALUES));
      if (cur !== null && typeof cur === 'object' && !Array.isArray(cur))
        Object.defineProperty(cur, k, { value: v, enumerable: true, writable: true, configurable: true });
      else if (Array.isArray(cur)) cur.splice(int(rng, cur.length + 1), 0, v);
      else set(v);
      return { tree: t, what: `insert ${k} into ${at}` };
    }
    case 2:
      set(changeType(cur, rng));
      return { tree: t, what: `retype ${at}` };
    case 3: {
      const refs = REFS(t);
      const v =
        rng.next() < 0.5 && refs.length
          ? pick(rng, refs)
          : pick(rng, ['cf.items', 'ui.adj', 'x', 'f_v', 'h_mm.out', 'p_id', 'bpr', 'loss:bpr', 'cf/graph', '']);
      set(v);
      return { tree: t, what: `reference ${at} -> ${v}` };
    }
    case 4: {
      const table = pick(rng, ['nodes', 'losses']);
      const tab = t[table] as Record<string, unknown> | undefined;
      if (tab && typeof tab === 'object' && Object.keys(tab).length) {
        const k = pick(rng, Object.keys(tab));
        tab[`${k}_dup`] = structuredClone(tab[k]);
        if (rng.next() < 0.5) tab[k] = { op: 'identity', in: `${k}_dup` };
        return { tree: t, what: `duplicate ${table}.${k}` };
      }
      set(null);
      return { tree: t, what: `null ${at}` };
    }
    case 5:
      set(structuredClone(pick(rng, RANDOM_VALUES)));
      return { tree: t, what: `replace ${at}` };
    default: {
      // Two mutations at once reach states a single one cannot (an inserted node with a dangling input).
      const a = mutateTree(t, rng);
      const b = mutateTree(a.tree, rng);
      return { tree: b.tree, what: `${a.what}; ${b.what}` };
    }
  }
}

function mutateText(text: string, rng: Rng): { text: string; what: string } {
  const lines = text.split('\n');
  const i = int(rng, lines.length);
  switch (int(rng, 7)) {
    case 0: {
      const n = int(rng, text.length);
      return { text: text.slice(0, n), what: `truncate at ${n}` };
    }
    case 1:
      lines.splice(i, 1);
      return { text: lines.join('\n'), what: `delete line ${i + 1}` };
    case 2:
      lines.splice(i, 0, lines[i] ?? '');
      return { text: lines.join('\n'), what: `duplicate line ${i + 1}` };
    case 3: {
      const n = int(rng, text.length);
      const c = pick(rng, [
        '{',
        '}',
        '[',
        ']',
        ':',
        ',',
        '$',
        '"',
        "'",
        '#',
        '\t',
        ' ',
        '\n',
        '-',
        '&',
        '*',
        '!',
        '%',
        '|',
        '>',
        'x',
        '0',
        '.',
      ]);
      return { text: text.slice(0, n) + c + text.slice(n + 1), what: `char ${JSON.stringify(c)} at ${n}` };
    }
    case 4:
      lines[i] = (rng.next() < 0.5 ? '  ' : '') + (lines[i] ?? '').replace(/^ {2}/, rng.next() < 0.5 ? '' : '   ');
      return { text: lines.join('\n'), what: `re-indent line ${i + 1}` };
    case 5: {
      const n = int(rng, text.length);
      const junk = pick(rng, [
        '${',
        '${}',
        '${ dim',
        '*alias',
        '&a',
        '<<: *a',
        '? ',
        '!!binary ',
        '---\n',
        '...',
        '\u0000',
        '\uE000',
        'extends: x.yaml\n',
      ]);
      return { text: text.slice(0, n) + junk + text.slice(n), what: `insert ${JSON.stringify(junk)} at ${n}` };
    }
    default: {
      const a = mutateText(text, rng);
      const b = mutateText(a.text, rng);
      return { text: b.text, what: `${a.what}; ${b.what}` };
    }
  }
}

const SETS = [
  'params.dim=0',
  'params.dim=-3',
  'params.dim=1e400',
  'train.epochs=0',
  'nodes.cf.dim=[1]',
  'nodes.cf=',
  'outputs.user=',
  'losses=',
  'nodes=',
  'data.features.v=',
  'data.features=[]',
  'nodes.cf.op=mlp',
  'train.optimizer.adam.lr=-1',
  'eval.k=[]',
  'outputs.extra=cf',
  'nodes.zz={op: linear, in: zz, out: 4}',
  'params={}',
  'extends=x.yaml',
  'version=2',
  'data.dataset=',
  'nodes.0=1',
  'train.lr_schedule.5=1',
  'nodes.cf.in.0=x',
];

/** Runs one case and classifies the outcome: 'ok', 'user' (a located UserError) or a failure description. */
function runCase(file: string, set: string[], textual: boolean): string {
  try {
    compileSymbolic(loadChecked(file, set));
    return 'ok';
  } catch (e) {
    if (!(e instanceof UserError)) return `uncaught ${(e as Error)?.name}: ${(e as Error)?.stack ?? String(e)}`;
    if (!e.loc || !e.loc.file) return `UserError without a file: ${e.message}`;
    // A YAML problem (anything not from --set) must point at a line.
    const fromFlag = e.loc.file.startsWith('--set');
    if (!fromFlag && e.loc.line === undefined) return `UserError without a line: ${formatUserError(e)}`;
    if (textual && e.loc.line !== undefined && !(e.loc.line >= 1))
      return `bad line ${e.loc.line}: ${formatUserError(e)}`;
    formatUserError(e); // the CLI prints it; it must not throw either
    return 'user';
  }
}

test(`mutated pipelines end in success or a located UserError (seed ${SEED}, ${CASES} cases)`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'af-fuzz-'));
  try {
    cpSync(PIPELINES, dir, { recursive: true });
    // Every shipped pipeline, fragments and sub-folders included (paths relative to pipelines/).
    const names = (readdirSync(PIPELINES, { recursive: true }) as string[]).filter((f) => f.endsWith('.yaml')).sort();
    const originals = new Map(names.map((n) => [n, readFileSync(join(PIPELINES, n), 'utf8')]));
    const rng = new Rng(SEED);
    const failures: string[] = [];
    let ok = 0;
    let userErrors = 0;
    for (let c = 0; c < CASES; c++) {
      const name = pick(rng, names);
      const text = originals.get(name)!;
      // Beside the original, so that its relative `extends` still resolve.
      const file = join(dir, dirname(name), `fuzz-${c}.yaml`);
      let what: string;
      let textual = false;
      const set: string[] = [];
      const kind = c % 3;
      if (kind === 0) {
        const m = mutateText(text, rng);
        writeFileSync(file, m.text);
        what = m.what;
        textual = true;
      } else {
        // Parsed the project's way: plain YAML parsers reject `{ dim: ${dim} }`, the language's own spelling.
        const m = mutateTree(toPlain(parseYamlText(text, name)) ?? {}, rng);
        writeFileSync(file, stringify(m.tree, { aliasDuplicateObjects: false }));
        what = m.what;
      }
      if (rng.next() < 0.15) set.push(pick(rng, SETS));
      const r = runCase(file, set, textual);
      if (r === 'ok') ok++;
      else if (r === 'user') userErrors++;
      else failures.push(`case ${c} (${name}: ${what}${set.length ? `; --set ${set[0]}` : ''}): ${r}`);
      rmSync(file, { force: true });
    }
    assert.deepEqual(failures, [], failures.join('\n\n'));
    // The mutations must actually exercise both outcomes, or the test proves nothing.
    assert.ok(userErrors > CASES / 4, `only ${userErrors} user errors`);
    assert.ok(ok > 0, 'no mutation left a valid pipeline');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
