import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CLI, REPO_ROOT } from './helpers.js';
import { trainExample } from '../examples/train-from-typescript.js';

test('an op defined outside src/ is loaded with --plugin, listed, and trains inside a pipeline', () => {
  const plugin = join(REPO_ROOT, 'dist', 'examples', 'custom-op', 'layer-norm.js');
  const pipeline = join(REPO_ROOT, 'examples', 'custom-op', 'lightgcn-layernorm.yaml');
  const ops = spawnSync(process.execPath, [CLI, '--plugin', plugin, 'ops'], { encoding: 'utf8' });
  assert.match(ops.stdout, /layer_norm\s+Row-wise layer normalisation/);
  const without = spawnSync(process.execPath, [CLI, 'check', pipeline], { encoding: 'utf8' });
  assert.equal(without.status, 2);
  assert.match(without.stderr, /unknown op 'layer_norm'/);
  const r = spawnSync(
    process.execPath,
    [CLI, '--plugin', plugin, 'run', pipeline, '--epochs', '2', '--no-save', '--json'],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  const last = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(last.type, 'result');
  assert.equal(last.pipeline, 'lightgcn-layernorm');
});

test('the TypeScript API example trains and reports a curve', async () => {
  const { result, curve } = await trainExample(3);
  assert.equal(curve.length, 3);
  assert.ok(result.mean.test['recall@20']! > 0);
});
