/**
 * The bad-input corpus beyond pipelines (those are test/fixtures/bad, checked in-process by
 * test/graph/bad-pipelines.test.ts): broken data folders (test/fixtures/bad-data, written by its generate.mjs)
 * and command-line flags. Data cases are checked in-process, plus a representative subset through the CLI; every
 * flag case is spawned. Each must exit 2 with one located message, no stack trace, and no run directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CLI, FIXTURES, PIPELINES } from '../helpers.js';
import { readExpectations } from '../fixtures/expectations.js';
import { loadDataset } from '../../src/data/index.js';
import type { FeatureSource } from '../../src/data/types.js';
import { formatLocation, formatUserError, UserError } from '../../src/util/errors.js';

const BAD_DATA = join(FIXTURES, 'bad-data');
const V = { v: 'image_feat.npy' };

interface DataCase {
  /** Folder under test/fixtures/bad-data (need not exist). */
  dir: string;
  features?: Record<string, FeatureSource>;
  /** The file the error must name, relative to the case folder ('' = the folder itself). */
  file: string;
  /** line:col for text files, or row (and column) for matrices; absent where only the file can be named. */
  at?: { line: number; col: number } | { row: number; column?: string };
  message: RegExp;
}

const inter = (d: string) => `${d}.inter`;
const DATA: DataCase[] = [
  { dir: 'no-such-dataset', file: '', message: /dataset folder not found/ },
  { dir: 'no-inter-file', file: inter('no-inter-file'), message: /no interaction file no-inter-file\.inter/ },
  {
    dir: 'inter-wrong-header',
    file: inter('inter-wrong-header'),
    at: { line: 1, col: 1 },
    message: /header is missing columns userID, itemID, x_label/,
  },
  {
    dir: 'inter-space-header',
    file: inter('inter-space-header'),
    at: { line: 1, col: 1 },
    message: /separated by tabs, not spaces/,
  },
  {
    dir: 'inter-no-header',
    file: inter('inter-no-header'),
    at: { line: 1, col: 1 },
    message: /looks like data, not a header/,
  },
  {
    dir: 'inter-missing-column',
    file: inter('inter-missing-column'),
    at: { line: 1, col: 1 },
    message: /missing column x_label/,
  },
  {
    dir: 'inter-duplicate-column',
    file: inter('inter-duplicate-column'),
    at: { line: 1, col: 23 },
    message: /column userID appears twice/,
  },
  {
    dir: 'inter-non-numeric',
    file: inter('inter-non-numeric'),
    at: { line: 6, col: 3 },
    message: /itemID must be a non-negative integer, found 'abc'/,
  },
  {
    dir: 'inter-negative-id',
    file: inter('inter-negative-id'),
    at: { line: 8, col: 1 },
    message: /userID must be a non-negative integer \(ids are 0-based\), found -2/,
  },
  {
    dir: 'inter-fractional-id',
    file: inter('inter-fractional-id'),
    at: { line: 10, col: 3 },
    message: /itemID must be a non-negative integer, found '3\.5'/,
  },
  {
    dir: 'inter-bad-label',
    file: inter('inter-bad-label'),
    at: { line: 11, col: 5 },
    message: /x_label must be 0 \(train\), 1 \(valid\) or 2 \(test\), found 7/,
  },
  {
    dir: 'inter-missing-field',
    file: inter('inter-missing-field'),
    at: { line: 5, col: 1 },
    message: /expected 3 tab-separated fields .*found 2/,
  },
  { dir: 'inter-empty-field', file: inter('inter-empty-field'), at: { line: 3, col: 3 }, message: /itemID is empty/ },
  {
    dir: 'inter-header-only',
    file: inter('inter-header-only'),
    at: { line: 1, col: 1 },
    message: /header but no interactions/,
  },
  { dir: 'inter-no-train', file: inter('inter-no-train'), message: /no training interactions/ },
  {
    dir: 'feature-file-missing',
    features: V,
    file: 'image_feat.npy',
    message: /feature file not found.*text_feat\.npy/,
  },
  { dir: 'npy-wrong-magic', features: V, file: 'image_feat.npy', message: /not a \.npy file/ },
  {
    dir: 'npy-truncated-data',
    features: V,
    file: 'image_feat.npy',
    message: /truncated \.npy data: shape \(5, 3\) of <f4 needs 60 bytes, the file has 40/,
  },
  { dir: 'npy-truncated-header', features: V, file: 'image_feat.npy', message: /truncated \.npy header/ },
  { dir: 'npy-int-dtype', features: V, file: 'image_feat.npy', message: /unsupported dtype <i4/ },
  { dir: 'npy-big-endian', features: V, file: 'image_feat.npy', message: /unsupported dtype >f4/ },
  { dir: 'npy-fortran-order', features: V, file: 'image_feat.npy', message: /fortran_order is True/ },
  {
    dir: 'npy-nan',
    features: V,
    file: 'image_feat.npy',
    at: { row: 3, column: '1' },
    message: /NaN value at \[2, 1\]/,
  },
  {
    dir: 'npy-inf',
    features: V,
    file: 'image_feat.npy',
    at: { row: 5, column: '1' },
    message: /-Infinity value at \[4, 1\]/,
  },
  {
    dir: 'npy-one-dimensional',
    features: V,
    file: 'image_feat.npy',
    message: /expected a 2-D matrix .*found shape \(5\)/,
  },
  { dir: 'npy-too-many-rows', features: V, file: 'image_feat.npy', message: /has 7 rows but the dataset has 5 items/ },
  {
    dir: 'npy-too-few-rows',
    features: V,
    file: inter('npy-too-few-rows'),
    at: { line: 7, col: 3 },
    message: /itemID 4 is beyond the last row \(3\) of the v feature matrix/,
  },
  {
    dir: 'inter-ids-beyond-features',
    features: V,
    file: inter('inter-ids-beyond-features'),
    at: { line: 13, col: 3 },
    message: /itemID 8 is beyond the last row \(4\)/,
  },
];

