/**
 * Statistical quality of the random streams and of everything drawn from them (shuffles, negatives, init,
 * dropout masks, Gumbel noise, weighted edge sampling), for both generators (sfc32, pcg64). Every check is a
 * p-value against the exact law at a Bonferroni-corrected level (ALPHA); seeds are fixed, so the outcome is
 * deterministic. The "detector" tests run the same checks on deliberately broken streams and require them to
 * be flagged, so these tests demonstrably can fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rootStream, STREAM_KINDS, type StreamKind } from '../../src/util/streams.js';
import type { RandomStream } from '../../src/util/rng.js';
import { chiSquare, normalCdf, correlationP, pearson } from '../../src/util/stats.js';
import { buildUserItems, distinctItems, hasItem } from '../../src/data/csr.js';
import { epochOrder, NegativeSampler } from '../../src/data/sampler.js';
import type { Interactions } from '../../src/data/types.js';
import { initValues } from '../../src/ops/init.js';
import { gumbelNoise } from '../../src/ops/layer/gumbel-softmax.js';
import { weightedSampleWithoutReplacement } from '../../src/ops/graph/degree-edge-dropout.js';
import { dropout } from '../../src/ops/layer/dropout.js';
import { dense } from '../../src/ops/types.js';
import { buildOp, disposeBatch, makeBatch, runContext, runOp, tf, useBackend } from '../ops/harness.js';
import {
  ALPHA,
  acrossSeeds,
  cdfUniformity,
  crossStreams,
  intResidues,
  intUniformity,
  momentsCheck,
  naiveShuffle,
  RawSeededSfc32,
  serialCorrelation,
  serialPairs,
  shufflePositions,
  SmallWordModulo,
} from './stream-checks.js';

/** RNG_QUALITY_LOG=1 prints every p-value (the figures quoted in docs/parity.md). */
const log = (p: number, what: string) =>
  process.env.RNG_QUALITY_LOG && process.stderr.write(`p=${p.toExponential(2)}\t${what}\n`);
const passes = (p: number, what: string) => {
  log(p, what);
  assert.ok(p > ALPHA, `${what}: p = ${p.toExponential(3)} <= ${ALPHA.toExponential(1)}`);
};
const flagged = (p: number, what: string) => {
  log(p, `${what} (detector)`);
  assert.ok(p < ALPHA, `${what} should be flagged: p = ${p.toExponential(3)}`);
};

/** The streams exactly as a run derives them (trainer.ts, executor.ts). */
const trainStream = (kind: StreamKind, seed: number, label: string) => rootStream(kind, seed).fork('train').fork(label);
const initStream = (kind: StreamKind, seed: number, node: string) => rootStream(kind, seed).fork(`init:${node}`);

// TikTok's sizes: 6245 distinct train items (the negative pool), 6710 items, 59541 train rows (the shuffle).
const INT_SIZES = [2, 3, 10, 1000, 6245, 6710, 59541];

