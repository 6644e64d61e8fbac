import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SHARED_DATASETS } from '../helpers.js';
import { Rng } from '../../src/util/rng.js';
import { UserError } from '../../src/util/errors.js';
import { loadDataset } from '../../src/data/dataset.js';
import { buildUserItems, distinctItems, hasItem } from '../../src/data/csr.js';
import { epochOrder, batchSlices, batchCount, NegativeSampler, allocBatch, fillBatch } from '../../src/data/sampler.js';
import type { Interactions } from '../../src/data/types.js';

test('epochOrder is a fresh permutation each epoch and repeatable per seed', () => {
  const rng = new Rng(1);
  const a = epochOrder(59541, rng);
  const b = epochOrder(59541, rng);
  assert.deepEqual(
    Int32Array.from(a).sort(),
    Int32Array.from({ length: 59541 }, (_, i) => i),
  );
  assert.notDeepEqual(a, b);
  assert.deepEqual(epochOrder(59541, new Rng(1)), a);
  assert.equal(epochOrder(0, rng).length, 0);
});

test('batchSlices covers every row once and keeps the last partial batch', () => {
  assert.deepEqual(
    [...batchSlices(5000)],
    [
      [0, 2048],
      [2048, 4096],
      [4096, 5000],
    ],
  );
  assert.deepEqual(
    [...batchSlices(4096)],
    [
      [0, 2048],
      [2048, 4096],
    ],
  );
  assert.deepEqual(
    [...batchSlices(3, 2)],
    [
      [0, 2],
      [2, 3],
    ],
  );
  assert.deepEqual([...batchSlices(0)], []);
  assert.equal(batchCount(59541), 30);
  assert.throws(() => [...batchSlices(10, 0)]);
});

test("negatives on real TikTok are never the user's train items, always train items, repeatable per seed", async () => {
  const ds = await loadDataset({ dataset: 'tiktok', dataDir: SHARED_DATASETS, features: {} });
  const sampler = new NegativeSampler(ds);
  const inTrain = new Uint8Array(ds.nItems);
  for (const i of ds.trainItems) inTrain[i] = 1;
  const buf = allocBatch();
  const run = (seed: number) => {
    const rng = new Rng(seed);
    const negs: number[] = [];
    for (let epoch = 0; epoch < 3; epoch++) {
      const order = epochOrder(ds.train.users.length, rng);
      let seen = 0;
      for (const [s, e] of batchSlices(order.length)) {
        const b = fillBatch(ds.train, order, s, e, sampler, rng, buf);
        assert.equal(b.users.length, e - s);
        for (let k = 0; k < b.users.length; k++) {
          const u = b.users[k]!;
          assert.ok(hasItem(ds.trainByUser, u, b.pos[k]!), 'positive is a train item of the user');
          assert.ok(
            !hasItem(ds.trainByUser, u, b.neg[k]!),
            `negative ${b.neg[k]} of user ${u} is one of their train items`,
          );
          assert.equal(inTrain[b.neg[k]!], 1);
          negs.push(b.neg[k]!);
        }
        seen += e - s;
      }
      assert.equal(seen, ds.train.users.length);
    }
    return negs;
  };
  const a = run(5);
  assert.equal(a.length, 3 * 59541);
  assert.deepEqual(run(5), a);
  assert.notDeepEqual(run(6), a);
  // Heavy users (up to 603 train items) exist in TikTok; every one of their draws was checked above.
});

function toy(rows: [number, number][], nUsers: number, nItems: number) {
  const train: Interactions = { users: Int32Array.from(rows, (r) => r[0]), items: Int32Array.from(rows, (r) => r[1]) };
  return { trainByUser: buildUserItems(train, nUsers), trainItems: distinctItems(train, nItems), nItems };
}

test('negatives are uniform over the complement, even for users holding almost every train item', () => {
  // User 0 holds train items 0..8 of 0..9; user 1 holds 0..3; item 10 never occurs in train.
  const rows: [number, number][] = [];
  for (let i = 0; i < 9; i++) rows.push([0, i]);
  for (let i = 0; i < 4; i++) rows.push([1, i]);
  rows.push([2, 9]);
  const s = new NegativeSampler(toy(rows, 3, 11));
  const rng = new Rng(3);
  for (let k = 0; k < 500; k++) assert.equal(s.sampleOne(0, rng), 9);
  const counts = new Map<number, number>();
  const N = 60000;
  for (let k = 0; k < N; k++) {
    const j = s.sampleOne(1, rng);
    counts.set(j, (counts.get(j) ?? 0) + 1);
  }
  assert.deepEqual(
    [...counts.keys()].sort((a, b) => a - b),
    [4, 5, 6, 7, 8, 9],
  );
  for (const c of counts.values()) assert.ok(Math.abs(c / N - 1 / 6) < 0.01, `frequency ${c / N}`);
});

test('a user holding every train item falls back to other items, and one holding every item is an error', () => {
  const all: [number, number][] = [
    [0, 0],
    [0, 1],
    [0, 2],
  ];
  const s = new NegativeSampler(toy(all, 1, 5));
  const rng = new Rng(1);
  const got = new Set<number>();
  for (let k = 0; k < 200; k++) got.add(s.sampleOne(0, rng));
  assert.deepEqual([...got].sort(), [3, 4]);
  const full = new NegativeSampler(toy(all, 1, 3));
  assert.throws(
    () => full.sampleOne(0, rng),
    (e: unknown) => e instanceof UserError && /user 0 has interacted with all 3 items/.test(e.message),
  );
});
