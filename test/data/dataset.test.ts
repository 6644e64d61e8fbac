import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SHARED_DATASETS } from '../helpers.js';
import { loadDataset, resolveDataDir, listDatasets } from '../../src/data/dataset.js';
import type { UserItems } from '../../src/data/types.js';
import { tempDir, write, rejectsUser } from './util.js';

const TIKTOK_FEATURES = { v: 'image_feat.npy', t: 'audio_feat.npy', mm: { concat: ['v', 't'] } };

function checkCsr(ui: UserItems, nUsers: number, rows: number) {
  assert.equal(ui.indptr.length, nUsers + 1);
  assert.equal(ui.indptr[nUsers], rows);
  for (let u = 0; u < nUsers; u++) {
    for (let j = ui.indptr[u]! + 1; j < ui.indptr[u + 1]!; j++)
      assert.ok(ui.indices[j - 1]! < ui.indices[j]!, `user ${u} sorted`);
  }
}

test('loads real TikTok from a data root with v, t and mm = [v | t]', async () => {
  const ds = await loadDataset({ dataset: 'tiktok', dataDir: SHARED_DATASETS, features: TIKTOK_FEATURES });
  assert.equal(ds.name, 'tiktok');
  assert.equal(ds.dir, join(SHARED_DATASETS, 'tiktok'));
  assert.equal(ds.nUsers, 9308);
  assert.equal(ds.nItems, 6710);
  assert.deepEqual([ds.train.users.length, ds.valid.users.length, ds.test.users.length], [59541, 3051, 6130]);
  checkCsr(ds.trainByUser, ds.nUsers, 59541);
  checkCsr(ds.validByUser, ds.nUsers, 3051);
  checkCsr(ds.testByUser, ds.nUsers, 6130);
  let empty = 0;
  for (let u = 0; u < ds.nUsers; u++) if (ds.trainByUser.indptr[u + 1] === ds.trainByUser.indptr[u]) empty++;
  assert.equal(empty, 10);
  // Every train row is in its user's list.
  for (let r = 0; r < ds.train.users.length; r += 97) {
    const u = ds.train.users[r]!;
    assert.ok(
      ds.trainByUser.indices
        .subarray(ds.trainByUser.indptr[u]!, ds.trainByUser.indptr[u + 1]!)
        .includes(ds.train.items[r]!),
    );
  }
  const ti = ds.trainItems;
  assert.equal(ti.length, new Set(ds.train.items).size);
  for (let k = 1; k < ti.length; k++) assert.ok(ti[k - 1]! < ti[k]!);
  const { v, t, mm } = ds.features as Record<string, { rows: number; cols: number; data: Float32Array }>;
  assert.deepEqual([v!.rows, v!.cols, t!.cols, mm!.rows, mm!.cols], [6710, 128, 128, 6710, 256]);
  for (const row of [0, 1234, 6709]) {
    assert.deepEqual(mm!.data.subarray(row * 256, row * 256 + 128), v!.data.subarray(row * 128, (row + 1) * 128));
    assert.deepEqual(mm!.data.subarray(row * 256 + 128, (row + 1) * 256), t!.data.subarray(row * 128, (row + 1) * 128));
  }
});

test('a dataset folder can be given directly, and only listed modalities load', async () => {
  const ds = await loadDataset({ dataset: 'ignored', dataPath: join(SHARED_DATASETS, 'office'), features: {} });
  assert.equal(ds.name, 'office');
  assert.equal(ds.nUsers, 4905);
  assert.equal(ds.nItems, 2420);
  assert.deepEqual(ds.features, {});
  const withSynth = await loadDataset({
    dataset: 'office',
    dataDir: SHARED_DATASETS,
    features: { t: { synthetic: 384 } },
    seed: 3,
  });
  assert.equal(withSynth.features.t!.rows, 2420);
  assert.equal(withSynth.features.t!.cols, 384);
});

test('built-in synthetic datasets load with their features', async () => {
  const ds = await loadDataset({
    dataset: 'synth:small',
    features: { mm: 'mm_feat.npy', t: 'text_feat.npy', v: 'image_feat.npy' },
    seed: 9,
  });
  assert.equal(ds.name, 'synth:small');
  assert.equal(ds.dir, undefined);
  assert.equal(ds.nUsers, 1000);
  assert.equal(ds.features.v!.cols, 4096);
  checkCsr(ds.trainByUser, 1000, ds.train.users.length);
  await rejectsUser(
    loadDataset({ dataset: 'synth:huge', features: {} }),
    /unknown built-in dataset synth:huge \(built-in: synth:small, synth:baby\)/,
  );
});

test('resolveDataDir prefers the CLI value, then ANCHORFLOW_DATA_DIR', () => {
  const saved = process.env.ANCHORFLOW_DATA_DIR;
  try {
    delete process.env.ANCHORFLOW_DATA_DIR;
    assert.equal(resolveDataDir(), undefined);
    assert.equal(resolveDataDir('/cli'), '/cli');
    process.env.ANCHORFLOW_DATA_DIR = '/env';
    assert.equal(resolveDataDir(), '/env');
    assert.equal(resolveDataDir('/cli'), '/cli');
  } finally {
    if (saved === undefined) delete process.env.ANCHORFLOW_DATA_DIR;
    else process.env.ANCHORFLOW_DATA_DIR = saved;
  }
});

test('missing data dir, dataset folder or .inter say what was looked for and where', async (t) => {
  await rejectsUser(
    loadDataset({ dataset: 'tiktok', features: {} }),
    /tiktok\/tiktok\.inter, but no data directory is set: pass --data-dir <dir> or set ANCHORFLOW_DATA_DIR/,
  );
  const dir = tempDir(t);
  const nowhere = join(dir, 'nowhere');
  await rejectsUser(
    loadDataset({ dataset: 'tiktok', dataDir: nowhere, features: {} }),
    /data directory not found: .*nowhere \(from --data-dir or ANCHORFLOW_DATA_DIR\)/,
    { file: nowhere },
  );
  await rejectsUser(
    loadDataset({ dataset: 'tiktk', dataDir: SHARED_DATASETS, features: {} }),
    /dataset tiktk not found: no folder .*tiktk .*datasets there: baby, clothing, office, sports, tiktok/,
  );
  write(join(dir, 'empty', 'README'), 'x');
  await rejectsUser(
    loadDataset({ dataset: 'empty', dataDir: dir, features: {} }),
    /no interaction file empty\.inter in .*empty.*\.inter files there: none/,
    { file: join(dir, 'empty', 'empty.inter') },
  );
  // One .inter under another name is unambiguous and used.
  write(join(dir, 'renamed', 'toy.inter'), 'userID\titemID\tx_label\n0\t1\t0\n1\t0\t2\n');
  const ds = await loadDataset({ dataset: 'x', dataPath: join(dir, 'renamed'), features: {} });
  assert.equal(ds.name, 'toy');
  assert.deepEqual(listDatasets(SHARED_DATASETS), ['baby', 'clothing', 'office', 'sports', 'tiktok']);
  write(join(dir, 'notrain', 'notrain.inter'), 'userID\titemID\tx_label\n0\t1\t1\n');
  await rejectsUser(loadDataset({ dataset: 'notrain', dataDir: dir, features: {} }), /no training interactions/);
  // Feature errors from a real folder name the .npy and the counts.
  await rejectsUser(
    loadDataset({ dataset: 'toy', dataPath: join(dir, 'renamed'), features: { v: 'none.npy' } }),
    /feature file not found/,
  );
});