/** Flag cases: args -> message. All spawned; `{out}` is replaced by a fresh run root that must stay empty. */
const LIGHTGCN = join(PIPELINES, 'lightgcn.yaml');
const FLAGS: [string[], RegExp][] = [
  [['run', LIGHTGCN, '--epochs', '0'], /--epochs must be a positive integer, got '0'/],
  [['run', LIGHTGCN, '--epochs', '1.5'], /--epochs must be a positive integer, got '1\.5'/],
  [['run', LIGHTGCN, '--seeds', '-1'], /--seeds must be a positive integer, got '-1'/],
  [['run', LIGHTGCN, '--seed', 'x'], /--seed must be a non-negative integer, got 'x'/],
  [['run', LIGHTGCN, '--backend', 'tpu'], /argument 'tpu' is invalid\. Allowed choices are auto/],
  [['run', LIGHTGCN, '--set', 'params.dim'], /^--set: 'params\.dim': expected path=value .*found no '='/],
  [['run', LIGHTGCN, '--set', '=3'], /empty path before '='/],
  [['run', LIGHTGCN, '--set', 'params..dim=3'], /empty path segment in 'params\.\.dim'/],
  [['run', LIGHTGCN, '--set', 'nodes.x.y=1'], /'nodes\.x' does not exist.*it has: ui, cf/],
  [['run', LIGHTGCN, '--set', 'trian.epochs=3'], /unknown top-level key 'trian' \(did you mean 'train'\?\)/],
  [['run', LIGHTGCN, '--set', 'train.epochs.max=3'], /'train\.epochs' is a single value, not a section/],
  [['run', LIGHTGCN, '--set', 'params.dim=[1'], /invalid value '\[1': YAML syntax error/],
  [['run', LIGHTGCN, '--set', 'train.epochs=-5'], /train\.epochs must be >= 1, got -5/],
  [['run', LIGHTGCN, '--set', 'eval.k.7=5'], /'7' is not an index of a list of 4 items/],
  [['run', LIGHTGCN, '--bogus'], /unknown option '--bogus'/],
  [['run', LIGHTGCN, '--data'], /option '--data <dir>' argument missing/],
  [['run', LIGHTGCN, '--data', join(BAD_DATA, 'no-such-dataset')], /dataset folder not found/],
  [['run', LIGHTGCN, '--dataset', 'nosuch', '--data-dir', join(BAD_DATA, 'no-such-root')], /data directory not found/],
  [['run', join(PIPELINES, 'no-such.yaml')], /no-such\.yaml: cannot read .*no such file/],
  [['graph', LIGHTGCN, '--format', 'png'], /argument 'png' is invalid\. Allowed choices are text, dot, mermaid/],
  [['frobnicate'], /unknown command 'frobnicate'/],
  [['check'], /missing required argument 'paths'/],
  [['check', join(BAD_DATA, 'no-such-dir')], /no-such-dir: no such file or folder/],
  [['data', 'inspect', join(BAD_DATA, 'npy-nan'), '--features', 'v'], /--features expects key=file pairs, got 'v'/],
];

