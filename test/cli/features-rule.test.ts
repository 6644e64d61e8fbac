/**
 * The features rule end to end (issue 15.5): a dataset folder's run reads the user's feature files, or stops with
 * a located error; generated features are used only when asked for by name, and then said in every output mode
 * and recorded in run.json.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CLI, PIPELINES } from '../helpers.js';
import { writeNpy } from '../../src/data/npy.js';

const STACK = /\n\s+at .+\(.+:\d+:\d+\)/;

function cli(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
}

function runDirs(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((name) => readdirSync(join(root, name)).map((r) => join(root, name, r)));
}

/** A small MMRec folder: 30 users, 20 items, 5 train rows + 1 valid + 1 test per user, and the given .npy files. */
function dataset(root: string, name: string, files: Record<string, number>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const rows = ['userID\titemID\tx_label'];
  for (let u = 0; u < 30; u++) {
    for (let j = 0; j < 5; j++) rows.push(`${u}\t${(u * 3 + j) % 20}\t0`);
    rows.push(`${u}\t${(u * 3 + 7) % 20}\t1`, `${u}\t${(u * 3 + 9) % 20}\t2`);
  }
  writeFileSync(join(dir, `${name}.inter`), rows.join('\n') + '\n');
  for (const [f, cols] of Object.entries(files)) {
    const a = new Float32Array(20 * cols);
    for (let i = 0; i < a.length; i++) a[i] = Math.sin(i * 0.37 + cols);
    writeNpy(join(dir, f), a, [20, cols]);
  }
  return dir;
}

const VBPR = join(PIPELINES, 'vbpr.yaml');
const QUICK = ['--epochs', '1', '--set', 'params.dim=8', '--backend', 'cpu'];

test('features rule: MMRec files in a folder without a profile are used, recorded in run.json and pipeline.yaml', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'af-features-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = dataset(root, 'shop', { 'image_feat.npy': 6, 'text_feat.npy': 4 });
  const out = join(root, 'runs');
  const r = cli(['run', VBPR, '--data', dir, ...QUICK, '--plain', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /info: features from .*shop by their MMRec names: t = text_feat\.npy, v = image_feat\.npy/);
  assert.doesNotMatch(r.stderr, /GENERATED/);
  const [run] = runDirs(out);
  const info = JSON.parse(readFileSync(join(run!, 'run.json'), 'utf8'));
  assert.equal(info.dataset, 'shop');
  assert.deepEqual(info.generatedFeatures, []);
  for (const [m, file, dim] of [
    ['v', 'image_feat.npy', 6],
    ['t', 'text_feat.npy', 4],
  ] as const) {
    const p = info.featureProvenance[m];
    assert.equal(p.source, 'file');
    assert.equal(p.path, join(dir, file));
    assert.equal(p.dim, dim);
    assert.equal(p.chosenBy, 'mmrec file name');
    assert.match(p.sha256, /^[0-9a-f]{64}$/);
    assert.equal(p.bytes, readFileSync(join(dir, file)).length);
  }
  // The saved pipeline names the real dataset and the files it read, so --resume and readers see the same.
  const saved = parseYaml(readFileSync(join(run!, 'pipeline.yaml'), 'utf8'));
  assert.equal(saved.data.dataset, 'shop');
  assert.deepEqual(saved.data.profiles.shop.features, { t: 'text_feat.npy', v: 'image_feat.npy' });
});

test('features rule: a folder without the files a pipeline reads is exit 2 at the reading node, nothing written', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'af-features-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = dataset(root, 'bare', { 'image_feat.npy': 6 });
  const out = join(root, 'runs');
  const r = cli(['run', VBPR, '--data', dir, ...QUICK, '--plain', '--out', out]);
  assert.equal(r.status, 2, r.stderr);
  const first = r.stderr.split('\n')[0]!;
  assert.match(
    first,
    /vbpr\.yaml:\d+:\d+: modality 't' has no feature file in .*bare \(its MMRec name is text_feat\.npy\); \.npy files there: image_feat\.npy\./,
  );
  assert.match(first, /--features t=image_feat\.npy .*--features t=synthetic:384/);
  assert.match(r.stderr, /f_t: \{ op: features, modality: t \}/, 'the excerpt shows the node that reads t');
  assert.doesNotMatch(r.stderr, STACK);
  assert.deepEqual(runDirs(out), [], 'nothing was written');
});

