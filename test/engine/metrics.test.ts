import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mapAt, MetricAccumulator, ndcgAt, precisionAt, recallAt } from '../../src/engine/metrics.js';

/** hits[r] = 1 when ranked[r] is relevant. */
function hitVector(ranked: ArrayLike<number>, relevant: ReadonlySet<number>): Uint8Array {
  return Uint8Array.from({ length: ranked.length }, (_, r) => (relevant.has(ranked[r]!) ? 1 : 0));
}

const L = (r: number) => 1 / Math.log2(r + 1); // discount at 1-based rank r
const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

describe('metrics on hand-computed rankings', () => {
  test('|T| < K: T = {2, 4, 99}, ranked 1..5, hits at ranks 2 and 4', () => {
    const hits = hitVector([1, 2, 3, 4, 5], new Set([2, 4, 99]));
    assert.deepEqual(Array.from(hits), [0, 1, 0, 1, 0]);
    // K = 5
    close(recallAt(hits, 3, 5), 2 / 3, 'recall@5'); // divided by |T| = 3
    close(precisionAt(hits, 5), 2 / 5, 'precision@5');
    close(ndcgAt(hits, 3, 5), (L(2) + L(4)) / (L(1) + L(2) + L(3)), 'ndcg@5'); // IDCG over min(3, 5) = 3 ranks
    close(mapAt(hits, 3, 5), (1 / 2 + 2 / 4) / 3, 'map@5'); // P@2 = 1/2, P@4 = 2/4, over min(3, 5)
    // K = 2: only rank 2 hits
    close(recallAt(hits, 3, 2), 1 / 3, 'recall@2');
    close(precisionAt(hits, 2), 1 / 2, 'precision@2');
    close(ndcgAt(hits, 3, 2), L(2) / (L(1) + L(2)), 'ndcg@2'); // IDCG over min(3, 2) = 2 ranks
    close(mapAt(hits, 3, 2), 1 / 2 / 2, 'map@2');
  });

  test('|T| > K: six relevant, K = 3, hits at ranks 1 and 3', () => {
    const hits = hitVector([10, 11, 12], new Set([10, 12, 20, 21, 22, 23]));
    assert.deepEqual(Array.from(hits), [1, 0, 1]);
    close(recallAt(hits, 6, 3), 2 / 6, 'recall@3 (not 2 / min(6, 3))');
    close(precisionAt(hits, 3), 2 / 3, 'precision@3');
    close(ndcgAt(hits, 6, 3), (1 + 0.5) / (1 + L(2) + 0.5), 'ndcg@3');
    close(mapAt(hits, 6, 3), (1 / 1 + 2 / 3) / 3, 'map@3'); // over min(6, 3) = 3
  });

  test('no hits: every metric is 0', () => {
    const hits = hitVector([1, 2, 3, 4], new Set([7, 8]));
    for (const k of [1, 2, 4]) {
      assert.equal(recallAt(hits, 2, k), 0);
      assert.equal(precisionAt(hits, k), 0);
      assert.equal(ndcgAt(hits, 2, k), 0);
      assert.equal(mapAt(hits, 2, k), 0);
    }
  });

  test('a single relevant item at rank 1', () => {
    const hits = [1, 0, 0, 0, 0];
    assert.equal(recallAt(hits, 1, 1), 1);
    assert.equal(ndcgAt(hits, 1, 1), 1);
    assert.equal(mapAt(hits, 1, 1), 1);
    assert.equal(precisionAt(hits, 5), 1 / 5);
    assert.equal(ndcgAt(hits, 1, 5), 1);
    assert.equal(mapAt(hits, 1, 5), 1);
  });

  test('MAP by hand: hits at ranks 1, 3, 6 of 6, |T| = 4', () => {
    const hits = [1, 0, 1, 0, 0, 1];
    // P@1 = 1, P@3 = 2/3, P@6 = 3/6; normalised by min(4, K)
    close(mapAt(hits, 4, 6), (1 + 2 / 3 + 3 / 6) / 4, 'map@6');
    close(mapAt(hits, 4, 3), (1 + 2 / 3) / 3, 'map@3');
    close(mapAt(hits, 4, 1), 1, 'map@1');
  });

  test('rejects K < 1 and users without relevant items', () => {
    assert.throws(() => recallAt([1], 0, 1), /at least one relevant/);
    assert.throws(() => precisionAt([1], 0), /positive integer/);
    assert.throws(() => new MetricAccumulator([5], ['hits']), /unknown metric 'hits'/);
  });
});

describe('MetricAccumulator', () => {
  test('means over users for several K, keyed metric@K, equal to the single functions', () => {
    const ks = [1, 3, 5];
    const acc = new MetricAccumulator(ks, ['Recall', 'ndcg', 'precision', 'map', 'recall2']);
    const users: Array<[number[], number]> = [
      [[0, 1, 0, 1, 0], 3],
      [[1, 0, 1, 0, 0], 6],
      [[0, 0, 0, 0, 0], 2],
      [[1, 1, 1, 1, 1], 5],
    ];
    for (const [h, n] of users) acc.addUser(h, n);
    assert.equal(acc.count, 4);
    const m = acc.result();
    assert.deepEqual(
      Object.keys(m).sort(),
      ['map', 'ndcg', 'precision', 'recall', 'recall2'].flatMap((n) => ks.map((k) => `${n}@${k}`)).sort(),
    );
    const mean = (f: (h: number[], n: number) => number) => users.reduce((s, [h, n]) => s + f(h, n), 0) / users.length;
    for (const k of ks) {
      close(
        m[`recall@${k}`]!,
        mean((h, n) => recallAt(h, n, k)),
        `recall@${k}`,
      );
      close(
        m[`ndcg@${k}`]!,
        mean((h, n) => ndcgAt(h, n, k)),
        `ndcg@${k}`,
      );
      close(
        m[`precision@${k}`]!,
        mean((h) => precisionAt(h, k)),
        `precision@${k}`,
      );
      close(
        m[`map@${k}`]!,
        mean((h, n) => mapAt(h, n, k)),
        `map@${k}`,
      );
    }
    // pooled recall: total hits / total relevant
    close(m['recall2@5']!, (2 + 2 + 0 + 5) / (3 + 6 + 2 + 5), 'recall2@5');
    close(m['recall@5']!, (2 / 3 + 2 / 6 + 0 + 1) / 4, 'recall@5 by hand');
  });

  test('a ranked list shorter than K counts the missing ranks as misses', () => {
    const acc = new MetricAccumulator([5], ['precision', 'recall']);
    acc.addUser([1, 1], 2);
    assert.deepEqual(acc.result(), { 'precision@5': 2 / 5, 'recall@5': 1 });
  });

  test('no users: zeros', () => {
    assert.deepEqual(new MetricAccumulator([10], ['recall', 'ndcg']).result(), { 'recall@10': 0, 'ndcg@10': 0 });
  });
});
