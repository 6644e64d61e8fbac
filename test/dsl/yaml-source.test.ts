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
  assert.deepEqual(locateIn(t, ['nodes', 'cf', 'op']), {
    file: 'l.yaml',
    line: 4,
    col: 9,
    excerpt: '    op: lightgcn',
  });
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

// ---- limits on hostile input ----------------------------------------------------------------------------------

const laughs = (levels: number): string =>
  'a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n' +
  Array.from({ length: levels }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(', ')}]\n`).join('');

test('an alias bomb stops at the value budget, located at the alias that expands it', () => {
  const t0 = process.cpuUsage().user;
  const e = userError(() => parseYamlText(laughs(8), 'bomb.yaml'));
  assert.ok((process.cpuUsage().user - t0) / 1e6 < 5, 'stopped early');
  assert.match(e.message, /YAML aliases expand to more than 50000 values/);
  assert.equal(e.loc?.file, 'bomb.yaml');
  assert.ok((e.loc?.line ?? 0) > 1 && e.loc?.col !== undefined);
  // A few aliases used normally are fine.
  assert.deepEqual(
    (toPlain(parseYamlText(laughs(2), 'ok.yaml')) as Record<string, unknown>).a2,
    Array(9).fill(Array(9).fill(Array(9).fill('lol'))),
  );
});

test('flow nesting deeper than 64 is refused before the parser recurses; 64 is fine', () => {
  const deep = (n: number) => `x: ${'['.repeat(n)}${']'.repeat(n)}\n`;
  parseYamlText(deep(63), 'ok.yaml');
  const e = userError(() => parseYamlText(deep(20_000).replace(/\[{100}|\]{100}/g, '$&\n'), 'deep.yaml'));
  assert.match(e.message, /collections nested more than 64 deep/);
  assert.equal(e.loc?.line, 1);
  assert.equal(e.loc?.col, 'x: '.length + 65);
  // Brackets inside quotes and comments do not count.
  parseYamlText(`a: "${'['.repeat(100)}"\nb: '${'{'.repeat(100)}'\n# ${'['.repeat(100)}\n`, 'q.yaml');
});

test('block nesting deeper than 64 is refused at the value', () => {
  let text = 'a:\n';
  for (let i = 1; i <= 80; i++) text += `${'  '.repeat(i)}k${i}:\n`;
  const e = userError(() => parseYamlText(text, 'b.yaml'));
  assert.match(e.message, /collections nested more than 64 deep/);
  assert.ok((e.loc?.line ?? 0) > 60);
});

test('a line over 10,000 characters, or a document over 256 KB, is refused', () => {
  const e = userError(() => parseYamlText(`a: 1\nb: ${'x'.repeat(10_000)}\n`, 'l.yaml'));
  assert.deepEqual([e.loc?.line, e.loc?.col], [2, 10_001]);
  assert.match(e.message, /line 2 is longer than 10000 characters/);
  const big = userError(() => parseYamlText('# pad\n'.repeat(200_000), 'big.yaml'));
  assert.match(big.message, /larger than 256 KB/);
});

test('more than 50,000 values in one document is refused', () => {
  const row = Array(100).fill('1').join(',');
  const e = userError(() => parseYamlText(`xs: [\n${Array(600).fill(`  ${row},`).join('\n')}\n  ]\n`, 'v.yaml'));
  assert.match(e.message, /the document holds more than 50000 values/);
});

test('control characters are refused where they stand; tabs in values and a BOM are fine', () => {
  const e = userError(() => parseYamlText('a: 1\nb: x\u0000y\n', 'n.yaml'));
  assert.deepEqual([e.loc?.line, e.loc?.col], [2, 5]);
  assert.match(e.message, /control character U\+0000/);
  assert.match(userError(() => parseYamlText('# \u001b[2J\n', 'e.yaml')).message, /U\+001B/);
  assert.deepEqual(toPlain(parseYamlText('\ufeffa: "x\ty"\n', 't.yaml')), { a: 'x\ty' });
});

test('duplicate keys are found in linear time: 15,000 distinct keys parse quickly', () => {
  let text = 'params:\n';
  for (let i = 0; i < 15_000; i++) text += `  p${i}: ${i}\n`;
  const t0 = process.cpuUsage().user;
  parseYamlText(text, 'p.yaml');
  // The yaml package's own duplicate check is quadratic and far slower than this at this size.
  assert.ok((process.cpuUsage().user - t0) / 1e6 < 2, 'not quadratic');
  const e = userError(() => parseYamlText('a: {x: 1, y: 2, x: 3}\n', 'd.yaml'));
  assert.deepEqual([e.loc?.line, e.loc?.col], [1, 17]);
  assert.match(e.message, /Map keys must be unique/);
});

test('a pipeline file that is not a mapping is described by kind, never by its text', () => {
  const dir = writeTree({ 'secret.yaml': 'DB_PASSWORD=hunter2 and more\n' });
  const e = userError(() => parseYamlFile(join(dir, 'secret.yaml'), 'secret.yaml'));
  assert.match(e.message, /must be a mapping .*got a string$/);
  assert.ok(!formatUserError(e).split('\n')[0]!.includes('hunter2'));
});