test('features rule: --features names the files; generated ones asked for by name warn in plain and JSON output', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'af-features-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = dataset(root, 'bare', { 'pics.npy': 5 });
  const out = join(root, 'runs');

  const named = cli([
    'run',
    VBPR,
    '--data',
    dir,
    '--features',
    'v=pics.npy,t=synthetic:3',
    ...QUICK,
    '--plain',
    '--out',
    out,
  ]);
  assert.equal(named.status, 0, named.stderr);
  assert.match(
    named.stderr,
    /^warn: GENERATED features, not read from .*bare: t \(3-d\), asked for by --features; numbers from this run say nothing about real features$/m,
  );
  const [run] = runDirs(out);
  const info = JSON.parse(readFileSync(join(run!, 'run.json'), 'utf8'));
  assert.deepEqual(info.generatedFeatures, ['t']);
  assert.deepEqual(info.featureProvenance.t, { source: 'synthetic', dim: 3, chosenBy: 'flag' });
  assert.equal(info.featureProvenance.v.source, 'file');
  assert.equal(info.featureProvenance.v.path, join(dir, 'pics.npy'));
  assert.equal(info.featureProvenance.v.chosenBy, 'flag');
  const saved = parseYaml(readFileSync(join(run!, 'pipeline.yaml'), 'utf8'));
  assert.deepEqual(saved.data.profiles.bare.features, { v: 'pics.npy', t: { synthetic: 3 } });

  const json = cli([
    'run',
    VBPR,
    '--data',
    dir,
    '--features',
    'v=synthetic:4,t=synthetic:3',
    ...QUICK,
    '--json',
    '--no-save',
  ]);
  assert.equal(json.status, 0, json.stderr);
  const events = json.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const warn = events.find((e) => e.type === 'log' && e.level === 'warn');
  assert.ok(warn, 'a warning event');
  assert.match(warn.message, /GENERATED features, not read from .*bare: t \(3-d\), v \(4-d\), asked for by --features/);

  const bad = cli(['run', VBPR, '--data', dir, '--features', 'v=synthetic:0', ...QUICK, '--plain', '--no-save']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^--features: synthetic:<width> needs a positive integer width, got 'synthetic:0'/);
});

test('features rule: a profile asking for generated features (the Amazon sets) warns; a built-in dataset is recorded', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'af-features-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = dataset(root, 'baby', {});
  const out = join(root, 'runs');
  // The folder is named baby, so the shipped profile (generated features of the paper's sizes) applies.
  const r = cli(['run', VBPR, '--data', dir, ...QUICK, '--plain', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stderr,
    /warn: GENERATED features, not read from .*baby: t \(384-d\), v \(4096-d\), asked for by data\.profiles\.baby/,
  );

  const small = ['--set', 'data.features.v.synthetic=8', '--set', 'data.features.t.synthetic=8'];
  const synth = cli(['run', VBPR, ...QUICK, ...small, '--plain', '--out', out]);
  assert.equal(synth.status, 0, synth.stderr);
  assert.doesNotMatch(synth.stderr, /GENERATED/, 'built-in data is generated by definition: recorded, not warned');
  const run = runDirs(out).find(
    (d) => JSON.parse(readFileSync(join(d, 'run.json'), 'utf8')).dataset === 'synth:small',
  )!;
  const info = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
  assert.deepEqual(info.featureProvenance.v, {
    source: 'synthetic',
    dim: 8,
    chosenBy: 'built-in dataset',
    builtInDataset: true,
  });
});