for (const kind of STREAM_KINDS) {
  test(`${kind}: int(n) is uniform for small, non-power-of-two and TikTok-sized n`, () => {
    const rng = trainStream(kind, 999, 'negatives');
    for (const n of INT_SIZES) passes(intUniformity(rng, n, 1_000_000).p, `int(${n})`);
    for (const [n, m] of [
      [6245, 7],
      [59541, 64],
    ] as const)
      passes(intResidues(rng, n, m, 500_000).p, `int(${n}) mod ${m}`);
  });

  test(`${kind}: shuffle puts every element in every position equally often`, () => {
    const rng = trainStream(kind, 999, 'shuffle');
    for (const n of [7, 10]) passes(shufflePositions((a) => rng.shuffle(a), n, 60_000).p, `shuffle of ${n}`);
    // epochOrder is what training calls.
    passes(shufflePositions((a) => a.set(epochOrder(a.length, rng)), 9, 30_000).p, 'epochOrder of 9');
  });

  test(`${kind}: consecutive outputs are uncorrelated (lags 1, 2, 64; serial pairs)`, () => {
    const rng = trainStream(kind, 999, 'step');
    for (const lag of [1, 2, 64]) passes(serialCorrelation(rng, lag, 500_000).p, `lag-${lag} correlation`);
    passes(serialPairs(rng, 16, 300_000).p, 'pairs of int(16)');
  });

  test(`${kind}: forked streams and consecutive seeds are independent`, () => {
    // Long runs of the streams one seed uses side by side.
    const seed = 999;
    const names = ['negatives', 'shuffle', 'step'];
    for (let i = 0; i < names.length; i++) {
      for (let j = i + 1; j < names.length; j++) {
        const c = crossStreams(trainStream(kind, seed, names[i]!), trainStream(kind, seed, names[j]!), 16, 200_000);
        passes(c.p, `${names[i]} vs ${names[j]} correlation`);
        passes(c.pairs.p, `${names[i]} vs ${names[j]} joint`);
      }
    }
    const ci = crossStreams(initStream(kind, seed, 'cf'), trainStream(kind, seed, 'negatives'), 16, 200_000);
    passes(ci.p, 'init vs negatives correlation');
    passes(ci.pairs.p, 'init vs negatives joint');
    // The first outputs across many seeds: seed s against s + 1 (--seeds), and two forks of one seed.
    const adj = acrossSeeds(
      (s) => trainStream(kind, s, 'negatives'),
      (s) => trainStream(kind, s + 1, 'negatives'),
      20_000,
      4,
    );
    passes(adj.p, 'seeds s, s+1 correlation');
    passes(adj.pairs.p, 'seeds s, s+1 joint');
    const root = acrossSeeds(
      (s) => rootStream(kind, s),
      (s) => rootStream(kind, s + 1),
      20_000,
      4,
    );
    passes(root.pairs.p, 'root streams of seeds s, s+1 joint');
    const forks = acrossSeeds(
      (s) => trainStream(kind, s, 'negatives'),
      (s) => trainStream(kind, s, 'shuffle'),
      20_000,
      4,
    );
    passes(forks.p, 'forks of one seed correlation');
    passes(forks.pairs.p, 'forks of one seed joint');
  });
}

test('detector: the same checks flag a small-word generator with modulo bias and a short low-bit period', () => {
  const bad = new SmallWordModulo(999);
  // 40000 does not divide 2^16: values below 25536 come up twice as often.
  flagged(intUniformity(bad, 40_000, 1_000_000).p, 'int(40000) of a 16-bit word mod n');
  flagged(serialPairs(new SmallWordModulo(999), 16, 300_000).p, 'pairs of the low 4 bits');
});

test('detector: the residue check flags multiply-shift where its bias is large, not at the sizes runs use', () => {
  // floor(u32 · n / 2^32) with n = 3·2^30 maps two 32-bit values to every third outcome: residue 0 mod 3
  // has probability 1/2, not 1/3. Lemire's rejection (pcg64's int) removes it. At n <= 59541 the same
  // bias is below n / 2^32 = 1.4e-5 relative (the tests above).
  const n = 3 * 2 ** 30;
  flagged(intResidues(rootStream('sfc32', 1), n, 3, 30_000).p, 'sfc32 int(3·2^30) mod 3');
  passes(intResidues(rootStream('pcg64', 1), n, 3, 30_000).p, 'pcg64 int(3·2^30) mod 3');
});

test('detector: a wrong Fisher-Yates and raw-seeded streams are flagged', () => {
  flagged(shufflePositions(naiveShuffle(rootStream('sfc32', 1)), 7, 60_000).p, 'naive shuffle');
  const adj = acrossSeeds(
    (s) => new RawSeededSfc32(s),
    (s) => new RawSeededSfc32(s + 1),
    20_000,
    4,
  );
  flagged(adj.pairs.p, 'raw-seeded sfc32, seeds s and s+1');
});

// --- Negative sampling against its exact law ---

