import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SHARED_DATASETS } from '../helpers.js';
import { loadDataset } from '../../src/data/dataset.js';
import { inspectDataset, formatInspect } from '../../src/data/inspect.js';
import { join } from 'node:path';
import { tempDir, write } from './util.js';

test('inspect summarises real TikTok: counts, density, gaps and feature statistics', async () => {
  const ds = await loadDataset({
    dataset: 'tiktok',
    dataDir: SHARED_DATASETS,
    features: { v: 'image_feat.npy', t: 'audio_feat.npy' },
  });
  const s = inspectDataset(ds);
  assert.equal(s.users, 9308);
  assert.equal(s.items, 6710);
  assert.deepEqual(s.interactions, { train: 59541, valid: 3051, test: 6130, total: 68722 });
  assert.ok(Math.abs(s.densityPct - (100 * 68722) / (9308 * 6710)) < 1e-9);
  assert.ok(Math.abs(s.densityPct + s.sparsityPct - 100) < 1e-9);
  assert.equal(s.usersWithoutTrain, 10);
  assert.equal(s.itemsNeverInTrain, 6710 - ds.trainItems.length);
  assert.equal(s.duplicateTrainRows, 0);
  const v = s.features.find((f) => f.name === 'v')!;
  assert.deepEqual([v.rows, v.cols, v.min, v.zeroRows], [6710, 128, 0, 0]);
  assert.ok(Math.abs(v.mean - 2.689) < 5e-4 && Math.abs(v.std - 1.169) < 5e-4);
  const t = s.features.find((f) => f.name === 't')!;
  assert.ok(Math.abs(t.mean - 0.037) < 5e-4 && Math.abs(t.std - 0.424) < 5e-4);
  assert.ok(s.warnings.some((w) => /^10 users have no train rows/.test(w)));
  assert.ok(s.warnings.some((w) => /items never occur in train/.test(w)));

  const text = formatInspect(s);
  assert.match(text, /^dataset tiktok/);
  assert.match(text, /users\s+9,308/);
  assert.match(text, /train\s+59,541\s+86\.6%/);
  assert.match(text, /\nv\s+6,710\s+128\s+2\.689\s+1\.169\s+0\s+13\.\d+\s+.*image_feat\.npy \(<f2\)/);
  assert.match(text, /warning: 10 users have no train rows/);
  assert.doesNotThrow(() => JSON.stringify(s));
});

test('inspect of synthetic data with no features has no warnings about gaps', async () => {
  const ds = await loadDataset({ dataset: 'synth:small', features: {} });
  const s = inspectDataset(ds);
  assert.equal(s.usersWithoutTrain, 0);
  assert.deepEqual(s.features, []);
  assert.match(formatInspect(s), /features: none loaded/);
});

test('inspect counts duplicate valid/test rows and pairs shared by two splits, and warns about them', async (t) => {
  const dir = tempDir(t);
  // user 0: train 0, 1; valid 2 twice; test 1 (also in train) and 3 twice.
  // user 1: train 4; valid 5; test 5 (also in valid) and 4 (also in train).
  const rows = [
    [0, 0, 0],
    [0, 1, 0],
    [0, 2, 1],
    [0, 2, 1],
    [0, 1, 2],
    [0, 3, 2],
    [0, 3, 2],
    [1, 4, 0],
    [1, 5, 1],
    [1, 5, 2],
    [1, 4, 2],
  ];
  write(join(dir, 'dups', 'dups.inter'), 'userID\titemID\tx_label\n' + rows.map((r) => r.join('\t')).join('\n') + '\n');
  const ds = await loadDataset({ dataset: 'dups', dataPath: join(dir, 'dups'), features: {} });
  const s = inspectDataset(ds);
  assert.equal(s.duplicateTrainRows, 0);
  assert.deepEqual(s.duplicateEvalRows, { valid: 1, test: 1 });
  assert.deepEqual(s.overlap, { trainValid: 0, trainTest: 2, validTest: 1 });
  assert.ok(
    s.warnings.some((w) => /^1 duplicate \(user, item\) rows in valid: each counts in \|T\|/.test(w)),
    s.warnings.join('\n'),
  );
  assert.ok(s.warnings.some((w) => /^1 duplicate \(user, item\) rows in test/.test(w)));
  assert.ok(s.warnings.some((w) => /^2 \(user, item\) pairs are in both train and test: .*never be hit/.test(w)));
  assert.ok(s.warnings.some((w) => /^1 \(user, item\) pairs are in both valid and test/.test(w)));
  assert.ok(!s.warnings.some((w) => /train and valid/.test(w)), 'no train/valid overlap here');
  const text = formatInspect(s);
  assert.match(
    text,
    /duplicate rows: train 0, valid 1, test 1; pairs in two splits: train\+valid 0, train\+test 2, valid\+test 1/,
  );
  assert.match(text, /warning: 1 duplicate \(user, item\) rows in test/);
});

test('real TikTok has no duplicate valid/test rows and no pair in two splits', async () => {
  const s = inspectDataset(await loadDataset({ dataset: 'tiktok', dataDir: SHARED_DATASETS, features: {} }));
  assert.deepEqual(s.duplicateEvalRows, { valid: 0, test: 0 });
  assert.deepEqual(s.overlap, { trainValid: 0, trainTest: 0, validTest: 0 });
});
