import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clip, formatUserError, quote, UserError } from '../../src/util/errors.js';

test('quote: one line, at most 200 characters, control characters escaped', () => {
  assert.equal(quote('short'), 'short');
  assert.equal(quote('root:x:0:0\ndaemon:x:1:1'), 'root:x:0:0…');
  assert.equal(quote('a'.repeat(500)), 'a'.repeat(200) + '…');
  assert.equal(quote('x\u0000y\u001b[2J\u202e'), 'x\\u0000y\\u001b[2J\\u202e');
  assert.equal(clip('tab\tkept'), 'tab\tkept');
});

test('formatUserError: a long excerpt is a window around the column, with the caret on the character', () => {
  const line = 'a'.repeat(5000) + 'X' + 'b'.repeat(5000);
  const out = formatUserError(new UserError('bad', { file: 'f.yaml', line: 3, col: 5001, excerpt: line })).split('\n');
  assert.equal(out[0], 'f.yaml:3:5001: bad');
  assert.ok(out[1]!.length < 220, 'excerpt cut');
  assert.equal(out[1]!.indexOf('X'), out[2]!.indexOf('^'), 'caret under the column');
});

test('formatUserError: control characters never reach the terminal and no printed line is unbounded', () => {
  const e = new UserError(`names: ${'n, '.repeat(10_000)}\u001b[2J`, {
    file: 'f\u001b.yaml',
    line: 1,
    col: 2,
    excerpt: 'a\u0007b',
  });
  const out = formatUserError(e);
  assert.ok(!/[\u0000-\u0008\u000b-\u001f]/.test(out));
  assert.ok(out.split('\n').every((l) => l.length <= 2100));
  assert.match(out, /more characters\)/);
  // The excerpt keeps its width so the caret stays aligned.
  assert.equal(out.split('\n')[1], '  1 | a\ufffdb');
});
