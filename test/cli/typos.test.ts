/**
 * Typos caught at the command line: a parameter that does not exist or that nothing uses, a pipeline path that
 * is one letter off, a folder where a pipeline file is needed, and a file where a dataset folder is needed. Each
 * exits 2 with a located message and writes nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, PIPELINES, REPO_ROOT } from '../helpers.js';

function cli(args: string[], cwd = REPO_ROOT) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'af-typos-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const noStack = (s: string) => assert.doesNotMatch(s, /\bat .+:\d+:\d+/);

test('--set params.<typo> is refused with "did you mean" instead of training with the declared value', () => {
  for (const cmd of [
    ['check', 'pipelines/lightgcn.yaml'],
    ['run', 'pipelines/lightgcn.yaml', '--no-save'],
  ]) {
    const r = cli([...cmd, '--set', 'params.dimm=32']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(
      r.stderr,
      /^--set: 'params\.dimm=32': 'params\.dimm' is not a parameter of this pipeline \(did you mean 'params\.dim'\?\); declared: dim, layers, reg_weight\n/,
    );
    noStack(r.stderr);
  }
  // A declared one still works.
  assert.equal(cli(['check', 'pipelines/lightgcn.yaml', '--set', 'params.dim=32']).status, 0);
});

test('a parameter the run file declares and nothing uses is an error at its line, with the used name it was meant for', (t) => {
  const dir = tmp(t);
  const child = join(dir, 'child.yaml');
  writeFileSync(child, `extends: ${join(PIPELINES, 'lightgcn.yaml')}\nname: child\nparams:\n  dimm: 32\n`);
  const r = cli(['check', child]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(
    r.stderr,
    /child\.yaml:4:3: parameter 'dimm' is declared but no node, loss, train or eval value uses it, so it would have no effect \(did you mean 'dim'\? \$\{dim\} is used\)/,
  );
  const run = cli(['run', child, '--out', join(dir, 'runs')]);
  assert.equal(run.status, 2, run.stderr);
  assert.ok(!existsSync(join(dir, 'runs')), 'nothing written');
  // A misspelt reference is reported as such, not as the declared parameter being unused.
  const ref = join(dir, 'ref.yaml');
  writeFileSync(
    ref,
    `extends: ${join(PIPELINES, 'lightgcn.yaml')}\nname: ref\nnodes:\n  cf: { op: lightgcn, graph: ui.adj, dim: \${dimm}, layers: \${layers} }\n`,
  );
  assert.match(cli(['check', ref]).stderr, /ref\.yaml:4:\d+: unknown parameter 'dimm' \(did you mean 'dim'\?\)/);
});

test('every shipped pipeline passes check (no parameter left unused)', () => {
  const r = cli(['check', 'pipelines/']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /ok {2}pipelines\/anchorrec\.yaml/);
});

test('a pipeline path one letter off suggests the nearest file, in run, check, graph and sweep', () => {
  for (const cmd of ['run', 'graph', 'sweep']) {
    const r = cli([cmd, 'pipelines/anchorec.yaml']);
    assert.equal(r.status, 2, `${cmd}: ${r.stderr}`);
    assert.equal(
      r.stderr,
      `pipelines/anchorec.yaml: cannot read 'pipelines/anchorec.yaml': no such file; did you mean pipelines/anchorrec.yaml?\n`,
      cmd,
    );
  }
  const check = cli(['check', 'pipelines/baselines/lightgcm.yaml']);
  assert.equal(check.status, 2);
  assert.match(
    check.stderr,
    /^pipelines\/baselines\/lightgcm\.yaml: no such file or folder; did you mean pipelines\/baselines\/lightgcn\.yaml\?\n$/,
  );
  // The extension left off.
  assert.match(cli(['run', 'pipelines/lightgcn']).stderr, /did you mean pipelines\/lightgcn\.yaml\?/);
  // Nothing near: no guess.
  assert.match(cli(['run', 'pipelines/zzzzzzzz.yaml']).stderr, /no such file\n$/);
});

test('a folder where a pipeline file is needed lists the pipelines in it (fragments left out)', () => {
  for (const folder of ['pipelines/', 'pipelines/baselines']) {
    const r = cli(['run', folder, '--no-save']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /is a folder, not a pipeline file; its pipelines: .*pipelines\/baselines\/lightgcn\.yaml/);
    assert.doesNotMatch(r.stderr, /_mmrec/);
    noStack(r.stderr);
  }
  assert.match(cli(['graph', 'pipelines/']).stderr, /pipelines\/anchorrec\.yaml/);
});

test('--data given a file says it must be a dataset folder, and writes no run directory', (t) => {
  const dir = tmp(t);
  const r = cli(['run', 'pipelines/lightgcn.yaml', '--data', 'pipelines/lightgcn.yaml', '--out', join(dir, 'runs')]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /lightgcn\.yaml: --data must be a dataset folder .*this is a file/);
  assert.ok(!existsSync(join(dir, 'runs')) || readdirSync(join(dir, 'runs')).length === 0);
});

test('zoo --pipelines one letter off suggests the folder', () => {
  const r = cli(['zoo', '--pipelines', 'pipeline', '--table-only']);
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr, 'pipeline: no such folder; did you mean pipelines?\n');
});
