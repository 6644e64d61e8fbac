/** agreement_knn_graph and co_interaction_graph against brute-force constructions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agreementKnnGraph, agreementNeighbours } from '../../src/ops/graph/agreement-knn-graph.js';
import { coInteractionGraph } from '../../src/ops/graph/co-interaction-graph.js';
import { dense, sparse, type DataAccess } from '../../src/ops/types.js';
import { Rng } from '../../src/util/rng.js';
import {
  assertShapeError,
  buildOp,
  densify,
  M,
  randn64,
  runContext,
  runSparse,
  shapeOf,
  t2,
  useBackend,
} from './harness.js';

test('agreement_knn_graph shape rule', () => {
  assert.deepEqual(
    shapeOf(agreementKnnGraph, { k: 3 }, { in: dense('items', 8), agree: [dense('items', 4)] }).out,
    sparse('items', 'items'),
  );
  assertShapeError(() => shapeOf(agreementKnnGraph, {}, { in: dense('items', 8), agree: [dense('users', 4)] }), {
    port: 'agree',
  });
  assertShapeError(() => shapeOf(agreementKnnGraph, { k: 30 }, { in: dense('items', 8) }, { sizes: { items: 20 } }), {
    param: 'k',
  });
});

test('agreement_knn_graph: neighbours above the mean in both modalities, top-k by the first; binary laplacian', async () => {
  await useBackend('wasm');
  const rng = new Rng(9);
  const n = 23,
    k = 4;
  const A = randn64(rng, n * 5),
    B = randn64(rng, n * 3);
  const cos = (X: Float64Array, f: number) =>
    Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => M.cos(M.row(X, f, i), M.row(X, f, j))));
  const sa = cos(A, 5),
    sb = cos(B, 3);
  const mean = (s: number[][]) => s.flat().reduce((x, y) => x + y, 0) / (n * n);
  const ma = mean(sa),
    mb = mean(sb);
  const want = sa.map((row, i) =>
    row
      .map((v, j) => [v, j] as const)
      .filter(([v, j]) => v >= ma && sb[i]![j]! >= mb)
      .sort((x, y) => y[0] - x[0] || x[1] - y[1])
      .slice(0, k)
      .map(([, j]) => j),
  );
  const got = agreementNeighbours([t2(A, n, 5), t2(B, n, 3)], k, 7); // small blocks: block boundaries covered
  got.forEach((row, i) => assert.deepEqual(Array.from(row), want[i], `row ${i}`));
  const op = buildOp(agreementKnnGraph, { k }, { in: dense('items', 5), agree: [dense('items', 3)] });
  const g = densify(runSparse(op, { in: t2(A, n, 5), agree: [t2(B, n, 3)] }, runContext()));
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const e = want[i]!.includes(j) ? 1 / Math.sqrt((want[i]!.length + 1e-7) * (want[j]!.length + 1e-7)) : 0;
      assert.ok(Math.abs(g[i * n + j]! - e) < 1e-6, `entry ${i},${j}`);
    }
});

test('co_interaction_graph: top-k partners by shared users (>= min_shared), self-loops, binary laplacian', async () => {
  await useBackend('wasm');
  const nUsers = 5,
    nItems = 6;
  // u0: 0 1 2, u1: 0 1 2, u2: 0 1 3, u3: 2 3 (twice), u4: 4
  const pairs = [
    [0, 0],
    [0, 1],
    [0, 2],
    [1, 0],
    [1, 1],
    [1, 2],
    [2, 0],
    [2, 1],
    [2, 3],
    [3, 2],
    [3, 3],
    [3, 3],
    [4, 4],
  ];
  const data: DataAccess = {
    nUsers,
    nItems,
    trainPairs: { users: Int32Array.from(pairs.map((p) => p[0]!)), items: Int32Array.from(pairs.map((p) => p[1]!)) },
    modalities: [],
    feature: () => {
      throw new Error('none');
    },
  };
  // shared users: (0,1) 3, (0,2) 2, (1,2) 2, (0,3) 1, (1,3) 1, (2,3) 1
  const want = [[0, 1, 2], [1, 0, 2], [2, 0, 1], [3], [4], [5]];
  const op = buildOp(coInteractionGraph, { k: 2, min_shared: 2 }, {}, { data });
  const g = densify(runSparse(op, {}, runContext()));
  for (let i = 0; i < nItems; i++)
    for (let j = 0; j < nItems; j++) {
      const e = want[i]!.includes(j) ? 1 / Math.sqrt((want[i]!.length + 1e-7) * (want[j]!.length + 1e-7)) : 0;
      assert.ok(Math.abs(g[i * nItems + j]! - e) < 1e-6, `entry ${i},${j}: ${g[i * nItems + j]} vs ${e}`);
    }
});
