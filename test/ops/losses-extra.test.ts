import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { structurePreservation, type DistanceKind } from '../../src/ops/loss/structure-preservation.js';
import { triplet } from '../../src/ops/loss/triplet.js';
import { graphSmoothing } from '../../src/ops/loss/graph-smoothing.js';
import { dense, sparse } from '../../src/ops/types.js';
import { CsrMatrix } from '../../src/ops/sparse.js';
import { Rng } from '../../src/util/rng.js';
import { randomCsr } from '../kernels/_setup.js';
import {
  assertClose,
  assertShapeError,
  buildOp,
  densify,
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

describe('structure_preservation shape rule', () => {
  const ok = {
    emb: [dense('items', 64), dense('items', 64)],
    feat: [dense('items', 'feat_mm'), dense('items', 'feat_t')],
  };
  test('pairs of [items, *] give a scalar', () => {
    assert.deepEqual(shapeOf(structurePreservation, { weights: [1, 0.03] }, ok).loss, dense());
  });
  test('unpaired lists name the feat port', () => {
    assertShapeError(
      () => shapeOf(structurePreservation, {}, { emb: ok.emb, feat: [dense('items', 8)] }),
      { port: 'feat' },
      /pairs/,
    );
  });
  test('user rows name the emb port', () => {
    assertShapeError(
      () => shapeOf(structurePreservation, {}, { emb: [dense('users', 64)], feat: [dense('items', 8)] }),
      { port: 'emb' },
    );
  });
  test('one weight per pair', () => {
    assertShapeError(() => shapeOf(structurePreservation, { weights: [1] }, ok), { param: 'weights' });
  });
});

describe('triplet and graph_smoothing shape rules', () => {
  test('triplet: user [users, d], item [items, d]', () => {
    assert.deepEqual(shapeOf(triplet, {}, { user: dense('users', 64), item: dense('items', 64) }).loss, dense());
  });
  test('triplet: widths differ -> item port', () => {
    assertShapeError(
      () => shapeOf(triplet, {}, { user: dense('users', 64), item: dense('items', 32) }),
      { port: 'item' },
      /widths/,
    );
  });
  test('triplet: an item table on the user port', () => {
    assertShapeError(() => shapeOf(triplet, {}, { user: dense('items', 64), item: dense('items', 64) }), {
      port: 'user',
    });
  });
  test('graph_smoothing: square graph and matching rows', () => {
    assert.deepEqual(
      shapeOf(graphSmoothing, {}, { graph: sparse('items', 'items'), emb: dense('items', 64) }).loss,
      dense(),
    );
  });
  test('graph_smoothing: a rectangular graph names the graph port', () => {
    assertShapeError(() => shapeOf(graphSmoothing, {}, { graph: sparse('users', 'items'), emb: dense('items', 64) }), {
      port: 'graph',
    });
  });
  test('graph_smoothing: rows of emb must be the graph nodes', () => {
    assertShapeError(() => shapeOf(graphSmoothing, {}, { graph: sparse('items', 'items'), emb: dense('users', 64) }), {
      port: 'emb',
    });
  });
});

/** float64 reference of one AMP term. */
function ampTerm(
  h: Float64Array,
  d: number,
  f: Float64Array,
  fd: number,
  idx: number[],
  sim: 'cosine' | 'dot',
  dist: DistanceKind,
): number {
  const B = idx.length;
  let ss = 0;
  for (let i = 0; i < B; i++)
    for (let j = 0; j < B; j++) {
      const hi = M.row(h, d, idx[i]!);
      const hj = M.row(h, d, idx[j]!);
      const s = sim === 'cosine' ? M.cos(hi, hj) : M.dot(hi, hj);
      const t = M.cos(M.row(f, fd, idx[i]!), M.row(f, fd, idx[j]!));
      ss += (s - t) ** 2;
    }
  if (dist === 'fro_squared') return ss;
  if (dist === 'mse') return ss / (B * B);
  return dist === 'fro' ? Math.sqrt(ss) : Math.sqrt(ss) / B;
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`structure_preservation on ${backend}`, () => {
    const n = 8;
    const pos = [1, 4, 1, 6, 2];
    const dims = [3, 5];
    const fdims = [6, 4];
    const weights = [1, 0.5];
    for (const similarity of ['cosine', 'dot'] as const) {
      for (const distance of ['fro', 'fro_squared', 'mse', 'fro_over_batch'] as const) {
        test(`forward and gradient match float64 finite differences; none into the features (${similarity}, ${distance})`, async () => {
          await useBackend(backend);
          const rng = new Rng(31);
          const H = dims.map((d) => randn64(rng, n * d));
          const Fs = fdims.map((f) => randn64(rng, n * f));
          const op = buildOp(
            structurePreservation,
            { weights, similarity, distance },
            { emb: dims.map((d) => dense('items', d)), feat: fdims.map((f) => dense('items', f)) },
          );
          const batch = makeBatch([0, 0, 0, 0, 0], pos, [0, 0, 0, 0, 0]);
          const ctx = runContext({ batch });
          const before = tf.memory().numTensors;
          const { loss, grads, featGrads } = tf.tidy(() => {
            const hs = H.map((h, m) => t2(h, n, dims[m]!));
            const fs = Fs.map((f, m) => t2(f, n, fdims[m]!));
            const fn = (h0: tf.Tensor, h1: tf.Tensor, f0: tf.Tensor, f1: tf.Tensor) =>
              runOp(op, { emb: [h0, h1], feat: [f0, f1] }, ctx, 'loss') as tf.Scalar;
            const loss = fn(hs[0]!, hs[1]!, fs[0]!, fs[1]!).dataSync()[0]!;
            const grads = tf
              .grads((h0: tf.Tensor, h1: tf.Tensor) => fn(h0, h1, fs[0]!, fs[1]!))(hs)
              .map((g) => g.dataSync().slice());
            // The features are a target only: either not on the tape at all or with an all-zero gradient.
            const hv = hs.map((h) => tf.variable(h));
            const fv = fs.map((f) => tf.variable(f));
            const vg = tf.variableGrads(() => fn(hv[0]!, hv[1]!, fv[0]!, fv[1]!), [...hv, ...fv]).grads;
            const featGrads = fv.map((v) =>
              vg[v.name] ? (vg[v.name]!.dataSync().slice() as Float32Array) : undefined,
            );
            [...hv, ...fv].forEach((v) => v.dispose());
            return { loss, grads, featGrads };
          });
          assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
          const ref = (hs: Float64Array[]) =>
            hs.reduce(
              (s, h, m) => s + weights[m]! * ampTerm(h, dims[m]!, Fs[m]!, fdims[m]!, pos, similarity, distance),
              0,
            );
          assertClose([loss], [ref(H)], 1e-4, 'loss');
          const num = numericalGrad(ref, H);
          assertClose(grads[0]!, num[0]!, 1e-4, 'grad emb[0]');
          assertClose(grads[1]!, num[1]!, 1e-4, 'grad emb[1]');
          assert.ok(
            grads[0]!.some((g) => g !== 0),
            'the embeddings do get a gradient',
          );
          assert.ok(
            featGrads.every((g) => g === undefined || g.every((x) => x === 0)),
            'no gradient into the features',
          );
          disposeBatch(batch);
        });
      }
    }
  });

  describe(`triplet on ${backend}`, () => {
    const nu = 5;
    const ni = 7;
    const d = 4;
    const users = [0, 3, 3, 1, 4, 2];
    const pos = [1, 2, 5, 0, 6, 2];
    const neg = [4, 0, 3, 6, 1, 5];
    function ref(U: Float64Array, I: Float64Array, margin: number): { loss: number; args: number[] } {
      const args = users.map(
        (u, r) => margin - M.cos(M.row(U, d, u), M.row(I, d, pos[r]!)) + M.cos(M.row(U, d, u), M.row(I, d, neg[r]!)),
      );
      return { loss: args.reduce((s, a) => s + Math.max(a, 0), 0) / args.length, args };
    }
    for (const detach of [true, false]) {
      test(`forward and gradients match float64 finite differences (detach_user ${detach})`, async () => {
        await useBackend(backend);
        const rng = new Rng(detach ? 12 : 13);
        const U = randn64(rng, nu * d);
        const I = randn64(rng, ni * d);
        const margin = 0.2;
        const { args } = ref(U, I, margin);
        assert.ok(args.some((a) => a > 0) && args.some((a) => a < 0), 'both active and inactive triples');
        assert.ok(
          args.every((a) => Math.abs(a) > 1e-3),
          'no triple at the kink',
        );
        const op = buildOp(
          triplet,
          { margin, detach_user: detach },
          { user: dense('users', d), item: dense('items', d) },
        );
        const batch = makeBatch(users, pos, neg);
        const ctx = runContext({ batch });
        const { loss, grads } = tf.tidy(() => {
          const xs = [t2(U, nu, d), t2(I, ni, d)];
          const fn = (u: tf.Tensor, i: tf.Tensor) => runOp(op, { user: u, item: i }, ctx, 'loss') as tf.Scalar;
          return {
            loss: fn(xs[0]!, xs[1]!).dataSync()[0]!,
            grads: tf
              .grads(fn)(xs)
              .map((g) => g.dataSync().slice()),
          };
        });
        assertClose([loss], [ref(U, I, margin).loss], 1e-5, 'loss');
        const num = numericalGrad(([u, i]) => ref(u!, i!, margin).loss, [U, I]);
        assertClose(grads[1]!, num[1]!, 1e-4, 'grad item');
        if (detach)
          assert.ok(
            grads[0]!.every((g) => g === 0),
            'no gradient into the detached users',
          );
        else assertClose(grads[0]!, num[0]!, 1e-4, 'grad user');
        disposeBatch(batch);
      });
    }
  });

  describe(`graph_smoothing on ${backend}`, () => {
    function ref(a: Float64Array, n: number, z: Float64Array, d: number, nnz: number): number {
      let s = 0;
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          const w = a[i * n + j]!;
          if (w === 0) continue;
          let dd = 0;
          for (let c = 0; c < d; c++) dd += (z[i * d + c]! - z[j * d + c]!) ** 2;
          s += w * dd;
        }
      return s / nnz;
    }
    test('forward and gradient match the explicit edge sum (non-symmetric graph with self loops and negative weights)', async () => {
      await useBackend(backend);
      const rng = new Rng(41);
      const n = 10;
      const d = 3;
      const g = randomCsr(rng, n, n, 0.3, [7]);
      assert.ok(g.values.some((v) => v < 0));
      assert.ok(
        Array.from({ length: n }, (_, i) => i).some((i) =>
          g.indices.subarray(g.indptr[i]!, g.indptr[i + 1]!).includes(i),
        ),
        'a self loop',
      );
      const a = Float64Array.from(densify(g));
      const z = randn64(rng, n * d);
      const op = buildOp(graphSmoothing, {}, { graph: sparse(n, n), emb: dense(n, d) });
      const before = tf.memory().numTensors;
      const { loss, grad } = tf.tidy(() => {
        const Z = t2(z, n, d);
        const fn = (zz: tf.Tensor) => runOp(op, { graph: g, emb: zz }, runContext(), 'loss') as tf.Scalar;
        return { loss: fn(Z).dataSync()[0]!, grad: tf.grad(fn)(Z).dataSync().slice() };
      });
      assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
      assertClose([loss], [ref(a, n, z, d, g.nnz)], 1e-4, 'loss');
      assertClose(grad, numericalGrad(([zz]) => ref(a, n, zz!, d, g.nnz), [z])[0]!, 1e-4, 'gradient');
    });
    test('an empty graph gives 0', async () => {
      await useBackend(backend);
      const g = CsrMatrix.fromCoo(3, 3, [], [], []);
      const op = buildOp(graphSmoothing, {}, { graph: sparse(3, 3), emb: dense(3, 2) });
      const v = tf.tidy(
        () => (runOp(op, { graph: g, emb: tf.ones([3, 2]) }, runContext(), 'loss') as tf.Tensor).dataSync()[0],
      );
      assert.equal(v, 0);
    });
  });
}
