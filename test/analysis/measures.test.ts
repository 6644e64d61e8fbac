import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Matrix } from '../../src/analysis/neighbors.js';
import {
  buildItemUsers,
  collapseStats,
  dominanceStats,
  neighborhoodsOf,
  overlapMatrix,
  parseCurves,
  retrievalStats,
  sampleItems,
  twoHop,
} from '../../src/analysis/measures.js';
import { Rng } from '../../src/util/rng.js';

function randomMatrix(rng: Rng, rows: number, cols: number): Matrix {
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return { rows, cols, data };
}

test('collapse is 1 (and centroid distance 0) when all modality embeddings are identical', () => {
  const rng = new Rng(4);
  const h = randomMatrix(rng, 200, 32);
  // Scaled copies are still the same direction.
  const spaces = { h_id: h, h_mm: h, h_t: { ...h, data: h.data.map((v) => v * 3) }, h_v: h };
  const c = collapseStats(spaces, ['h_id', 'h_mm', 'h_t', 'h_v'])!;
  assert.deepEqual(c.spaces, ['h_id', 'h_mm', 'h_t', 'h_v']);
  assert.ok(Math.abs(c.meanPairwiseCosine - 1) < 1e-3, String(c.meanPairwiseCosine));
  assert.ok(c.meanCentroidDistance < 1e-3);
  assert.equal(Object.keys(c.pairs).length, 6);
});

test('collapse is near 0 for independent embeddings, and lower than for partly shared ones', () => {
  const rng = new Rng(5);
  const n = 300;
  const d = 64;
  const ind = {
    h_id: randomMatrix(rng, n, d),
    h_mm: randomMatrix(rng, n, d),
    h_t: randomMatrix(rng, n, d),
    h_v: randomMatrix(rng, n, d),
  };
  const c0 = collapseStats(ind, ['h_id', 'h_mm', 'h_t', 'h_v'])!;
  assert.ok(Math.abs(c0.meanPairwiseCosine) < 0.05, String(c0.meanPairwiseCosine));
  const shared = randomMatrix(rng, n, d);
  const partly = Object.fromEntries(
    Object.entries(ind).map(([k, m]) => [k, { ...m, data: m.data.map((v, i) => v + 2 * shared.data[i]!) }]),
  );
  const c1 = collapseStats(partly, ['h_id', 'h_mm', 'h_t', 'h_v'])!;
  assert.ok(c1.meanPairwiseCosine > 0.6 && c1.meanPairwiseCosine < 0.95, String(c1.meanPairwiseCosine));
  assert.ok(c1.meanCentroidDistance < c0.meanCentroidDistance);
});

test('collapse needs two spaces of one width', () => {
  const rng = new Rng(6);
  assert.equal(collapseStats({ p_mm: randomMatrix(rng, 10, 4) }, ['p_id', 'p_mm']), undefined);
  const c = collapseStats(
    { p_id: randomMatrix(rng, 10, 4), p_mm: randomMatrix(rng, 10, 4), p_t: randomMatrix(rng, 10, 5) },
    ['p_id', 'p_mm', 'p_t'],
  );
  assert.deepEqual(c!.spaces, ['p_id', 'p_mm']);
});

// Train graph: users 0..3, items 0..4.
//   u0: 0 1 2     u1: 0 1     u2: 1 3     u3: 4     (u0 lists item 0 twice: duplicates count once)
const train = {
  users: Int32Array.from([0, 0, 0, 0, 1, 1, 2, 2, 3]),
  items: Int32Array.from([0, 0, 1, 2, 0, 1, 1, 3, 4]),
};

test('2-hop proximity counts item->user->item paths, normalised by sqrt of degrees', () => {
  const g = buildItemUsers(train, 5);
  assert.deepEqual(Array.from(g.indptr), [0, 2, 5, 6, 7, 8]);
  assert.deepEqual(twoHop(g, 0, 1), { paths: 2, normalized: 2 / Math.sqrt(2 * 3) });
  assert.deepEqual(twoHop(g, 1, 0), twoHop(g, 0, 1));
  assert.deepEqual(twoHop(g, 0, 2), { paths: 1, normalized: 1 / Math.sqrt(2) });
  assert.deepEqual(twoHop(g, 1, 3), { paths: 1, normalized: 1 / Math.sqrt(3) });
  assert.deepEqual(twoHop(g, 0, 4), { paths: 0, normalized: 0 });
  assert.equal(twoHop(g, 2, 2).normalized, 1);
});

