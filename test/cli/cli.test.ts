import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, FIXTURES, PIPELINES, SHARED_DATASETS } from '../helpers.js';
import { readNpy } from '../../src/data/npy.js';
import { readCheckpoint } from '../../src/engine/checkpoint.js';

function cli(args: string[], opts: { input?: string } = {}) {
  return spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
    ...opts,
  });
}

function listRuns(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((name) => readdirSync(join(root, name)).map((r) => join(root, name, r)));
}

test('run writes a complete run directory and a final JSON result event', () => {
  const out = mkdtempSync(join(tmpdir(), 'af-runs-'));
  const r = cli(['run', join(PIPELINES, 'vbpr.yaml'), '--epochs', '2', '--json', '--out', out, '--backend', 'wasm']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const last = lines[lines.length - 1];
  assert.equal(last.type, 'result');
  assert.ok(last.mean.test['recall@20'] > 0);
  const runs = listRuns(out);
  assert.equal(runs.length, 1);
  const dir = runs[0]!;
  for (const f of [
    'pipeline.yaml',
    'run.json',
    'events.jsonl',
    'metrics.json',
    'seed-999/checkpoint/last.ckpt',
    'seed-999/result.json',
    'seed-999/embeddings/user.npy',
    'seed-999/embeddings/item.npy',
  ])
    assert.ok(existsSync(join(dir, f)), `missing ${f}`);
  const best = readdirSync(join(dir, 'seed-999/checkpoint')).filter((f) => f.startsWith('best-'));
  assert.deepEqual(best, [`best-${last.perSeed[0].bestEpoch}.ckpt`], 'exactly one best checkpoint, of the best epoch');
  const metrics = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
  assert.equal(metrics.perSeed.length, 1);
  assert.deepEqual(metrics.mean.test, last.mean.test);
  const item = readNpy(join(dir, 'seed-999/embeddings/item.npy'));
  assert.deepEqual(item.shape, [600, 128]);
  const ck = readCheckpoint(join(dir, 'seed-999/checkpoint', best[0]!));
  assert.equal(ck.meta.epoch, last.perSeed[0].bestEpoch);
  assert.deepEqual(ck.arrays.map((a) => a.name).sort(), [
    'w:item_content/linear/b',
    'w:item_content/linear/w',
    'w:item_id/table',
    'w:user/table',
  ]);
  assert.doesNotMatch(readFileSync(join(dir, 'events.jsonl'), 'utf8'), /"type":"batch"/);
});

test('bad input exits 2 with a located message and writes no run directory', () => {
  const out = mkdtempSync(join(tmpdir(), 'af-runs-'));
  const cases: [string[], RegExp][] = [
    [['run', join(FIXTURES, 'bad', 'cycle.yaml'), '--out', out], /cycle\.yaml:5:3: cycle in the graph/],
    [
      ['run', join(PIPELINES, 'lightgcn.yaml'), '--out', out, '--set', 'nodes.cff.dim=3'],
      /'nodes\.cff' does not exist/,
    ],
    [['run', join(PIPELINES, 'lightgcn.yaml'), '--out', out, '--set', 'params.dim=ten'], /must be an integer|integer/],
    [
      ['run', join(PIPELINES, 'lightgcn.yaml'), '--out', out, '--dataset', 'nosuch', '--data-dir', SHARED_DATASETS],
      /nosuch/,
    ],
    [
      ['run', join(PIPELINES, 'lightgcn.yaml'), '--out', out, '--epochs', 'many'],
      /--epochs must be a positive integer/,
    ],
    [['run', join(PIPELINES, 'lightgcn.yaml'), '--out', out, '--bogus'], /unknown option '--bogus'/],
    [['run', join(PIPELINES, 'lightgcn.yaml'), '--out', out, '--backend', 'tpu'], /Allowed choices are|tpu/],
    [['run', join(PIPELINES, 'no-such.yaml'), '--out', out], /no-such\.yaml/],
  ];
  for (const [args, msg] of cases) {
    const r = cli(args);
    assert.equal(r.status, 2, `${args.join(' ')}\n${r.stderr}`);
    assert.match(r.stderr, msg);
    assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+\)?\n/, 'no stack trace');
  }
  assert.deepEqual(listRuns(out), [], 'nothing was written');
});

test('check accepts the shipped pipelines and rejects a bad one', () => {
  const ok = cli(['check', PIPELINES]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /ok\s+.*lightgcn\.yaml/);
  assert.doesNotMatch(ok.stdout, /_mmrec\.yaml/, 'fragments are skipped');
  const bad = cli(['check', join(PIPELINES, 'lightgcn.yaml'), join(FIXTURES, 'bad', 'unknown-op.yaml')]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown op 'lightgnc'/);
});

test('graph prints dot and mermaid; ops lists every op with its doc', () => {
  const dot = cli(['graph', join(PIPELINES, 'lightgcn.yaml'), '--format', 'dot']);
  assert.equal(dot.status, 0, dot.stderr);
  assert.match(dot.stdout, /"ui" -> "cf"/);
  const mer = cli(['graph', join(PIPELINES, 'lightgcn.yaml'), '--format', 'mermaid']);
  assert.match(mer.stdout, /^flowchart TD/);
  const ops = cli(['ops']);
  assert.equal(ops.status, 0);
  for (const name of [
    'lightgcn',
    'features',
    'linear',
    'mlp',
    'concat',
    'sum',
    'bpr',
    'embedding',
    'interaction_graph',
  ])
    assert.match(ops.stdout, new RegExp(`\\b${name}\\s+\\S`));
});

test('data inspect summarises the real TikTok folder', () => {
  const r = cli(['data', 'inspect', join(SHARED_DATASETS, 'tiktok'), '--json']);
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.users, 9308);
  assert.equal(s.items, 6710);
});

test('piping run output into head ends quietly with exit 0', () => {
  const r = spawnSync(
    'bash',
    [
      '-c',
      `node ${CLI} run ${join(PIPELINES, 'lightgcn.yaml')} --epochs 30 --no-save --plain | head -n 2; echo "status=\${PIPESTATUS[0]}"`,
    ],
    { encoding: 'utf8' },
  );
  assert.match(r.stdout, /status=0/);
  assert.doesNotMatch(r.stderr, /EPIPE|Error/);
});

test('run --profile reports the share of each phase and the forward time per node, and writes profile.json', () => {
  const out = mkdtempSync(join(tmpdir(), 'af-prof-'));
  const r = cli(['run', join(PIPELINES, 'lightgcn.yaml'), '--epochs', '1', '--plain', '--profile', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const text = r.stdout + r.stderr;
  for (const phase of ['forward', 'backward', 'optimizer', 'sampling', 'evaluation'])
    assert.match(text, new RegExp(`\\n\\s+${phase}\\s+[\\d.]+ %`));
  assert.match(text, /\n\s+cf\s+lightgcn\s+[\d.]+ %/);
  const [dir] = listRuns(out);
  const prof = JSON.parse(readFileSync(join(dir!, 'seed-999', 'profile.json'), 'utf8'));
  assert.ok(prof.totalMs > 0);
  assert.deepEqual(prof.ops.map((o: { node: string }) => o.node).sort(), ['bpr', 'cf']);
});