type Result = { status: number | null; stdout: string; stderr: string };

/** Runs CLI invocations two at a time: each loads tfjs, and a burst of dozens only makes them all slower. */
async function spawnAll(list: string[][]): Promise<Result[]> {
  const out: Result[] = new Array(list.length);
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const k = next++;
      out[k] = await spawnCli(list[k]!);
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}

function spawnCli(args: string[]): Promise<Result> {
  return new Promise((done) => {
    const p = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, CI: 'true' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => done({ status, stdout, stderr }));
  });
}

function listRuns(root: string): string[] {
  return existsSync(root) ? readdirSync(root) : [];
}

const STACK = /\n\s+at .+:\d+:\d+\)?(\n|$)/;

test('the bad-input corpus has at least 60 cases with their expected messages and locations', () => {
  const yaml = readExpectations(join(FIXTURES, 'bad')).length;
  const total = yaml + DATA.length + FLAGS.length;
  assert.ok(total >= 60, `${yaml} pipelines + ${DATA.length} data + ${FLAGS.length} flags = ${total}`);
  // Every generated data folder is in the table, so a new case cannot be forgotten.
  const dirs = readdirSync(BAD_DATA, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
  for (const d of dirs)
    assert.ok(
      DATA.some((c) => c.dir === d),
      `bad-data/${d} has no entry in the table`,
    );
});

for (const c of DATA) {
  test(`bad data ${c.dir} gives a located error`, async () => {
    const dir = join(BAD_DATA, c.dir);
    let err: unknown;
    try {
      await loadDataset({ dataset: c.dir, dataPath: dir, features: c.features ?? {} });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof UserError, `expected a UserError, got ${String((err as Error)?.stack ?? err)}`);
    const shown = formatUserError(err);
    assert.match(err.message, c.message, shown);
    assert.ok(err.loc, `no location:\n${shown}`);
    assert.equal(resolve(err.loc.file), resolve(dir, c.file), shown);
    if (c.at && 'line' in c.at) {
      assert.equal(`${err.loc.line}:${err.loc.col}`, `${c.at.line}:${c.at.col}`, shown);
      assert.ok(err.loc.excerpt, `no excerpt:\n${shown}`);
    } else if (c.at) {
      assert.equal(err.loc.row, c.at.row, shown);
      assert.equal(err.loc.column, c.at.column, shown);
      assert.match(formatLocation(err.loc), /: row \d+, column \d+$/);
    }
  });
}

test('the CLI reports bad data as a located error, exit 2, no stack trace, no run directory', async () => {
  const out = mkdtempSync(join(tmpdir(), 'af-bad-data-'));
  const pipeline = join(BAD_DATA, 'pipeline.yaml');
  // `run` exercises the whole path (pipeline -> data); `data inspect` the data tool.
  const viaRun = ['inter-negative-id', 'npy-nan', 'inter-ids-beyond-features'];
  const viaInspect = ['inter-wrong-header', 'npy-truncated-data', 'npy-int-dtype'];
  const calls = [
    ...viaRun.map((name) => ({
      name,
      args: ['run', pipeline, '--data', join(BAD_DATA, name), '--out', out, '--backend', 'cpu', '--plain'],
    })),
    ...viaInspect.map((name) => ({
      name,
      args: ['data', 'inspect', join(BAD_DATA, name), '--features', 'v=image_feat.npy'],
    })),
  ];
  const results = await spawnAll(calls.map((x) => x.args));
  for (const [k, { name }] of calls.entries()) {
    const c = DATA.find((d) => d.dir === name)!;
    const dir = join(BAD_DATA, name);
    const r = results[k]!;
    assert.equal(r.status, 2, `${c.dir}: ${r.stderr}`);
    const first = r.stderr.split('\n').find((l) => l.trim() !== '' && !/^backend:/.test(l))!;
    assert.ok(first.startsWith(resolve(dir, c.file)), `${c.dir}: ${first}`);
    if (c.at && 'line' in c.at) assert.ok(first.includes(`:${c.at.line}:${c.at.col}: `), first);
    if (c.at && 'row' in c.at) assert.ok(first.includes(`: row ${c.at.row}, column ${c.at.column}: `), first);
    assert.match(first, c.message);
    assert.doesNotMatch(r.stderr, STACK, 'no stack trace');
  }
  assert.deepEqual(listRuns(out), [], 'nothing was written');
});

test('every bad flag exits 2 with its message, no stack trace and no run directory', async () => {
  const out = mkdtempSync(join(tmpdir(), 'af-bad-flags-'));
  // --out goes right after the pipeline, so that a flag missing its value (`--data`) cannot swallow it.
  const results = await spawnAll(
    FLAGS.map(([args]) => (args[0] === 'run' ? [...args.slice(0, 2), '--out', out, ...args.slice(2)] : args)),
  );
  FLAGS.forEach(([args, msg], k) => {
    const r = results[k]!;
    assert.equal(r.status, 2, `${args.join(' ')}\n${r.stderr}`);
    assert.match(r.stderr, msg, args.join(' '));
    assert.doesNotMatch(r.stderr, STACK, `no stack trace: ${args.join(' ')}`);
    assert.doesNotMatch(r.stderr, /internal error/);
  });
  assert.deepEqual(listRuns(out), [], 'nothing was written');
});

test('bad pipelines through `run`: file:line:col, the offending line, exit 2, no run directory', async () => {
  const out = mkdtempSync(join(tmpdir(), 'af-bad-yaml-'));
  const cases = readExpectations(join(FIXTURES, 'bad'));
  const names = [
    'negative-dim.yaml',
    'unclosed-ref.yaml',
    'extends-list-missing.yaml',
    'sparse-as-dense.yaml',
    'bad-early-stop.yaml',
  ];
  const picked = names.map((n) => cases.find((c) => c.fixture.endsWith(`/${n}`))!);
  const results = await spawnAll(picked.map((c) => ['run', c.fixture, '--out', out, '--backend', 'cpu', '--plain']));
  picked.forEach((c, k) => {
    const r = results[k]!;
    assert.equal(r.status, 2, `${c.fixture}: ${r.stderr}`);
    const first = r.stderr.split('\n')[0]!;
    assert.ok(first.startsWith(`${c.file}:${c.line}:${c.col}: `), first);
    assert.match(first, c.message);
    assert.match(r.stderr, /\n\s+\d+ \| /, 'shows the offending line');
    assert.doesNotMatch(r.stderr, STACK, 'no stack trace');
  });
  assert.deepEqual(listRuns(out), [], 'nothing was written');
});
