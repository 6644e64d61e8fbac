import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SHARED_DATASETS } from '../helpers.js';
import {
  generateSynthetic,
  graphLatent,
  graphFeatures,
  syntheticFeatures,
  SYNTH_PRESETS,
  SHARED_DIM,
} from '../../src/data/synthetic.js';
import { readInter } from '../../src/data/inter.js';
import type { Interactions } from '../../src/data/types.js';
import { knn, overlap } from './knn.js';

const small = SYNTH_PRESETS.small!;

function pairs(s: Interactions): string[] {
  return Array.from(s.users, (u, k) => `${u},${s.items[k]}`);
}

test('synth:small has the preset sizes, an 8:1:1 per-user split and generates fast', () => {
  const s = generateSynthetic(small, 7);
  assert.equal(s.nUsers, 1000);
  assert.equal(s.nItems, 600);
  const [tr, va, te] = [s.train, s.valid, s.test].map((x) => x.users.length) as [number, number, number];
  const total = tr + va + te;
  assert.ok(total > 22_000 && total < 28_000, `total ${total}`);
  assert.ok(
    Math.abs(tr / total - 0.8) < 0.03 && Math.abs(va / total - 0.1) < 0.02 && Math.abs(te / total - 0.1) < 0.02,
    `${tr}/${va}/${te}`,
  );
  const trainUsers = new Set(s.train.users);
  assert.equal(trainUsers.size, 1000, 'every user has a train row');
  const all = [...pairs(s.train), ...pairs(s.valid), ...pairs(s.test)];
  assert.equal(new Set(all).size, all.length, 'no (user, item) pair twice across splits');
  for (const x of [s.train, s.valid, s.test]) {
    for (let k = 1; k < x.users.length; k++) {
      assert.ok(
        x.users[k - 1]! < x.users[k]! || (x.users[k - 1] === x.users[k] && x.items[k - 1]! < x.items[k]!),
        'sorted by (user, item)',
      );
    }
    assert.ok(x.items.every((i) => i >= 0 && i < 600));
  }
  for (const [k, d] of [
    ['t', 384],
    ['v', 4096],
    ['mm', 768],
  ] as const) {
    const f = syntheticFeatures(s, k, d);
    assert.equal(f.rows, 600);
    assert.equal(f.cols, d);
    assert.ok(f.data.every(Number.isFinite));
  }
});

test('synth:baby has the Amazon Baby sizes', () => {
  const s = generateSynthetic(SYNTH_PRESETS.baby!, 0);
  assert.equal(s.nUsers, 19445);
  assert.equal(s.nItems, 7050);
  const total = s.train.users.length + s.valid.users.length + s.test.users.length;
  assert.ok(total > 150_000 && total < 170_000, `total ${total}`);
  assert.equal(new Set(s.train.users).size, 19445);
});

test('generation is deterministic for a seed and differs across seeds', () => {
  const a = generateSynthetic(small, 3);
  const b = generateSynthetic(small, 3);
  const c = generateSynthetic(small, 4);
  assert.deepEqual(a.train, b.train);
  assert.deepEqual(a.test, b.test);
  assert.deepEqual(a.latent, b.latent);
  assert.notDeepEqual(a.train, c.train);
  assert.deepEqual(syntheticFeatures(a, 't', 384).data, syntheticFeatures(b, 't', 384).data);
  assert.notDeepEqual(syntheticFeatures(a, 't', 384).data, syntheticFeatures(c, 't', 384).data);
});

test('modalities share planted structure without being copies', () => {
  const s = generateSynthetic(small, 1);
  const k = 10;
  const n = s.nItems;
  const nn = (key: string, dim: number, src = s) => knn(syntheticFeatures(src, key, dim).data, n, dim, k);
  const t = nn('t', 384);
  const v = nn('v', 4096);
  const mm = nn('mm', 768);
  const chance = k / (n - 1);
  const tv = overlap(t, v, n, k);
  assert.ok(tv > 8 * chance && tv < 0.8, `t/v kNN overlap ${tv}`);
  // mm mixes both private latents, so it sits closer to each than they are to each other.
  assert.ok(overlap(t, mm, n, k) > tv && overlap(v, mm, n, k) > tv);
  // Features of another seed have unrelated latents: overlap at chance level.
  const other = nn('t', 384, generateSynthetic(small, 2));
  assert.ok(overlap(t, other, n, k) < 3 * chance);
});

test('interactions follow the planted topics', () => {
  const s = generateSynthetic(small, 5);
  const trainTopics = new Map<number, Set<number>>();
  s.train.users.forEach((u, r) => {
    if (!trainTopics.has(u)) trainTopics.set(u, new Set());
    trainTopics.get(u)!.add(s.itemTopic[s.train.items[r]!]!);
  });
  let hit = 0;
  let chance = 0;
  s.test.users.forEach((u, r) => {
    const topics = trainTopics.get(u)!;
    if (topics.has(s.itemTopic[s.test.items[r]!]!)) hit++;
    chance += topics.size / small.topics;
  });
  const n = s.test.users.length;
  assert.ok(
    hit / n > chance / n + 0.15,
    `test item in a train topic: ${(hit / n).toFixed(3)} vs chance ${(chance / n).toFixed(3)}`,
  );
});

test('graph-driven synthetic features for real TikTok: deterministic and aligned with co-interaction', () => {
  const f = readInter(join(SHARED_DATASETS, 'tiktok', 'tiktok.inter'));
  const z = graphLatent(f.train, f.nUsers, f.nItems, 11);
  assert.equal(z.length, f.nItems * SHARED_DIM);
  assert.deepEqual(z, graphLatent(f.train, f.nUsers, f.nItems, 11));
  const a = graphFeatures(z, f.nItems, 'v', 64, 11);
  assert.deepEqual(a.data, graphFeatures(z, f.nItems, 'v', 64, 11).data);
  assert.notDeepEqual(a.data, graphFeatures(graphLatent(f.train, f.nUsers, f.nItems, 12), f.nItems, 'v', 64, 12).data);
  assert.equal(a.rows, 6710);
  assert.equal(a.cols, 64);
  // Items sharing a user should be more alike than random item pairs.
  const cos = (i: number, j: number) => {
    let s = 0,
      ni = 0,
      nj = 0;
    for (let c = 0; c < 64; c++) {
      const x = a.data[i * 64 + c]!,
        y = a.data[j * 64 + c]!;
      s += x * y;
      ni += x * x;
      nj += y * y;
    }
    return s / Math.sqrt(ni * nj);
  };
  // Pairs from light users: a user with hundreds of items says little about any two of them.
  const deg = new Int32Array(f.nUsers);
  for (const u of f.train.users) deg[u]!++;
  let co = 0,
    rnd = 0,
    n = 0;
  for (let r = 1; r < f.train.users.length; r++) {
    if (f.train.users[r] !== f.train.users[r - 1] || deg[f.train.users[r]!]! > 20) continue;
    co += cos(f.train.items[r]!, f.train.items[r - 1]!);
    rnd += cos(f.train.items[r]!, (f.train.items[r - 1]! * 7919 + 13) % f.nItems);
    n++;
  }
  assert.ok(
    co / n > rnd / n + 0.1 && rnd / n < 0.1,
    `co-interacted cosine ${(co / n).toFixed(3)} vs random ${(rnd / n).toFixed(3)}`,
  );
});
