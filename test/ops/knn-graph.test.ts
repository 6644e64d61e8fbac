import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { knnGraph, knnSearch } from '../../src/ops/graph/knn-graph.js';
import { isCsr, type CsrMatrix } from '../../src/ops/sparse.js';
import { dense } from '../../src/ops/types.js';
import { Rng } from '../../src/util/rng.js';
import {
  assertClose,
  assertShapeError,
  buildOp,
  densify,
  M,
  randn64,
  runContext,
  runSparse,
  shapeOf,
  t2,
  tf,
  useBackend,
} from './harness.js';

/**
 * Brute force, float64: cosine similarities, top-k per row of the full matrix (self included), then A and its
 * normalisation.
 */
function bruteForce(
  x: Float64Array,
  n: number,
  f: number,
  k: number,
  norm: 'symmetric' | 'row' | 'none',
  weighted: boolean,
): Float64Array {
  const rows = Array.from({ length: n }, (_, i) => M.row(x, f, i));
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const sims = rows.map((r, j) => ({ j, s: M.cos(rows[i]!, r) }));
    sims.sort((p, q) => q.s - p.s || p.j - q.j);
    for (const { j, s } of sims.slice(0, k)) a[i * n + j] = weighted ? s : 1;
  }
  const deg = Array.from({ length: n }, (_, i) => a.subarray(i * n, (i + 1) * n).reduce((p, q) => p + q, 0));
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const v = a[i * n + j]!;
      if (norm === 'symmetric') out[i * n + j] = v / Math.sqrt((deg[i]! + 1e-7) * (deg[j]! + 1e-7));
      else if (norm === 'row') out[i * n + j] = v / deg[i]!;
      else out[i * n + j] = v;
    }
  return out;
}

function pattern(a: CsrMatrix): Set<string> {
  const s = new Set<string>();
  for (let i = 0; i < a.rows; i++) for (let p = a.indptr[i]!; p < a.indptr[i + 1]!; p++) s.add(`${i},${a.indices[p]}`);
  return s;
}

describe('knn_graph shape rule', () => {
  test('feature rows give a sparse square graph over the same rows', () => {
    const out = shapeOf(knnGraph, { k: 10 }, { in: dense('items', 'feat_v') }, { sizes: { items: 100 } });
    assert.deepEqual(out.out, { kind: 'sparse', dims: ['items', 'items'] });
  });
  test('k larger than the number of rows names the param', () => {
    assertShapeError(
      () => shapeOf(knnGraph, { k: 20 }, { in: dense('items', 8) }, { sizes: { items: 12 } }),
      { param: 'k' },
      /only 12 rows/,
    );
  });
  test('a rank-1 input names the port', () => {
    assertShapeError(() => shapeOf(knnGraph, {}, { in: dense('items') }), { port: 'in' });
  });
});

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`knn_graph on ${backend}`, () => {
    const n = 23;
    const f = 7;
    const k = 4;
    for (const norm of ['symmetric', 'row', 'none'] as const) {
      for (const weighted of [false, true]) {
        test(`matches brute force: norm ${norm}${weighted ? ', weighted' : ''}`, async () => {
          await useBackend(backend);
          const x = randn64(new Rng(11), n * f);
          const op = buildOp(knnGraph, { k, norm, weighted }, { in: dense(n, f) });
          const X = t2(x, n, f);
          const before = tf.memory().numTensors;
          const a = runSparse(op, { in: X }, runContext());
          assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
          X.dispose();
          assert.ok(isCsr(a));
          assert.equal(a.rows, n);
          assert.equal(a.cols, n);
          assert.equal(a.nnz, n * k, 'k entries per row');
          assertClose(densify(a), bruteForce(x, n, f, k, norm, weighted), 1e-5, 'adjacency');
          for (let i = 0; i < n; i++) {
            const cols = Array.from(a.indices.subarray(a.indptr[i]!, a.indptr[i + 1]!));
            assert.ok(cols.includes(i), `row ${i} contains itself`);
          }
        });
      }
    }

    test("'symmetric' is MMRec's D^-1/2 A D^-1/2 with row sums on both sides: every value 1/(k + 1e-7), pattern not symmetric", async () => {
      await useBackend(backend);
      const x = randn64(new Rng(5), n * f);
      const op = buildOp(knnGraph, { k, norm: 'symmetric' }, { in: dense(n, f) });
      const a = runSparse(op, { in: t2(x, n, f) }, runContext());
      for (const v of a.values) assert.ok(Math.abs(v - 1 / (k + 1e-7)) < 1e-7, `value ${v}`);
      const p = pattern(a);
      const asym = [...p].filter((e) => !p.has(e.split(',').reverse().join(',')));
      assert.ok(asym.length > 0, 'a kNN graph of random points has one-way edges');
      assert.notEqual(a.transpose(), a, 'not marked as its own transpose');
      // The same edges as the brute force, one-way edges included.
      const ref = bruteForce(x, n, f, k, 'none', false);
      const refEdges = new Set<string>();
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (ref[i * n + j]) refEdges.add(`${i},${j}`);
      assert.deepEqual(p, refEdges);
    });

    test('row blocks give the same neighbours as one block, across block boundaries', async () => {
      await useBackend(backend);
      const x = randn64(new Rng(9), n * f);
      const [one, blocked, small] = tf.tidy(() => {
        const t = t2(x, n, f);
        return [knnSearch(t, k), knnSearch(t, k, 5), knnSearch(t, k, 3)];
      });
      assert.deepEqual(blocked.indices, one.indices, 'blocks of 5 rows');
      assertClose(blocked.sims, one.sims, 1e-6, 'similarities');
      assert.deepEqual(small.indices, one.indices, 'blocks of 3 rows, fewer than k');
    });

    test('a zero feature row gets similarity 0, not NaN', async () => {
      await useBackend(backend);
      const x = randn64(new Rng(3), n * f);
      x.fill(0, 2 * f, 3 * f);
      const op = buildOp(knnGraph, { k, weighted: true, norm: 'none' }, { in: dense(n, f) });
      const a = runSparse(op, { in: t2(x, n, f) }, runContext());
      assert.ok(a.values.every((v) => Number.isFinite(v)));
    });
  });
}
