import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadPipeline } from '../../src/dsl/index.js';
import { formatUserError } from '../../src/util/errors.js';
import { FAKE_SCHEMA } from './fake-ops.js';
import { MINIMAL, userError, writeTree, DSL_FIXTURES } from './tmp.js';

const D = DSL_FIXTURES;
const load = (set: string[], file = join(D, 'base.yaml')) => loadPipeline(file, { schema: FAKE_SCHEMA, set });

test('--set params.dim changes every ${dim}, before substitution', () => {
  const p = load(['params.dim=32']).pipeline;
  assert.equal(p.params.dim, 32);
  assert.equal(p.nodes.cf!.dim, 32);
  assert.deepEqual(p.nodes.p_id!.dims, [32, 32]);
});

test('--set params.alpha feeds arithmetic', () => {
  const p = load(['params.alpha=0.4']).pipeline;
  assert.deepEqual(p.nodes.p_mix!.weights, [0.4, 0.6]);
});

test('--set dotted paths into train, nodes, losses, data', () => {
  const p = load(['train.epochs=5', 'nodes.cf.layers=3', 'losses.bpr.l2=1e-4', 'data.dataset=tiktok']).pipeline;
  assert.equal(p.train.epochs, 5);
  assert.equal(p.nodes.cf!.layers, 3);
  assert.equal(p.losses.bpr!.l2, 1e-4);
  assert.equal(p.data.dataset, 'tiktok');
});

test('--set values are YAML: lists, maps, booleans, numbers', () => {
  const p = load([
    'eval.k=[1,2]',
    // The early-stopping metric must be one that eval computes (recall@20 is not, with k [1, 2]).
    'train.early_stopping.metric=recall@2',
    'nodes.p_id={op: identity, in: cf.items}',
    'sweep={on: true}',
    'train.optimizer.adam.lr=3e-4',
  ]).pipeline;
  assert.deepEqual(p.eval.k, [1, 2]);
  assert.deepEqual(p.nodes.p_id, { op: 'identity', in: 'cf.items' });
  assert.deepEqual(p.sweep, { on: true });
  assert.equal(p.train.optimizer.adam.lr, 3e-4);
});

test('--set into a section the file does not have creates it (defaults fill the rest)', () => {
  const dir = writeTree({ 'm.yaml': MINIMAL });
  const p = loadPipeline(join(dir, 'm.yaml'), {
    schema: FAKE_SCHEMA,
    set: ['train.early_stopping.patience=3'],
  }).pipeline;
  assert.deepEqual(p.train.early_stopping, { metric: 'recall@20', patience: 3 });
  assert.equal(p.train.epochs, 1000);
});

test('--set with an empty value or null deletes', () => {
  const p = load(['losses.amp=null', 'nodes.cf.layers=']).pipeline;
  assert.deepEqual(Object.keys(p.losses), ['bpr']);
  assert.equal(p.nodes.cf!.layers, 2, 'deleted, then filled by the op default');
});

test('--set a list element by index', () => {
  assert.deepEqual(load(['nodes.p_id.dims.1=99']).pipeline.nodes.p_id!.dims, [64, 99]);
  assert.match(userError(() => load(['nodes.p_id.dims.5=1'])).message, /'5' is not an index of a list of 2 items/);
});

test('overridden values are located at the --set argument', () => {
  const lp = load(['train.epochs=5', 'params.dim=32']);
  assert.deepEqual(lp.locate(['train', 'epochs']), { file: '--set train.epochs=5' });
  assert.deepEqual(lp.locate(['params', 'dim']), { file: '--set params.dim=32' });
  // A later schema error about an overridden value still says where it came from.
  const e = userError(() => load(['train.epochs=ten']));
  assert.equal(e.message, 'train.epochs must be an integer, got "ten"');
  assert.deepEqual(e.loc, { file: '--set train.epochs=ten' });
});

test('--set errors: missing =, empty path, unknown top-level key, missing parent', () => {
  const noEq = userError(() => load(['train.epochs']));
  assert.match(noEq.message, /'train\.epochs': expected path=value/);
  assert.deepEqual(noEq.loc, { file: '--set', col: 13 });

  const empty = userError(() => load(['=5']));
  assert.match(empty.message, /empty path/);
  assert.deepEqual(empty.loc, { file: '--set', col: 1 });

  const top = userError(() => load(['trian.epochs=5']));
  assert.match(
    top.message,
    /unknown top-level key 'trian' \(did you mean 'train'\?\); allowed: version, name, description, data, params/,
  );
  assert.deepEqual(top.loc, { file: '--set', col: 1 });

  const parent = userError(() => load(['nodes.cff.layers=3']));
  assert.match(parent.message, /'nodes\.cff' does not exist \(did you mean 'cf'\?\)/);
  assert.deepEqual(parent.loc, { file: '--set', col: 7 });

  const scalar = userError(() => load(['train.epochs.x=1']));
  assert.match(scalar.message, /'train\.epochs' is a single value, not a section/);

  const badValue = userError(() => load(['params.dim=[1']));
  assert.match(badValue.message, /invalid value '\[1'/);
  assert.equal(badValue.loc?.file, '--set');
});

// ---- hostile values --------------------------------------------------------------------------------------------

test('--set with hostile values: infinities, escaping names, NUL, alias bombs and huge strings are located errors', () => {
  const bomb =
    'params={a: &a [1,1,1,1,1,1,1,1,1], ' +
    'bcdefghi'
      .split('')
      .map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)
      .join(', ') +
    '}';
  const cases: [string, RegExp][] = [
    ['params.dim=1e400', /params\.dim must be a finite number, got \.inf/],
    ['train.optimizer.adam.lr=.nan', /lr must be a finite number, got \.nan/],
    ['name=../../x', /name must be one folder name/],
    ['name="a\\0b"', /name must be one folder name .*got "a\\u0000b"/],
    ['train.batch_size=1e12', /train\.batch_size must be <= 1048576/],
    [bomb, /YAML aliases expand to more than 50000 values/],
    [`description=${'x'.repeat(100_000)}`, /line 1 is longer than 10000 characters/],
    ['description=\u001b[2J', /control character U\+001B/],
  ];
  for (const [arg, message] of cases) {
    const e = userError(() => load([arg]));
    assert.match(e.message, message, arg.slice(0, 40));
    assert.match(e.loc?.file ?? '', /^--set/);
    const printed = formatUserError(e);
    assert.ok(
      printed.split('\n').every((l) => l.length <= 2100),
      'lines bounded',
    );
    assert.ok(!printed.includes('\u001b'), 'no raw escape');
  }
});
