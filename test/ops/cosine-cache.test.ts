import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockSumOfSquares, cosineMatrix, gatherSquareBlock, topkRows } from '../../src/ops/kernels/cosine.js';
import { knnSearch } from '../../src/ops/graph/knn-graph.js';
import { structurePreservation } from '../../src/ops/loss/structure-preservation.js';
import { dense } from '../../src/ops/types.js';
import { Rng } from '../../src/util/rng.js';
import {
  assertClose,
  buildOp,
  disposeBatch,
  makeBatch,
  randn64,
  runContext,
  runOp,
  t2,
  tf,
  useBackend,
} from './harness.js';

function bruteCos(x: Float64Array, n: number, f: number): Float64Array {
  const out = new Float64Array(n * n);
  const norm = (i: number) => Math.sqrt(x.subarray(i * f, i * f + f).reduce((a, v) => a + v * v, 0));
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let c = 0; c < f; c++) s += x[i * f + c]! * x[j * f + c]!;
      out[i * n + j] = s / (norm(i) * norm(j));
    }
  return out;
}

test('the blockwise cosine matrix (upper blocks mirrored) equals brute force', async () => {
  await useBackend('wasm');
  const n = 37;
  const f = 11;
  const x = randn64(new Rng(3), n * f);
  const got = tf.tidy(() => cosineMatrix(t2(x, n, f), 8));
  assertClose(got, bruteCos(x, n, f), 1e-5, 'cosine');
});

test('kNN from the full matrix equals the streaming block search, ties included', async () => {
  await useBackend('wasm');
  const n = 50;
  const f = 6;
  const rng = new Rng(9);
  // Rounded values make exact ties likely.
  const x = Float64Array.from(randn64(rng, n * f), (v) => Math.round(v));
  for (let i = 0; i < n * f; i += 7) x[i] = x[i] === 0 ? 1 : x[i]!;
  const xt = t2(x, n, f);
  const full = cosineMatrix(xt as tf.Tensor2D, 16);
  for (const k of [1, 5, 10]) {
    const a = topkRows(full, n, k);
    const b = knnSearch(xt as tf.Tensor2D, k, 16);
    assertClose(a.sims, b.sims, 1e-6, `sims k=${k}`);
    // Where the k-th and (k+1)-th similarities tie, either choice is a valid top-k; elsewhere the sets must agree.
    for (let i = 0; i < n; i++) {
      const row = [...full.subarray(i * n, i * n + n)].sort((p, q) => q - p);
      if (k < n && row[k - 1] === row[k]) continue;
      const sa = [...a.indices.subarray(i * k, i * k + k)].sort((p, q) => p - q);
      const sb = [...b.indices.subarray(i * k, i * k + k)].sort((p, q) => p - q);
      assert.deepEqual(sa, sb, `row ${i} k=${k}`);
    }
  }
  xt.dispose();
});

test('gatherSquareBlock reads S[rows][:, rows] with duplicates', () => {
  const n = 4;
  const s = Float32Array.from({ length: 16 }, (_, i) => i);
  assert.deepEqual([...gatherSquareBlock(s, n, [2, 0, 2])], [10, 8, 10, 2, 0, 2, 10, 8, 10]);
});

test('gatherSquareBlock and blockSumOfSquares (read in ascending order) equal the block read in batch order', () => {
  const n = 50;
  const s = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i * 0.37));
  for (const rows of [[7, 3, 3, 49, 0, 12, 7], [5], Array.from({ length: 120 }, (_, i) => (i * 31 + 7) % n)]) {
    const b = rows.length;
    const want = new Float32Array(b * b);
    let ss = 0;
    for (let i = 0; i < b; i++)
      for (let j = 0; j < b; j++) {
        const v = s[rows[i]! * n + rows[j]!]!;
        want[i * b + j] = v;
        ss += v * v;
      }
    assert.deepEqual([...gatherSquareBlock(s, n, rows)], [...want], `block of ${b}`);
    assert.ok(Math.abs(blockSumOfSquares(s, n, rows) - ss) <= 1e-9 * ss, `sum of squares of ${b}`);
  }
});

// fd 7 with 4 positives takes the [B, B] block of the cached cosines; fd 3 with 8 positives (2·f < B) the
// factored F̂_b·(F̂_bᵀ·h) form with ‖T‖² from a Gram.
// f 170 with 400 positives is factored too, with ‖T‖² from the cached cosines (f² > 64·B) instead of a Gram.
const many = Array.from({ length: 400 }, (_, i) => (i * 7) % 9);
for (const [fd, pos] of [
  [7, [3, 1, 8, 3]],
  [3, [3, 1, 8, 3, 0, 5, 5, 2]],
  [170, many],
] as const) {
  test(`structure_preservation on constant features (cached cosines) equals the per-step computation (f ${fd}, B ${pos.length})`, async () => {
    await useBackend('wasm');
    const n = 9;
    const d = 4;
    const rng = new Rng(5);
    const H = randn64(rng, n * d);
    const F = randn64(rng, n * fd);
    const batch = makeBatch(
      pos.map((_, i) => i % 4),
      [...pos],
      pos.map(() => 0),
    );
    const f = t2(F, n, fd) as tf.Tensor2D;
    for (const similarity of ['dot', 'cosine'] as const)
      for (const distance of ['fro', 'fro_over_batch', 'mse'] as const) {
        const op = buildOp(
          structurePreservation,
          { distance, similarity },
          { emb: [dense('items', d)], feat: [dense('items', fd)] },
        );
        const run = (constant: boolean) =>
          tf.tidy(() => {
            const ctx = runContext({
              batch,
              constants: constant ? new Map([[f, tf.transpose(f) as tf.Tensor2D]]) : undefined,
            });
            const fn = (h: tf.Tensor) => runOp(op, { emb: [h], feat: [f] }, ctx, 'loss') as tf.Scalar;
            const h = t2(H, n, d);
            return { loss: fn(h).dataSync()[0]!, grad: tf.grad(fn)(h).dataSync().slice() };
          });
        const cached = run(true);
        const direct = run(false);
        // The per-step path reduces B² float32 squares: ~3e-5 relative noise at B 400.
        const tol = pos.length > 100 ? 1e-4 : 1e-5;
        assertClose([cached.loss], [direct.loss], tol, `loss ${similarity} ${distance}`);
        assertClose(cached.grad, direct.grad, tol, `grad ${similarity} ${distance}`);
      }
    f.dispose();
    disposeBatch(batch);
  });
}
