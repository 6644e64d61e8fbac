import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { neighborDiscrimination, pseudoPositives } from '../../src/ops/loss/neighbor-discrimination.js';
import { dense } from '../../src/ops/types.js';
import { Rng } from '../../src/util/rng.js';
import { setReferenceMode } from '../../src/ops/kernels/mode.js';
import {
  assertClose,
  assertShapeError,
  buildOp,
  disposeBatch,
  makeBatch,
  M,
  numericalGrad,
  randn64,
  runContext,
  runOp,
  shapeOf,
  t2,
  tf,
  useBackend,
} from './harness.js';

describe('neighbor_discrimination shape rule', () => {
  test('item views of one width give a scalar', () => {
    assert.deepEqual(
      shapeOf(neighborDiscrimination, {}, { views: [dense('items', 8), dense('items', 8)] }).loss,
      dense(),
    );
  });
  test('a user table names the views port', () => {
    assertShapeError(() => shapeOf(neighborDiscrimination, {}, { views: [dense('items', 8), dense('users', 8)] }), {
      port: 'views',
    });
  });
  test('too few items for two disjoint positive sets names positives', () => {
    assertShapeError(
      () =>
        shapeOf(neighborDiscrimination, { positives: 10 }, { views: [dense('items', 8)] }, { sizes: { items: 15 } }),
      { param: 'positives' },
    );
  });
});

/** float64 reference of one view's term, given the pseudo-positives. */
function ref(
  h: Float64Array,
  d: number,
  n: number,
  idx: number[],
  mm: Int32Array,
  single: Int32Array,
  K: number,
  tau: number,
): number {
  let s = 0;
  for (let r = 0; r < idx.length; r++) {
    const a = M.row(h, d, idx[r]!);
    const e = (j: number) => Math.exp(M.cos(a, M.row(h, d, j)) / tau);
    let all = 0;
    for (let j = 0; j < n; j++) all += e(j);
    let sm = 0,
      ss = 0;
    for (let t = 0; t < K; t++) {
      sm += e(mm[r * K + t]!);
      ss += e(single[r * K + t]!);
    }
    s += -Math.log(sm / all + 1e-9) - Math.log(ss / (all - sm) + 1e-9);
  }
  return s / idx.length;
}

for (const backend of ['wasm', 'cpu'] as const) {
  test(`neighbor_discrimination on ${backend}: pseudo-positives are disjoint top-K sets; loss and gradients match float64`, async () => {
    await useBackend(backend);
    const rng = new Rng(11);
    const n = 9,
      d = 3,
      K = 2,
      tau = 0.5;
    const H = [randn64(rng, n * d), randn64(rng, n * d)];
    const op = buildOp(
      neighborDiscrimination,
      { tau, positives: K },
      { views: [dense('items', d), dense('items', d)] },
    );
    const batch = makeBatch([0, 1, 2], [1, 4, 1], [7, 2, 0]);
    const idx = [1, 4, 7, 2, 0]; // distinct pos then neg, first-seen order
    const labels = tf.tidy(() =>
      pseudoPositives(
        H.map((h) => t2(h, n, d)),
        Int32Array.from(idx),
        K,
      ),
    );
    for (const { mm, single } of labels) {
      for (let r = 0; r < idx.length; r++) {
        const a = new Set(mm.subarray(r * K, r * K + K)),
          b = single.subarray(r * K, r * K + K);
        assert.equal(a.size, K);
        assert.ok(
          [...b].every((j) => !a.has(j)),
          'single positives exclude the multimodal ones',
        );
      }
    }
    const ctx = runContext({ batch });
    const before = tf.memory().numTensors;
    const { loss, grads } = tf.tidy(() => {
      const fn = (a: tf.Tensor, b: tf.Tensor) => runOp(op, { views: [a, b] }, ctx, 'loss') as tf.Scalar;
      const xs = H.map((h) => t2(h, n, d));
      return {
        loss: fn(xs[0]!, xs[1]!).dataSync()[0]!,
        grads: tf
          .grads(fn)(xs)
          .map((g) => g.dataSync().slice()),
      };
    });
    assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
    // The labels are constants of the step: finite differences hold them fixed.
    const f = (hs: Float64Array[]) =>
      hs.reduce((s, h, m) => s + ref(h, d, n, idx, labels[m]!.mm, labels[m]!.single, K, tau), 0) / hs.length;
    assertClose([loss], [f(H)], 1e-4, 'loss');
    const num = numericalGrad(f, H);
    assertClose(grads[0]!, num[0]!, 2e-3, 'grad view 0');
    assertClose(grads[1]!, num[1]!, 2e-3, 'grad view 1');
    disposeBatch(batch);
  });
}

test('pseudo-positives: the fast path (SIMD softmax, host top-k) picks the same neighbours as tf.softmax + tf.topk', async () => {
  await useBackend('wasm');
  const rng = new Rng(4);
  const n = 300,
    d = 8,
    K = 5;
  const H = [0, 1, 2].map(() => randn64(rng, n * d));
  const idx = Int32Array.from({ length: 70 }, (_, i) => (i * 37) % n);
  const labels = () =>
    tf.tidy(() =>
      pseudoPositives(
        H.map((h) => t2(h, n, d)),
        idx,
        K,
      ),
    );
  const fast = labels();
  setReferenceMode(true);
  let slow: ReturnType<typeof labels>;
  try {
    slow = labels();
  } finally {
    setReferenceMode(false);
  }
  assert.deepEqual(fast, slow);
});

test('on wasm the pseudo-labels reuse the contrast’s similarity blocks: one matMul per view fewer, same loss and gradients as reference mode', async () => {
  await useBackend('wasm');
  const rng = new Rng(5);
  const n = 300,
    d = 8,
    K = 5,
    tau = 0.2;
  const H = [0, 1, 2].map(() => randn64(rng, n * d));
  const views = [0, 1, 2].map(() => dense('items', d));
  const op = buildOp(neighborDiscrimination, { tau, positives: K }, { views });
  const batch = makeBatch(
    Array.from({ length: 60 }, (_, i) => i),
    Array.from({ length: 60 }, (_, i) => (i * 7) % n),
    Array.from({ length: 60 }, (_, i) => (i * 13 + 5) % n),
  );
  const ctx = runContext({ batch });
  const fn = (...xs: tf.Tensor[]) => runOp(op, { views: xs }, ctx, 'loss') as tf.Scalar;
  const measure = async () => {
    const xs = H.map((h) => t2(h, n, d));
    let loss = 0;
    const info = await tf.profile(() => void (loss = tf.tidy(() => fn(...xs).dataSync()[0]!)));
    const grads = tf.tidy(() =>
      tf
        .grads(fn)(xs)
        .map((g) => g.dataSync().slice()),
    );
    xs.forEach((x) => x.dispose());
    return { loss, grads, matMuls: info.kernels.filter((k) => k.name === 'BatchMatMul').length };
  };
  const fast = await measure();
  setReferenceMode(true);
  let slow: Awaited<ReturnType<typeof measure>>;
  try {
    slow = await measure();
  } finally {
    setReferenceMode(false);
  }
  assert.equal(slow.matMuls, 6, 'reference: the contrast and the labels each take one similarity per view');
  assert.equal(fast.matMuls, 3, 'shared: one similarity per view');
  assertClose([fast.loss], [slow.loss], 1e-5, 'loss');
  fast.grads.forEach((g, v) => assertClose(g, slow.grads[v]!, 1e-4, `grad view ${v}`));
  disposeBatch(batch);
});
