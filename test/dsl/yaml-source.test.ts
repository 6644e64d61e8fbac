import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { locateIn, locateKeyIn, parseYamlFile, parseYamlText, toPlain } from '../../src/dsl/index.js';
import { formatUserError } from '../../src/util/errors.js';
import { userError, writeTree } from './tmp.js';

test('syntax error: bad indentation is reported at the exact line:col with the line as excerpt', () => {
  const e = userError(() => parseYamlText('name: x\nnodes:\n  a: 1\n   b: 2\n', 'p.yaml'));
  assert.equal(e.loc?.file, 'p.yaml');
  assert.equal(e.loc?.line, 3);
  assert.equal(e.loc?.col, 6);
  assert.equal(e.loc?.excerpt, '  a: 1');
  assert.match(e.message, /^YAML syntax error: /);
  // yaml's own code frame and "at line" suffix are gone: one line, no caret.
  assert.ok(!e.message.includes('\n'));
  assert.ok(!/at line \d+/.test(e.message));
});

test('syntax error: unclosed flow sequence points at where it should have ended', () => {
  const e = userError(() => parseYamlText('a: [1, 2\nb: 3\n', 'q.yaml'));
  assert.deepEqual([e.loc?.line, e.loc?.col, e.loc?.excerpt], [2, 1, 'b: 3']);
  assert.match(e.message, /Flow sequence/);
});

test('syntax error: duplicate key is located at the second key', () => {
  const e = userError(() => parseYamlText('name: a\ntrain: {}\nname: b\n', 'd.yaml'));
  assert.deepEqual([e.loc?.line, e.loc?.col], [3, 1]);
  assert.match(e.message, /unique/);
  assert.equal(formatUserError(e).split('\n')[0], `d.yaml:3:1: ${e.message}`);
});

test('${...} is allowed inside flow collections and arithmetic survives unquoted', () => {
  const t = parseYamlText('n: { op: mix, dim: ${dim}, w: [${a}, 1 - ${a}], e: (${a} + ${b}) / 2 }\n', 'f.yaml');
  assert.deepEqual(toPlain(t), { n: { op: 'mix', dim: '${dim}', w: ['${a}', '1 - ${a}'], e: '(${a} + ${b}) / 2' } });
});

test('scalars keep YAML types (1e-3 is a number, true a boolean)', () => {
  const t = parseYamlText('a: 1e-3\nb: true\nc: recall@20\nd: ~\n', 'x.yaml');
  assert.deepEqual(toPlain(t), { a: 0.001, b: true, c: 'recall@20', d: null });
});

test('locate: value position for scalars, key position for collections, ancestor fallback', () => {
  const src = 'name: x\nnodes:\n  cf:\n    op: lightgcn\n    dims: [4, 8]\n';
  const t = parseYamlText(src, 'l.yaml');
  assert.deepEqual(locateIn(t, ['nodes', 'cf', 'op']), { file: 'l.yaml', line: 4, col: 9, excerpt: '    op: lightgcn' });
  assert.deepEqual(locateIn(t, ['nodes', 'cf']), { file: 'l.yaml', line: 3, col: 3, excerpt: '  cf:' });
  const item = locateIn(t, ['nodes', 'cf', 'dims', 1]);
  assert.deepEqual([item.line, item.col], [5, 15]);
  // A path that does not exist falls back to the deepest existing ancestor (here the node's key).
  const missing = locateIn(t, ['nodes', 'cf', 'layers']);
  assert.deepEqual([missing.line, missing.col], [3, 3]);
  const key = locateKeyIn(t, ['nodes', 'cf', 'op']);
  assert.deepEqual([key.line, key.col], [4, 5]);
});

test('anchors, aliases and merge keys resolve', () => {
  const t = parseYamlText('base: &b { x: 1, y: 2 }\nm: { <<: *b, y: 3 }\nc: *b\n', 'a.yaml');
  assert.deepEqual(toPlain(t), { base: { x: 1, y: 2 }, m: { x: 1, y: 3 }, c: { x: 1, y: 2 } });
});

test('parseYamlFile: missing file, empty file, non-mapping top level', () => {
  const dir = writeTree({ 'empty.yaml': '# nothing\n', 'list.yaml': '- a\n- b\n' });
  assert.deepEqual(toPlain(parseYamlFile(join(dir, 'empty.yaml'))), {});
  const e1 = userError(() => parseYamlFile(join(dir, 'nope.yaml'), 'nope.yaml'));
  assert.match(e1.message, /cannot read 'nope\.yaml': no such file/);
  const e2 = userError(() => parseYamlFile(join(dir, 'list.yaml'), 'list.yaml'));
  assert.match(e2.message, /must be a mapping.*got a list/);
  assert.deepEqual([e2.loc?.line, e2.loc?.col], [1, 1]);
});
