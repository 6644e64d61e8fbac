import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { defaultSchemaPath, dumpResolved, loadPipeline, loadSchemaFile, packageRoot } from '../../src/dsl/index.js';
import { REPO_ROOT } from '../helpers.js';
import { FAKE_SCHEMA } from './fake-ops.js';
import { MINIMAL, userError, writeTree, DSL_FIXTURES } from './tmp.js';

test('loadPipeline returns the resolved pipeline, the files and a locator', () => {
  const file = join(DSL_FIXTURES, 'child.yaml');
  const lp = loadPipeline(file, { schema: FAKE_SCHEMA, set: ['train.seed=7'] });
  assert.equal(lp.file, file);
  assert.equal(lp.files.length, 2);
  assert.equal('extends' in lp.pipeline, false, 'extends is resolved away');
  assert.equal(lp.pipeline.train.seed, 7);
  assert.deepEqual(lp.pipeline.nodes.p_mix!.weights, [0.25, 0.75]);
  assert.equal(lp.locate(['nodes', 'p_mix', 'weights', 1]).line, 17);
});

test('the language as the design writes it: inline nodes, ports, list inputs, arithmetic in lists', () => {
  const text = MINIMAL.replace(
    '  cf: { op: lightgcn, dim: ${dim}, layers: 2 }\n',
    [
      '  cf: { op: lightgcn, dim: ${dim}, layers: 2 }',
      '  p_mm: { op: mlp, in: cf.items, dims: [${dim}, ${dim}] }',
      '  item_out: { op: mix, in: [cf.items, { op: mlp, in: p_mm }], weights: [1, 1 - ${dim} / 128] }',
      '',
    ].join('\n'),
  ).replace('item: cf.items }\n', 'item: item_out }\n');
  const dir = writeTree({ 'a.yaml': text });
  const p = loadPipeline(join(dir, 'a.yaml'), { schema: FAKE_SCHEMA }).pipeline;
  // Op defaults reach inline nodes too (mlp's dims).
  assert.deepEqual(p.nodes.item_out, {
    op: 'mix',
    in: ['cf.items', { op: 'mlp', in: 'p_mm', dims: [64] }],
    weights: [1, 0.5],
  });
  assert.equal(p.outputs.item, 'item_out');
});

test('missing pipeline file is a UserError naming it', () => {
  const e = userError(() => loadPipeline('no/such/pipeline.yaml', { schema: FAKE_SCHEMA }));
  assert.equal(e.message, "cannot read 'no/such/pipeline.yaml': no such file");
  assert.deepEqual(e.loc, { file: 'no/such/pipeline.yaml' });
});

test('dumpResolved writes YAML that reads back to the same pipeline', () => {
  const p = loadPipeline(join(DSL_FIXTURES, 'deeper', 'grandchild.yaml'), { schema: FAKE_SCHEMA }).pipeline;
  const text = dumpResolved(p);
  assert.match(text, /^# resolved pipeline/);
  assert.ok(!text.includes('${'), 'no unresolved references');
  assert.deepEqual(parse(text), JSON.parse(JSON.stringify(p)));
});

test('package root and default schema path are found from the module', () => {
  assert.equal(packageRoot(), REPO_ROOT);
  assert.equal(defaultSchemaPath(), join(REPO_ROOT, 'schemas', 'pipeline.schema.json'));
});

test('loadSchemaFile: reads JSON; a missing or broken file is a UserError', () => {
  const dir = writeTree({ 's.json': JSON.stringify(FAKE_SCHEMA), 'bad.json': '{ nope' });
  assert.deepEqual(loadSchemaFile(join(dir, 's.json')), FAKE_SCHEMA);
  assert.match(userError(() => loadSchemaFile(join(dir, 'missing.json'))).message, /npm run schema/);
  assert.match(userError(() => loadSchemaFile(join(dir, 'bad.json'))).message, /not valid JSON/);
  // The generated schema, once someone has written it, must load and compile.
  if (existsSync(defaultSchemaPath())) {
    const dir2 = writeTree({ 'p.yaml': 'name: x\n' });
    const e = userError(() => loadPipeline(join(dir2, 'p.yaml'), { schema: loadSchemaFile() }));
    assert.match(e.message, /missing required key/);
  }
});