/**
 * A small train set with a popular head (items 0-4 in 20 users' rows each), a light user, a medium one and two
 * heavy users whose rejection loop often runs out (47 and 48 of the 50 train items), and items 50-59 that are
 * never in train.
 */
function syntheticTrain(): { train: Interactions; nUsers: number; nItems: number } {
  const rows: [number, number][] = [];
  for (let u = 0; u < 20; u++) {
    for (const i of [0, 1, 2, 3, 4]) rows.push([u, i]);
    rows.push([u, 5 + u]);
  }
  rows.push([20, 30], [20, 31]);
  for (let i = 0; i < 25; i++) rows.push([21, i]);
  for (let i = 0; i < 50; i++) if (![10, 20, 40].includes(i)) rows.push([22, i]);
  for (let i = 0; i < 50; i++) if (![7, 33].includes(i)) rows.push([23, i]);
  return {
    train: { users: Int32Array.from(rows, (r) => r[0]), items: Int32Array.from(rows, (r) => r[1]) },
    nUsers: 24,
    nItems: 60,
  };
}

function samplerSetup() {
  const { train, nUsers, nItems } = syntheticTrain();
  const trainByUser = buildUserItems(train, nUsers);
  const trainItems = distinctItems(train, nItems);
  return {
    train,
    nUsers,
    nItems,
    trainByUser,
    trainItems,
    sampler: new NegativeSampler({ trainByUser, trainItems, nItems }),
  };
}

/** The exact law of one negative for user u: uniform over the distinct train items u has not seen. */
function negativeLaw(ds: ReturnType<typeof samplerSetup>, u: number): Float64Array {
  const p = new Float64Array(ds.nItems);
  const allowed = Array.from(ds.trainItems).filter((j) => !hasItem(ds.trainByUser, u, j));
  for (const j of allowed) p[j] = 1 / allowed.length;
  return p;
}

/** Observed negative counts of `draws` draws for user u, against the law. */
function perUser(ds: ReturnType<typeof samplerSetup>, u: number, draws: number, sample: (u: number) => number) {
  const counts = new Float64Array(ds.nItems);
  for (let k = 0; k < draws; k++) counts[sample(u)]!++;
  const law = negativeLaw(ds, u);
  const cells = law.filter((x) => x > 0).length;
  return chiSquare(
    counts,
    law.map((x) => x * draws),
    cells - 1,
  );
}

/** Item counts of the negatives of `epochs` epochs of training rows, against the exact law summed over rows. */
function perItemOverEpochs(
  ds: ReturnType<typeof samplerSetup>,
  epochs: number,
  rng: RandomStream,
  sample: (u: number) => number,
) {
  const counts = new Float64Array(ds.nItems);
  const expected = new Float64Array(ds.nItems);
  const laws = new Map<number, Float64Array>();
  const n = ds.train.users.length;
  for (let e = 0; e < epochs; e++) {
    const order = epochOrder(n, rng);
    for (let k = 0; k < n; k++) counts[sample(ds.train.users[order[k]!]!)]!++;
  }
  for (let r = 0; r < n; r++) {
    const u = ds.train.users[r]!;
    if (!laws.has(u)) laws.set(u, negativeLaw(ds, u));
    const law = laws.get(u)!;
    for (let j = 0; j < ds.nItems; j++) expected[j]! += law[j]! * epochs;
  }
  return chiSquare(counts, expected, ds.trainItems.length - 1);
}

/** A sampler with MMRec's pool, but drawing from the train rows (each item once per row it appears in). */
function multiplicitySampler(ds: ReturnType<typeof samplerSetup>, rng: RandomStream) {
  return (u: number) => {
    for (;;) {
      const j = ds.train.items[rng.int(ds.train.items.length)]!;
      if (!hasItem(ds.trainByUser, u, j)) return j;
    }
  };
}

