/**
 * Per-user test Recall@20 at the best valid epoch: the evaluator's per-user values average to its mean, the run
 * writes them per seed, and a run interrupted after its best epoch still writes them once resumed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, useBackend } from '../kernels/_setup.js';
import { PIPELINES } from '../helpers.js';
import { runPipeline } from '../../src/experiments/run.js';
import { evaluateFullRanking, evaluateFullRankingPerUser, evaluatedUsers } from '../../src/engine/evaluator.js';
import { readPerUserTest } from '../../src/experiments/per-user.js';
import { Rng } from '../../src/util/rng.js';
import type { UserItems } from '../../src/data/types.js';

function lists(rows: number[][]): UserItems {
  const indptr = new Int32Array(rows.length + 1);
  rows.forEach((r, u) => (indptr[u + 1] = indptr[u]! + r.length));
  return { indptr, indices: Int32Array.from(rows.flat()) } as UserItems;
}

test('per-user values: one per evaluated user, and their mean is the reported metric', async () => {
  await useBackend('wasm');
  const rng = new Rng(3);
  const nUsers = 40;
  const nItems = 60;
  const pick = (n: number) => [...new Set(Array.from({ length: n }, () => rng.int(nItems)))].sort((a, b) => a - b);
  // Users 0 and 1 have no test items, user 2 no train items: none of them is evaluated.
  const train = lists(Array.from({ length: nUsers }, (_, u) => (u === 2 ? [] : pick(5))));
  const truth = lists(Array.from({ length: nUsers }, (_, u) => (u < 2 ? [] : pick(1 + (u % 4)))));
  const users = tf.tensor2d(
    Array.from({ length: nUsers * 8 }, () => rng.normal()),
    [nUsers, 8],
  );
  const items = tf.tensor2d(
    Array.from({ length: nItems * 8 }, () => rng.normal()),
    [nItems, 8],
  );
  const opts = { users, items, train, truth, ks: [10, 20], metrics: ['recall', 'ndcg'], batchUsers: 7 };
  for (const metric of ['recall@20', 'ndcg@10']) {
    const { metrics, perUser } = evaluateFullRankingPerUser(opts, metric);
    assert.deepEqual(metrics, evaluateFullRanking(opts));
    assert.deepEqual(Array.from(perUser.users), Array.from(evaluatedUsers(train, truth, nUsers)));
    const mean = perUser.values.reduce((a, b) => a + b, 0) / perUser.values.length;
    assert.equal(mean, metrics[metric]);
    assert.ok(
      perUser.values.some((v) => v > 0) && perUser.values.some((v) => v < 1),
      'the values differ between users',
    );
  }
  assert.throws(() => evaluateFullRankingPerUser(opts, 'recall2@20'), /not a per-user metric/);
  users.dispose();
  items.dispose();
});

const frozen = ['train.optimizer.adam.lr=1e-30'];

test('each seed writes per-user-test.json at its best epoch; a run resumed after the best epoch still writes it', async () => {
  const file = join(PIPELINES, 'lightgcn.yaml');
  const base = {
    file,
    backend: 'wasm' as const,
    epochs: 4,
    protocol: 'official' as const,
    set: frozen,
    emit: () => {},
  };
  const a = await runPipeline({ ...base, out: mkdtempSync(join(tmpdir(), 'af-peruser-a-')) });
  const seed = a.perSeed[0]!;
  assert.equal(seed.bestEpoch, 1, 'a frozen model is best at its first epoch');
  const full = readPerUserTest(a.runDir!, seed.seed)!;
  assert.equal(full.metric, 'recall@20');
  assert.equal(full.epoch, 1);
  assert.equal(full.values.reduce((x, y) => x + y, 0) / full.values.length, seed.test['recall@20']);

  // Interrupted in epoch 3, after the best epoch's checkpoint: the resumed run takes the values from it.
  const outB = mkdtempSync(join(tmpdir(), 'af-peruser-b-'));
  const abort = new AbortController();
  await assert.rejects(
    runPipeline({
      ...base,
      out: outB,
      signal: abort.signal,
      emit: (e) => (e.type === 'epoch_start' && e.epoch === 3 ? abort.abort() : undefined),
    }),
    { name: 'InterruptedError' },
  );
  const [name] = readdirSync(outB);
  const [stamp] = readdirSync(join(outB, name!));
  const dir = join(outB, name!, stamp!);
  assert.equal(readPerUserTest(dir, seed.seed), undefined, 'nothing written before the seed ends');
  const b = await runPipeline({ file: '', resume: dir, backend: 'wasm', emit: () => {} });
  assert.equal(b.perSeed[0]!.epochs, 4);
  assert.deepEqual(readPerUserTest(dir, seed.seed), full);
  assert.equal(
    readFileSync(join(dir, 'seed-999', 'per-user-test.json'), 'utf8'),
    readFileSync(join(a.runDir!, 'seed-999', 'per-user-test.json'), 'utf8'),
  );
});
