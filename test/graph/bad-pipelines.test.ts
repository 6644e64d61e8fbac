import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { FIXTURES, CLI } from '../helpers.js';
import { readExpectations } from '../fixtures/expectations.js';
import { compileSymbolic, loadChecked } from '../../src/experiments/run.js';
import { formatUserError, UserError } from '../../src/util/errors.js';

const cases = readExpectations(join(FIXTURES, 'bad'));

test('the bad-pipeline corpus is not empty', () => {
  assert.ok(cases.length >= 20, `only ${cases.length} fixtures`);
});

for (const c of cases) {
  test(`bad pipeline ${c.fixture.split('/').pop()} gives a located error`, () => {
    let err: unknown;
    try {
      compileSymbolic(loadChecked(c.fixture));
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`);
    const e = err as UserError;
    const shown = formatUserError(e);
    assert.match(e.message, c.message, shown);
    assert.equal(resolve(e.loc!.file), resolve(c.file), shown);
    assert.equal(`${e.loc!.line}:${e.loc!.col}`, `${c.line}:${c.col}`, shown);
    assert.ok(e.loc!.excerpt !== undefined && e.loc!.excerpt.length > 0, `no excerpt:\n${shown}`);
  });
}

test('the CLI reports a bad pipeline as file:line:col with the line, exit 2, no stack trace', () => {
  for (const name of [
    'unknown-op.yaml',
    'cycle.yaml',
    'shape-mismatch.yaml',
    'yaml-syntax.yaml',
    'missing-extends.yaml',
  ]) {
    const c = cases.find((x) => x.fixture.endsWith(name))!;
    const r = spawnSync(process.execPath, [CLI, 'check', c.fixture], { encoding: 'utf8' });
    assert.equal(r.status, 2, `${name}: ${r.stderr}`);
    const first = r.stderr.split('\n')[0]!;
    assert.match(first, new RegExp(`:${c.line}:${c.col}: `));
    assert.match(r.stderr, /\n\s+\d+ \| /, 'shows the offending line');
    assert.doesNotMatch(r.stderr, /\n\s+at .+\(.*:\d+:\d+\)/, 'no stack trace');
  }
});
