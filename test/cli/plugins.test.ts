import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CLI, REPO_ROOT } from '../helpers.js';
import { resolvePlugin } from '../../src/cli/plugins.js';

const EXAMPLE = join(REPO_ROOT, 'dist', 'examples', 'custom-op', 'layer-norm.js');

function cli(args: string[], cwd: string, env: Record<string, string> = {}) {
  const base: NodeJS.ProcessEnv = { ...process.env, CI: 'true' };
  delete base.ANCHORFLOW_PLUGINS;
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd, env: { ...base, ...env } });
}

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'af-plugins-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('--plugin with a relative path as the README writes it (no ./) loads the file from the working directory', () => {
  const r = cli(['--plugin', 'dist/examples/custom-op/layer-norm.js', 'ops'], REPO_ROOT);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /layer_norm\s+Row-wise layer normalisation/);
});

test('--plugin and ANCHORFLOW_PLUGINS resolve relative paths, with or without ./, against the working directory', (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'ops'));
  // A plugin of the user's own that brings in the example op.
  writeFileSync(join(dir, 'ops', 'mine.js'), `export * from ${JSON.stringify(pathToFileURL(EXAMPLE).href)};\n`);
  for (const [args, env] of [
    [['--plugin', './ops/mine.js', 'ops'], {}],
    [['--plugin', 'ops/mine.js', 'ops'], {}],
    [['ops'], { ANCHORFLOW_PLUGINS: 'ops/mine.js' }],
  ] as [string[], Record<string, string>][]) {
    const r = cli(args, dir, env);
    assert.equal(r.status, 0, `${args.join(' ')} ${JSON.stringify(env)}: ${r.stderr}`);
    assert.match(r.stdout, /layer_norm/, args.join(' '));
  }
  // From the repository root the same relative path names nothing: the op is not registered by accident.
  const elsewhere = cli(['--plugin', 'ops/mine.js', 'ops'], REPO_ROOT);
  assert.equal(elsewhere.status, 2);
});

test('a plugin that is neither a file nor a package is a user error naming it, exit 2, no stack trace', (t) => {
  const dir = tempDir(t);
  for (const [name, expected] of [
    ['./missing/op.js', `no plugin file ${join(dir, 'missing', 'op.js')}`],
    ['missing/op.js', `no file ${join(dir, 'missing', 'op.js')} and no installed package 'missing/op.js'`],
  ] as const) {
    const r = cli(['--plugin', name, 'ops'], dir);
    assert.equal(r.status, 2, r.stderr);
    assert.ok(r.stderr.startsWith(`${name}: `), r.stderr);
    assert.ok(r.stderr.includes(expected), r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.equal(r.stdout, '');
  }
});

test('resolvePlugin: files become absolute paths (what sweep workers receive), package names stay names', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'op.js'), '');
  assert.equal(resolvePlugin('op.js', dir), join(dir, 'op.js'));
  assert.equal(resolvePlugin('./op.js', dir), join(dir, 'op.js'));
  assert.equal(resolvePlugin('./not-there.js', dir), join(dir, 'not-there.js'));
  assert.equal(resolvePlugin('anchorflow-extra-ops', dir), 'anchorflow-extra-ops');
  assert.equal(resolvePlugin('@lab/ops/extra.js', dir), '@lab/ops/extra.js');
  assert.equal(resolvePlugin(EXAMPLE, dir), EXAMPLE);
});