test('sampling is seeded, distinct and only draws items with train interactions', () => {
  const g = buildItemUsers({ users: Int32Array.from([0, 1, 2]), items: Int32Array.from([0, 2, 4]) }, 6);
  const s = sampleItems(g, 10, 1);
  assert.deepEqual(s, [0, 2, 4]);
  const big = buildItemUsers({ users: new Int32Array(100), items: Int32Array.from({ length: 100 }, (_, i) => i) }, 100);
  assert.deepEqual(sampleItems(big, 10, 3), sampleItems(big, 10, 3));
  assert.notDeepEqual(sampleItems(big, 10, 3), sampleItems(big, 10, 4));
  assert.equal(new Set(sampleItems(big, 50, 3)).size, 50);
});

test('retrieval averages 2-hop and raw feature similarity over the top-3 neighbours', () => {
  const g = buildItemUsers(train, 5);
  // Item space where 0's neighbours are 1, 2, 3 in that order.
  const nbrs = { n: 5, k: 3, idx: Int32Array.from([1, 2, 3, 0, 2, 3, 0, 1, 3, 0, 1, 2, 0, 1, 2]) };
  const t: Matrix = { rows: 5, cols: 2, data: Float32Array.from([1, 0, 1, 0, 0, 1, 1, 1, 1, 0]) };
  const r = retrievalStats(nbrs, g, [0], { t }, { top: 3, seed: 0 });
  assert.deepEqual(r.perTarget[0]!.neighbors, [1, 2, 3]);
  assert.deepEqual(r.perTarget[0]!.paths, [2, 1, 0]);
  const want2hop = (2 / Math.sqrt(6) + 1 / Math.sqrt(2) + 0) / 3;
  assert.ok(Math.abs(r.mean.twoHop - want2hop) < 1e-4);
  assert.ok(Math.abs(r.mean.text! - (1 + 0 + Math.SQRT1_2) / 3) < 1e-4);
  assert.equal(r.mean.vision, undefined);
  assert.equal(r.random.text !== undefined, true);
});

test('overlap matrix orders spaces as Figure 4 and dominance reads it', () => {
  const rng = new Rng(8);
  const f = randomMatrix(rng, 120, 8);
  const id = randomMatrix(rng, 120, 8);
  const spaces = { item: id, h_id: id, f_t: f, h_t: f, p_t: randomMatrix(rng, 120, 8) };
  const o = overlapMatrix(neighborhoodsOf(spaces, 5));
  assert.deepEqual(o.spaces, ['f_t', 'h_t', 'p_t', 'h_id', 'item']);
  for (let i = 0; i < o.spaces.length; i++) {
    assert.equal(o.matrix[i]![i], 1);
    for (let j = 0; j < o.spaces.length; j++) assert.equal(o.matrix[i]![j], o.matrix[j]![i]);
  }
  assert.equal(o.matrix[0]![1], 1);
  const d = dominanceStats(o)!;
  assert.equal(d.withId, 1);
  assert.ok(d.withFeatures.t! < 0.2);
  assert.ok(d.index! > 0.8);
});

test('training curves: per-epoch loss terms and recall/ndcg@20 of the analysed seed', () => {
  const ev = (o: object) => JSON.stringify(o);
  const text = [
    ev({ type: 'run_start', seed: 1 }),
    ev({ type: 'epoch_end', epoch: 0, losses: { bpr: 0.7, total: 0.7 } }),
    ev({
      type: 'eval',
      epoch: 0,
      valid: { 'recall@20': 0.1, 'ndcg@20': 0.05, 'recall@5': 0.01 },
      test: { 'recall@20': 0.09 },
      bestEpoch: 0,
    }),
    'garbage',
    ev({ type: 'run_start', seed: 2 }),
    ev({ type: 'epoch_end', epoch: 0, losses: { bpr: 0.5, total: 0.5 } }),
  ].join('\n');
  const c1 = parseCurves(text, 1);
  assert.deepEqual(c1.losses, [{ epoch: 0, terms: { bpr: 0.7, total: 0.7 } }]);
  assert.deepEqual(c1.evals, [{ epoch: 0, valid: { 'recall@20': 0.1, 'ndcg@20': 0.05 }, test: { 'recall@20': 0.09 } }]);
  assert.equal(c1.bestEpoch, 0);
  assert.equal(parseCurves(text, 2).losses[0]!.terms.bpr, 0.5);
  assert.equal(parseCurves(text).losses.length, 1);
  assert.equal(parseCurves(ev({ type: 'epoch_end', epoch: 3, losses: { bpr: 1 } })).losses.length, 1);
});
