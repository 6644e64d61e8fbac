import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { UserItems } from '../../src/data/types.js';
import { evaluateFullRanking, evaluatedUsers } from '../../src/engine/evaluator.js';
import { mapAt, ndcgAt, precisionAt, recallAt } from '../../src/engine/metrics.js';
import { Rng } from '../../src/util/rng.js';
import { randn, tf, useBackend } from '../kernels/_setup.js';

const METRICS = ['recall', 'ndcg', 'precision', 'map'];

function userItems(lists: number[][]): UserItems {
  const indptr = new Int32Array(lists.length + 1);
  const indices: number[] = [];
  lists.forEach((l, u) => {
    indices.push(...[...l].sort((a, b) => a - b));
    indptr[u + 1] = indices.length;
  });
  return { indptr, indices: Int32Array.from(indices) };
}

function listOf(ui: UserItems, u: number): number[] {
  return Array.from(ui.indices.subarray(ui.indptr[u]!, ui.indptr[u + 1]!));
}

/** Plain JS: score every item in float64, drop train items, order by (score desc, item asc), average metrics. */
function bruteForce(
  U: Float32Array,
  I: Float32Array,
  nUsers: number,
  nItems: number,
  d: number,
  train: UserItems,
  truth: UserItems,
  ks: number[],
) {
  const out: Record<string, number> = {};
  let n = 0;
  for (let u = 0; u < nUsers; u++) {
    const tr = new Set(listOf(train, u));
    const rel = new Set(listOf(truth, u));
    if (tr.size === 0 || rel.size === 0) continue;
    n++;
    const cand: Array<[number, number]> = [];
    for (let i = 0; i < nItems; i++) {
      if (tr.has(i)) continue;
      let s = 0;
      for (let j = 0; j < d; j++) s += U[u * d + j]! * I[i * d + j]!;
      cand.push([s, i]);
    }
    cand.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    const hits = cand.slice(0, Math.max(...ks)).map(([, i]) => (rel.has(i) ? 1 : 0));
    for (const k of ks) {
      out[`recall@${k}`] = (out[`recall@${k}`] ?? 0) + recallAt(hits, rel.size, k);
      out[`ndcg@${k}`] = (out[`ndcg@${k}`] ?? 0) + ndcgAt(hits, rel.size, k);
      out[`precision@${k}`] = (out[`precision@${k}`] ?? 0) + precisionAt(hits, k);
      out[`map@${k}`] = (out[`map@${k}`] ?? 0) + mapAt(hits, rel.size, k);
    }
  }
  for (const key of Object.keys(out)) out[key]! /= n;
  return { metrics: out, users: n };
}

function assertMetricsClose(a: Record<string, number>, b: Record<string, number>, what: string): void {
  assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort(), `${what}: keys`);
  for (const k of Object.keys(b)) assert.ok(Math.abs(a[k]! - b[k]!) < 1e-9, `${what} ${k}: ${a[k]} vs ${b[k]}`);
}