/** A sampler whose fallback after 64 rejections draws from all items the user lacks, not only train items. */
function leakyFallbackSampler(ds: ReturnType<typeof samplerSetup>, rng: RandomStream) {
  return (u: number) => {
    for (let k = 0; k < 64; k++) {
      const j = ds.trainItems[rng.int(ds.trainItems.length)]!;
      if (!hasItem(ds.trainByUser, u, j)) return j;
    }
    const rest = Array.from({ length: ds.nItems }, (_, i) => i).filter((i) => !hasItem(ds.trainByUser, u, i));
    return rest[rng.int(rest.length)]!;
  };
}

test('the negative pool is the distinct train items, as in MMRec (not one entry per train row)', () => {
  const ds = samplerSetup();
  assert.deepEqual(
    Array.from(ds.trainItems),
    Array.from({ length: 50 }, (_, i) => i),
  );
  assert.ok(ds.train.items.length > 2 * ds.trainItems.length, 'rows repeat items, so the two pools differ');
});

for (const kind of STREAM_KINDS) {
  test(`${kind}: negatives follow the exact law per user (light, medium and heavy users, fallback included)`, () => {
    const ds = samplerSetup();
    const rng = trainStream(kind, 999, 'negatives');
    // Users 22 and 23 exhaust the 64 rejections in (47/50)^64 = 1.9% and (48/50)^64 = 7.3% of draws.
    for (const u of [0, 20, 21, 22, 23])
      passes(perUser(ds, u, 60_000, (v) => ds.sampler.sampleOne(v, rng)).p, `user ${u}`);
  });

  test(`${kind}: negatives per item over many shuffled epochs match the law summed over rows`, () => {
    const ds = samplerSetup();
    const neg = trainStream(kind, 999, 'negatives');
    const shuf = trainStream(kind, 999, 'shuffle');
    passes(perItemOverEpochs(ds, 300, shuf, (u) => ds.sampler.sampleOne(u, neg)).p, 'per item over 300 epochs');
  });
}

test('detector: a sampler drawing from the rows (pool with multiplicity) or with a leaky fallback is flagged', () => {
  const ds = samplerSetup();
  const rng = rootStream('sfc32', 3);
  flagged(perItemOverEpochs(ds, 300, rng, multiplicitySampler(ds, rng)).p, 'pool with multiplicity, per item');
  flagged(perUser(ds, 21, 60_000, multiplicitySampler(ds, rng)).p, 'pool with multiplicity, user 21');
  flagged(perUser(ds, 23, 60_000, leakyFallbackSampler(ds, rng)).p, 'fallback over all items, user 23');
});

// --- Distributions drawn from the streams ---

const EULER_GAMMA = 0.5772156649015329;

