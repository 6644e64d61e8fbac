import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SHARED_DATASETS } from '../helpers.js';
import { readInter, parseInter } from '../../src/data/inter.js';
import { tempDir, write, throwsUser } from './util.js';

const enc = (s: string) => new TextEncoder().encode(s);

test('reads the real TikTok .inter with the counts in its SOURCE.md', () => {
  const f = readInter(join(SHARED_DATASETS, 'tiktok', 'tiktok.inter'));
  assert.deepEqual(f.columns, ['userID', 'itemID', 'x_label']);
  assert.equal(f.nUsers, 9308);
  assert.equal(f.nItems, 6710);
  assert.equal(f.train.users.length, 59541);
  assert.equal(f.valid.users.length, 3051);
  assert.equal(f.test.users.length, 6130);
  // First data line of the file is `0\t885\t0`.
  assert.equal(f.train.users[0], 0);
  assert.equal(f.train.items[0], 885);
  const withTrain = new Set(f.train.users);
  assert.equal(withTrain.size, 9298); // SOURCE.md: 10 users have no training row
});

test('reads every real Amazon .inter quickly with its documented split', () => {
  const expected: Record<string, [number, number, number, number, number]> = {
    baby: [19445, 7050, 118551, 20559, 21682],
    clothing: [39387, 23033, 197338, 41189, 40150],
    sports: [35598, 18357, 218409, 40029, 37899],
    office: [4905, 2420, 40877, 5880, 6501],
  };
  for (const [name, [u, i, tr, va, te]] of Object.entries(expected)) {
    const f = readInter(join(SHARED_DATASETS, name, `${name}.inter`));
    assert.deepEqual(
      [f.nUsers, f.nItems, f.train.users.length, f.valid.users.length, f.test.users.length],
      [u, i, tr, va, te],
      name,
    );
  }
});

test('finds columns by header name, with optional rating/timestamp, CRLF, a BOM and trailing blank lines', () => {
  const text =
    '\ufeffitemID\trating\tuserID\ttimestamp\tx_label\r\n5\t4.5\t0\t1600000000\t0\r\n7\t3\t2\t1600000001\t2\r\n1\t1\t1\t1\t1\r\n\r\n';
  const f = parseInter(enc(text), 'x.inter');
  assert.deepEqual(f.columns, ['itemID', 'rating', 'userID', 'timestamp', 'x_label']);
  assert.deepEqual(Array.from(f.train.users), [0]);
  assert.deepEqual(Array.from(f.train.items), [5]);
  assert.deepEqual(Array.from(f.valid.items), [1]);
  assert.deepEqual(Array.from(f.test.users), [2]);
  assert.equal(f.nUsers, 3);
  assert.equal(f.nItems, 8);
  const noNewline = parseInter(enc('userID\titemID\tx_label\n3\t4\t0'), 'y.inter');
  assert.equal(noNewline.train.users[0], 3);
});

test('header problems name the expected columns', (t) => {
  const dir = tempDir(t);
  const noHeader = write(join(dir, 'a.inter'), '0\t885\t0\n1\t2\t0\n');
  throwsUser(() => readInter(noHeader), /looks like data, not a header; expected .*userID, itemID, x_label/, {
    file: noHeader,
    line: 1,
    col: 1,
    excerpt: '0\t885\t0',
  });
  const missing = write(join(dir, 'b.inter'), 'userID\titemID\tlabel\n0\t1\t0\n');
  throwsUser(
    () => readInter(missing),
    /missing column x_label; expected a tab-separated header naming userID, itemID, x_label \(optionally rating, timestamp\)/,
    { line: 1 },
  );
  const spaces = write(join(dir, 'c.inter'), 'userID itemID x_label\n0 1 0\n');
  throwsUser(
    () => readInter(spaces),
    /missing columns userID, itemID, x_label \(the columns must be separated by tabs/,
  );
  const dup = write(join(dir, 'd.inter'), 'userID\titemID\tuserID\tx_label\n');
  throwsUser(() => readInter(dup), /userID appears twice/, { line: 1, col: 15 });
  const empty = write(join(dir, 'e.inter'), 'userID\titemID\tx_label\n\n');
  throwsUser(() => readInter(empty), /no interactions/);
  throwsUser(() => readInter(join(dir, 'nope.inter')), /file not found/);
});

test('bad rows are located at file:line:col with the line as excerpt', (t) => {
  const dir = tempDir(t);
  const H = 'userID\titemID\tx_label\n0\t1\t0\n';
  const cases: [string, RegExp, number, number, string][] = [
    ['3\t-4\t0', /itemID must be a non-negative integer \(ids are 0-based\), found -4/, 3, 3, '3\t-4\t0'],
    ['u7\t4\t0', /userID must be a non-negative integer, found 'u7'/, 3, 1, 'u7\t4\t0'],
    ['3\t4.0\t0', /itemID must be a non-negative integer, found '4.0'/, 3, 3, '3\t4.0\t0'],
    ['3\t4\t3', /x_label must be 0 \(train\), 1 \(valid\) or 2 \(test\), found 3/, 3, 5, '3\t4\t3'],
    ['3\t4\ttest', /x_label must be 0 .*found 'test'/, 3, 5, '3\t4\ttest'],
    ['3\t4', /expected 3 tab-separated fields \(userID, itemID, x_label\), found 2/, 3, 1, '3\t4'],
    ['3\t4\t0\t9', /expected 3 tab-separated fields .*found 4/, 3, 1, '3\t4\t0\t9'],
    ['3\t4\t', /x_label is empty/, 3, 5, '3\t4\t'],
    ['3 4 0', /expected 3 tab-separated fields .*found 1 \(fields must be separated by tabs\)/, 3, 1, '3 4 0'],
    ['99999999999\t4\t0', /userID 99999999999 is too large/, 3, 1, '99999999999\t4\t0'],
  ];
  cases.forEach(([line, msg, ln, col, excerpt], k) => {
    const p = write(join(dir, `r${k}.inter`), H + line + '\n5\t5\t0\n');
    throwsUser(() => readInter(p), msg, { file: p, line: ln, col, excerpt });
  });
  // Line numbers count blank lines too, so they match an editor's.
  const p = write(join(dir, 'blank.inter'), H + '\n\n0\tx\t0\n');
  throwsUser(() => readInter(p), /itemID/, { line: 5, col: 3 });
});