function randomLists(rng: Rng, nUsers: number, nItems: number, maxLen: number, pEmpty: number): number[][] {
  return Array.from({ length: nUsers }, () => {
    if (rng.next() < pEmpty) return [];
    const s = new Set<number>();
    const len = 1 + rng.int(maxLen);
    while (s.size < len) s.add(rng.int(nItems));
    return [...s];
  });
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`evaluateFullRanking on ${backend}`, () => {
    test('never ranks a train item, even when train items score highest', async () => {
      await useBackend(backend);
      // 2 users, 8 items, d 2. Items 0..3 point along the users and have huge norms: without the mask they
      // would fill the top. User 0 trains on 0,1,2,3; user 1 on 0,1.
      const users = tf.tensor2d([
        [1, 0],
        [1, 0],
      ]);
      const items = tf.tensor2d([
        [100, 0],
        [90, 0],
        [80, 0],
        [70, 0],
        [5, 0],
        [4, 0],
        [3, 0],
        [2, 0],
      ]);
      const train = userItems([
        [0, 1, 2, 3],
        [0, 1],
      ]);
      const truth = userItems([[4, 6], [2]]);
      const before = tf.memory().numTensors;
      const m = evaluateFullRanking({ users, items, train, truth, ks: [1, 2], metrics: METRICS, batchUsers: 2 });
      assert.equal(tf.memory().numTensors, before, 'tensor count');
      // user 0 ranks 4,5,6,7: hit at 1 -> recall@1 1/2, recall@2 1/2; user 1 ranks 2,3,4..: hit at 1.
      assert.equal(m['recall@1'], (1 / 2 + 1) / 2);
      assert.equal(m['precision@2'], (1 / 2 + 1 / 2) / 2);
      assert.equal(m['map@1'], 1);
      users.dispose();
      items.dispose();
    });

    test('drops users without train items or without truth items', async () => {
      await useBackend(backend);
      const users = tf.tensor2d([
        [1, 0],
        [1, 0],
        [1, 0],
        [1, 0],
      ]);
      const items = tf.tensor2d([
        [3, 0],
        [2, 0],
        [1, 0],
        [0, 0],
      ]);
      // user 0: train + truth, misses (truth = item 3, ranked last among 1,2,3);
      // user 1: truth only, would be a perfect hit; user 2: train only; user 3: neither.
      const train = userItems([[0], [], [1], []]);
      const truth = userItems([[3], [0], [], []]);
      assert.deepEqual(Array.from(evaluatedUsers(train, truth, 4)), [0]);
      const m = evaluateFullRanking({ users, items, train, truth, ks: [1, 2], metrics: ['recall'], batchUsers: 3 });
      assert.deepEqual(m, { 'recall@1': 0, 'recall@2': 0 });
      const none = evaluateFullRanking({
        users,
        items,
        train: userItems([[], [], [], []]),
        truth,
        ks: [1],
        metrics: ['recall'],
        batchUsers: 3,
      });
      assert.deepEqual(none, { 'recall@1': 0 });
      users.dispose();
      items.dispose();
    });

    for (const kind of ['normal', 'integer (many ties)'] as const) {
      test(`matches a brute-force JS ranking on random ${kind} embeddings, any block size, both masks`, async () => {
        await useBackend(backend);
        const rng = new Rng(kind === 'normal' ? 11 : 12);
        const nUsers = 53;
        const nItems = 61;
        const d = kind === 'normal' ? 8 : 3;
        const gen = (n: number) =>
          kind === 'normal' ? randn(rng, n) : Float32Array.from({ length: n }, () => rng.int(5) - 2);
        const U = gen(nUsers * d);
        const I = gen(nItems * d);
        const train = userItems(randomLists(rng, nUsers, nItems, 12, 0.15));
        const truth = userItems(
          randomLists(rng, nUsers, nItems, 8, 0.15).map((l, u) => l.filter((i) => !listOf(train, u).includes(i))),
        );
        const ks = [1, 5, 10, 20];
        const ref = bruteForce(U, I, nUsers, nItems, d, train, truth, ks);
        assert.ok(ref.users > 15, `enough evaluated users (${ref.users})`);
        const users = tf.tensor2d(U, [nUsers, d]);
        const items = tf.tensor2d(I, [nItems, d]);
        const before = tf.memory().numTensors;
        for (const batchUsers of [1, 7, 16, 1000]) {
          for (const mask of ['scatter', 'dense'] as const) {
            const m = evaluateFullRanking({ users, items, train, truth, ks, metrics: METRICS, batchUsers, mask });
            assertMetricsClose(m, ref.metrics, `batch ${batchUsers} ${mask}`);
          }
        }
        assert.equal(tf.memory().numTensors, before, 'tensor count');
        users.dispose();
        items.dispose();
      });
    }

    test('|T| counts duplicate truth rows as MMRec does (pos_len), while a ranked item is a hit once', async () => {
      await useBackend(backend);
      // 1 user, 6 items ranked 1, 2, 3, 4, 5 (item 0 is the train item, masked). Truth rows: 2, 2, 5, i.e. item 2
      // twice (a duplicated valid/test row). MMRec: pos_index marks ranked items that are in the truth list
      // (membership, so item 2 is one hit at rank 2), pos_len = len([2, 2, 5]) = 3.
      const users = tf.tensor2d([[1, 0]]);
      const items = tf.tensor2d([
        [9, 0],
        [5, 0],
        [4, 0],
        [3, 0],
        [2, 0],
        [1, 0],
      ]);
      const train = userItems([[0]]);
      const truth = userItems([[2, 2, 5]]);
      const m = evaluateFullRanking({ users, items, train, truth, ks: [2, 5], metrics: METRICS, batchUsers: 1 });
      // hits by rank: [0, 1, 0, 0, 1]
      const l2 = 1 / Math.log2(3);
      const l5 = 1 / Math.log2(6);
      const idcg = (n: number) => Array.from({ length: n }, (_, r) => 1 / Math.log2(r + 2)).reduce((a, b) => a + b, 0);
      const expected = {
        'recall@2': 1 / 3, // not 1 / 2, which counting distinct items would give
        'recall@5': 2 / 3,
        'precision@2': 1 / 2,
        'precision@5': 2 / 5,
        'ndcg@2': l2 / idcg(2), // IDCG over min(|T|, K) = 2
        'ndcg@5': (l2 + l5) / idcg(3), // min(3, 5) = 3 ideal ranks, not 2
        'map@2': 1 / 2 / 2,
        'map@5': (1 / 2 + 2 / 5) / 3,
      };
      assertMetricsClose(m, expected, 'duplicates');
      users.dispose();
      items.dispose();
    });

    test('K larger than the item count and a mismatched train list', async () => {
      await useBackend(backend);
      const users = tf.tensor2d([[1, 0]]);
      const items = tf.tensor2d([
        [3, 0],
        [2, 0],
        [1, 0],
      ]);
      const m = evaluateFullRanking({
        users,
        items,
        train: userItems([[0]]),
        truth: userItems([[2]]),
        ks: [2, 5],
        metrics: ['recall', 'precision'],
        batchUsers: 4,
      });
      // ranked 1, 2, then the masked 0: the hit is at rank 2
      assert.deepEqual(m, { 'recall@2': 1, 'recall@5': 1, 'precision@2': 1 / 2, 'precision@5': 1 / 5 });
      assert.throws(
        () =>
          evaluateFullRanking({
            users,
            items,
            train: userItems([[0], [1]]),
            truth: userItems([[2]]),
            ks: [2],
            metrics: ['recall'],
            batchUsers: 4,
          }),
        /train lists 2 users/,
      );
      users.dispose();
      items.dispose();
    });
  });
}
