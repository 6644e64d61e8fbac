import { test } from 'node:test';
import assert from 'node:assert/strict';
import { neighborhoodOverlap, rowCosine, topKNeighbors, type Matrix } from '../../src/analysis/neighbors.js';
import { Rng } from '../../src/util/rng.js';

function randomMatrix(rng: Rng, rows: number, cols: number): Matrix {
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return { rows, cols, data };
}

/** Brute force in float64: the K most cosine-similar other rows, most similar first. */
function bruteForce(m: Matrix, k: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) {
    const sims: [number, number][] = [];
    for (let j = 0; j < m.rows; j++) if (j !== i) sims.push([rowCosine(m, i, m, j), j]);
    sims.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    out.push(sims.slice(0, k).map(([, j]) => j));
  }
  return out;
}

test('top-K neighbourhoods match brute force, across block boundaries', () => {
  const rng = new Rng(1);
  const m = randomMatrix(rng, 57, 9);
  const want = bruteForce(m, 6);
  for (const blockRows of [undefined, 1, 7, 57]) {
    const got = topKNeighbors(m, 6, { blockRows });
    assert.equal(got.k, 6);
    for (let i = 0; i < m.rows; i++) {
      const row = Array.from(got.idx.subarray(i * 6, (i + 1) * 6));
      assert.ok(!row.includes(i), `row ${i} lists itself`);
      assert.deepEqual(row, want[i], `row ${i} (blockRows ${blockRows})`);
    }
  }
});

test('cosine, not dot product: scaling rows does not change neighbourhoods', () => {
  const rng = new Rng(2);
  const m = randomMatrix(rng, 40, 5);
  const scaled = { ...m, data: m.data.map((v, i) => v * (1 + Math.floor(i / 5) * 3)) };
  assert.deepEqual(topKNeighbors(scaled, 5).idx, topKNeighbors(m, 5).idx);
});

test('K is capped at n - 1 and zero rows do not break anything', () => {
  const m: Matrix = { rows: 4, cols: 3, data: new Float32Array([1, 0, 0, 0, 0, 0, 0.9, 0.1, 0, 0, 1, 0]) };
  const nb = topKNeighbors(m, 10);
  assert.equal(nb.k, 3);
  for (let i = 0; i < 4; i++)
    assert.deepEqual(
      [...nb.idx.subarray(i * 3, i * 3 + 3)].sort(),
      [0, 1, 2, 3].filter((j) => j !== i),
    );
  assert.equal(nb.idx[0], 2); // row 0's nearest is row 2
});

test('overlap of a space with itself is 1; with an independent random space about K / (n - 1)', () => {
  const rng = new Rng(3);
  const n = 400;
  const k = 10;
  const a = topKNeighbors(randomMatrix(rng, n, 16), k);
  const b = topKNeighbors(randomMatrix(rng, n, 16), k);
  assert.equal(neighborhoodOverlap(a, a), 1);
  const ov = neighborhoodOverlap(a, b);
  assert.ok(Math.abs(ov - k / (n - 1)) < 0.012, `overlap ${ov} vs chance ${k / (n - 1)}`);
});

test('overlap counts shared neighbours per item', () => {
  const a = { n: 4, k: 2, idx: Int32Array.from([1, 2, 0, 2, 0, 3, 2, 1]) };
  const b = { n: 4, k: 2, idx: Int32Array.from([2, 3, 2, 3, 3, 1, 1, 2]) };
  // Shared per item: 1, 1, 1, 2 of K = 2.
  assert.equal(neighborhoodOverlap(a, b), (0.5 + 0.5 + 0.5 + 1) / 4);
  assert.equal(neighborhoodOverlap(a, b), neighborhoodOverlap(b, a));
  assert.throws(() => neighborhoodOverlap(a, { n: 4, k: 1, idx: new Int32Array(4) }));
});
