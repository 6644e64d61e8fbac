import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDataset } from '../../src/data/dataset.js';
import { hasItem } from '../../src/data/csr.js';
import { BatchIterator, epochOrder, NegativeSampler } from '../../src/data/sampler.js';
import type { Dataset } from '../../src/data/types.js';
import { rootStream } from '../../src/util/streams.js';

const synth = () => loadDataset({ dataset: 'synth:small', features: {}, seed: 3 });

/** The trainer's two streams for a seed. */
const streams = (seed: number) => ({
  shuffle: rootStream('sfc32', seed).fork('train').fork('shuffle'),
  negatives: rootStream('sfc32', seed).fork('train').fork('negatives'),
});

/** Every batch of `epochs` epochs, copied out of the reused buffers. */
function collect(
  ds: Dataset,
  batchSize: number,
  seed: number,
  epochs: number,
): { users: number[]; pos: number[]; neg: number[] }[][] {
  const it = new BatchIterator(ds, batchSize, streams(seed));
  return Array.from({ length: epochs }, () => {
    // Each batch is a view that the next one overwrites, so it is copied before the next is drawn.
    const out = [];
    for (const b of it.epoch()) out.push({ users: [...b.users], pos: [...b.pos], neg: [...b.neg] });
    return out;
  });
}

test('each epoch covers every train row exactly once, in batches of batch_size with the last one shorter', async () => {
  const ds = await synth();
  const n = ds.train.users.length;
  const bs = 512;
  const it = new BatchIterator(ds, bs, streams(1));
  assert.equal(it.count, Math.ceil(n / bs));
  for (let epoch = 0; epoch < 2; epoch++) {
    const ep = it.epoch();
    assert.deepEqual(
      Int32Array.from(ep.order).sort(),
      Int32Array.from({ length: n }, (_, i) => i),
      'the order is a permutation of the rows',
    );
    const sizes: number[] = [];
    let row = 0;
    for (const b of ep) {
      sizes.push(b.users.length);
      for (let k = 0; k < b.users.length; k++, row++) {
        const r = ep.order[row]!;
        assert.equal(b.users[k], ds.train.users[r], `epoch ${epoch}, row ${row}: user`);
        assert.equal(b.pos[k], ds.train.items[r], `epoch ${epoch}, row ${row}: positive`);
      }
    }
    assert.equal(row, n);
    assert.deepEqual(sizes, [...Array<number>(it.count - 1).fill(bs), n - (it.count - 1) * bs]);
  }
});

test('a batch_size beyond the train rows gives one batch of all of them; no rows give no batches', async () => {
  const ds = await synth();
  const n = ds.train.users.length;
  const it = new BatchIterator(ds, 10 * n, streams(1));
  assert.equal(it.batchSize, n);
  assert.deepEqual(
    collect(ds, 10 * n, 1, 1)[0]!.map((b) => b.users.length),
    [n],
  );
  const empty = { ...ds, train: { users: new Int32Array(0), items: new Int32Array(0) } };
  const none = new BatchIterator(empty, 2048, streams(1));
  assert.equal(none.count, 0);
  assert.deepEqual([...none.epoch()], []);
});

test('the same seed gives the same batches; another seed, and the next epoch, give others', async () => {
  const ds = await synth();
  const a = collect(ds, 1000, 7, 2);
  assert.deepEqual(collect(ds, 1000, 7, 2), a);
  assert.notDeepEqual(collect(ds, 1000, 8, 2), a);
  assert.notDeepEqual(a[1], a[0]);
});

test("negatives are train items, never one of the user's own train items", async () => {
  const ds = await synth();
  const inTrain = new Set(ds.trainItems);
  for (const epoch of collect(ds, 700, 2, 2)) {
    for (const b of epoch) {
      b.users.forEach((u, k) => {
        assert.ok(hasItem(ds.trainByUser, u, b.pos[k]!));
        assert.ok(
          !hasItem(ds.trainByUser, u, b.neg[k]!),
          `negative ${b.neg[k]} of user ${u} is one of their train items`,
        );
        assert.ok(inTrain.has(b.neg[k]!));
      });
    }
  }
});

test("the streams are drawn as the trainer always drew them: the shuffle, then each batch's negatives in turn", async () => {
  const ds = await synth();
  const bs = 900;
  // The protocol written out by hand: one shuffle per epoch from its stream, then per batch the rows in
  // shuffled order and one negative per row from the other stream.
  const rng = streams(11);
  const sampler = new NegativeSampler(ds);
  const n = ds.train.users.length;
  const expected: { users: number[]; pos: number[]; neg: number[] }[][] = [];
  for (let epoch = 0; epoch < 3; epoch++) {
    const order = epochOrder(n, rng.shuffle);
    const batches = [];
    for (let s = 0; s < n; s += bs) {
      const rows = [...order.subarray(s, Math.min(n, s + bs))];
      const users = Int32Array.from(rows, (r) => ds.train.users[r]!);
      batches.push({
        users: [...users],
        pos: rows.map((r) => ds.train.items[r]!),
        neg: [...sampler.sample(users, rng.negatives)],
      });
    }
    expected.push(batches);
  }
  assert.deepEqual(collect(ds, bs, 11, 3), expected);
});

test('batches must be asked for in order, since each draws from the negatives stream in turn', async () => {
  const ds = await synth();
  const ep = new BatchIterator(ds, 1000, streams(1)).epoch();
  assert.throws(() => ep.batch(1), /next batch of this epoch is 0/);
  ep.batch(0);
  assert.throws(() => ep.batch(0), /next batch of this epoch is 1/);
  for (let b = 1; b < ep.count; b++) ep.batch(b);
  assert.throws(() => ep.batch(ep.count));
});