for (const kind of STREAM_KINDS) {
  test(`${kind}: initialisers have their law's mean, variance and shape, and no neighbour correlation`, () => {
    const shape = [2000, 64];
    const fans = { fanIn: 64, fanOut: 2000 };
    const rng = initStream(kind, 999, 'cf');
    const a = Math.sqrt(6 / (64 + 2000));
    const xu = initValues(shape, 'xavier_uniform', rng, fans);
    const mu = momentsCheck(xu, 0, (a * a) / 3, a ** 4 / 5);
    passes(mu.pMean, 'xavier_uniform mean');
    passes(mu.pVar, 'xavier_uniform variance');
    passes(cdfUniformity(xu, (v) => (v + a) / (2 * a)).p, 'xavier_uniform shape');
    for (const lag of [1, 64])
      passes(
        correlationP(pearson(xu.subarray(0, xu.length - lag), xu.subarray(lag)), xu.length - lag),
        `xavier_uniform lag ${lag}`,
      );
    const normals: [string, Float32Array, number][] = [
      ['xavier_normal', initValues(shape, 'xavier_normal', rng, fans), Math.sqrt(2 / (64 + 2000))],
      ['normal_0.01', initValues(shape, { normal: 0.01 }, rng, fans), 0.01],
    ];
    for (const [name, x, s] of normals) {
      const m = momentsCheck(x, 0, s * s, 3 * s ** 4);
      passes(m.pMean, `${name} mean`);
      passes(m.pVar, `${name} variance`);
      passes(cdfUniformity(x, (v) => normalCdf(v / s)).p, `${name} shape`);
      passes(correlationP(pearson(x.subarray(0, x.length - 1), x.subarray(1)), x.length - 1), `${name} lag 1`);
    }
    const b = 1 / Math.sqrt(64);
    const xt = initValues(shape, 'torch_default', rng, fans);
    passes(momentsCheck(xt, 0, (b * b) / 3, b ** 4 / 5).pVar, 'torch_default variance');
    passes(cdfUniformity(xt, (v) => (v + b) / (2 * b)).p, 'torch_default shape');
  });

  test(`${kind}: Gumbel noise has the standard Gumbel law`, () => {
    const g = gumbelNoise(200_000, trainStream(kind, 999, 'step'));
    const v = Math.PI ** 2 / 6;
    const m = momentsCheck(g, EULER_GAMMA, v, 5.4 * v * v);
    passes(m.pMean, 'Gumbel mean');
    passes(m.pVar, 'Gumbel variance');
    passes(cdfUniformity(g, (x) => Math.exp(-Math.exp(-x))).p, 'Gumbel shape');
  });

  test(`${kind}: weighted sampling without replacement has successive-draw probabilities`, () => {
    const w = [1, 2, 3, 4, 5, 6, 7, 8];
    const tot = w.reduce((s, x) => s + x, 0);
    const p = w.map((x) => x / tot);
    const rng = trainStream(kind, 999, 'step');
    const draws = 60_000;
    // m = 1: P(i) = w_i / Σw.
    const one = new Float64Array(8);
    for (let k = 0; k < draws; k++) one[weightedSampleWithoutReplacement(w, 1, rng)[0]!]!++;
    passes(
      chiSquare(
        one,
        p.map((x) => x * draws),
      ).p,
      'one of eight',
    );
    // m = 2: P({i, j}) = p_i p_j / (1 − p_i) + p_j p_i / (1 − p_j), over the 28 pairs.
    const pairs = new Float64Array(64);
    const law = new Float64Array(64);
    for (let k = 0; k < draws; k++) {
      const s = weightedSampleWithoutReplacement(w, 2, rng);
      pairs[s[0]! * 8 + s[1]!]!++;
    }
    for (let i = 0; i < 8; i++)
      for (let j = i + 1; j < 8; j++)
        law[i * 8 + j] = draws * ((p[i]! * p[j]!) / (1 - p[i]!) + (p[j]! * p[i]!) / (1 - p[j]!));
    passes(chiSquare(pairs, law, 27).p, 'two of eight');
  });

  test(`${kind}: dropout keeps entries with probability 1 − p, independently`, async () => {
    await useBackend('cpu');
    const p = 0.3;
    const op = buildOp(dropout, { p }, { in: dense('items', 250) });
    const batch = makeBatch([0], [0], [0]);
    const x = tf.ones([400, 250]);
    const out = tf.tidy(() =>
      (runOp(op, { in: x }, { ...runContext({ batch }), rng: trainStream(kind, 999, 'step') }) as tf.Tensor)
        .dataSync()
        .slice(),
    );
    x.dispose();
    disposeBatch(batch);
    const kept = Float64Array.from(out, (v) => (v !== 0 ? 1 : 0));
    const m = momentsCheck(kept, 1 - p, p * (1 - p), p * (1 - p) * (1 - 3 * p * (1 - p)));
    passes(m.pMean, 'kept fraction');
    assert.ok(
      out.every((v) => v === 0 || Math.abs(v - 1 / (1 - p)) < 1e-6),
      'kept entries scaled by 1/(1-p)',
    );
    for (const lag of [1, 250])
      passes(
        correlationP(pearson(kept.subarray(0, kept.length - lag), kept.subarray(lag)), kept.length - lag),
        `mask lag ${lag}`,
      );
  });
}
