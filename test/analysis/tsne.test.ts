import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tsne, tsneMap } from '../../src/analysis/measures.js';
import { Rng } from '../../src/util/rng.js';

function clusters(seed: number, perCluster: number, d: number): { x: Float64Array; label: number[] } {
  const rng = new Rng(seed);
  const n = perCluster * 2;
  const x = new Float64Array(n * d);
  const label: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i < perCluster ? 0 : 1;
    label.push(c);
    for (let j = 0; j < d; j++) x[i * d + j] = rng.normal() + (c === 1 && j < 3 ? 8 : 0);
  }
  return { x, label };
}

test('t-SNE separates two well-separated Gaussian clusters (1-NN in 2-D agrees with the labels)', () => {
  const { x, label } = clusters(11, 40, 10);
  const n = label.length;
  const y = tsne(x, n, 10, { seed: 3, iterations: 500 });
  let agree = 0;
  for (let i = 0; i < n; i++) {
    let best = -1;
    let bd = Infinity;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const dd = (y[i * 2]! - y[j * 2]!) ** 2 + (y[i * 2 + 1]! - y[j * 2 + 1]!) ** 2;
      if (dd < bd) {
        bd = dd;
        best = j;
      }
    }
    if (label[best] === label[i]) agree++;
  }
  assert.equal(agree, n);
  // And the clusters' centroids lie far apart relative to their spread.
  const cen = [0, 1].map((c) => {
    const idx = label.map((l, i) => (l === c ? i : -1)).filter((i) => i >= 0);
    return [
      idx.reduce((a, i) => a + y[i * 2]!, 0) / idx.length,
      idx.reduce((a, i) => a + y[i * 2 + 1]!, 0) / idx.length,
    ];
  });
  const gap = Math.hypot(cen[0]![0]! - cen[1]![0]!, cen[0]![1]! - cen[1]![1]!);
  assert.ok(gap > 5, `centroid gap ${gap}`);
});

test('t-SNE is deterministic per seed', () => {
  const { x } = clusters(12, 20, 6);
  const a = tsne(x, 40, 6, { seed: 5, iterations: 200 });
  const b = tsne(x, 40, 6, { seed: 5, iterations: 200 });
  const c = tsne(x, 40, 6, { seed: 6, iterations: 200 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.ok(a.every(Number.isFinite));
});

test('tsneMap places every (item, space) pair once and drops spaces of another width', () => {
  const rng = new Rng(13);
  const m = (cols: number) => ({ rows: 30, cols, data: Float32Array.from({ length: 30 * cols }, () => rng.normal()) });
  const map = tsneMap(
    { h_id: m(8), h_t: m(8), h_v: m(9) },
    ['h_id', 'h_mm', 'h_t', 'h_v'],
    [1, 4, 9, 16],
    'original',
    0,
    { iterations: 100 },
  )!;
  assert.deepEqual(map.spaces, ['h_id', 'h_t']);
  assert.equal(map.points.length, 8);
  assert.deepEqual(map.points.map((p) => `${p[2]}:${p[3]}`).sort(), [
    '0:0',
    '0:1',
    '1:0',
    '1:1',
    '2:0',
    '2:1',
    '3:0',
    '3:1',
  ]);
});
