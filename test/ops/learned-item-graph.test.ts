import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { learnedItemGraph } from '../../src/ops/refine/learned-item-graph.js';
import { dense, sparse, type RunContext } from '../../src/ops/types.js';
import type { CsrMatrix } from '../../src/ops/sparse.js';
import { Rng } from '../../src/util/rng.js';
import { randomCsr } from '../kernels/_setup.js';
import {
  assertClose,
  assertShapeError,
  buildOp,
  densify,
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

/** Top-k columns per row of cos(P), ties to the lower column (float64). */
function knnIdx(p: Float64Array, n: number, d: number, k: number): number[][] {
  const rows = Array.from({ length: n }, (_, i) => M.row(p, d, i));
  return rows.map((r) =>
    rows
      .map((q, j) => ({ j, s: M.cos(r, q) }))
      .sort((a, b) => b.s - a.s || a.j - b.j)
      .slice(0, k)
      .map((e) => e.j),
  );
}

/** LATTICE's A^layers · X in float64, for fixed kNN indices. */
function reference(
  ps: Float64Array[],
  ds: number[],
  idx: number[][][],
  frozen: Float64Array[],
  mw: ArrayLike<number>,
  x: Float64Array,
  n: number,
  dx: number,
  lambda: number,
  layers: number,
): Float64Array {
  const ex = Array.from(mw, (v) => Math.exp(v));
  const w = ex.map((v) => v / ex.reduce((s, q) => s + q, 0));
  const lat = new Float64Array(n * n);
  ps.forEach((p, m) => {
    const rows = Array.from({ length: n }, (_, i) => M.row(p, ds[m]!, i));
    for (let i = 0; i < n; i++) for (const j of idx[m]![i]!) lat[i * n + j]! += w[m]! * M.cos(rows[i]!, rows[j]!);
  });
  const deg = Array.from({ length: n }, (_, i) => lat.subarray(i * n, (i + 1) * n).reduce((s, v) => s + v, 0));
  const a = lat.map((v, e) => {
    const i = Math.floor(e / n);
    const j = e % n;
    let out = (1 - lambda) * v * Math.pow(deg[i]!, -0.5) * Math.pow(deg[j]!, -0.5);
    frozen.forEach((o, m) => (out += lambda * w[m]! * o[e]!));
    return out;
  });
  let cur = x;
  for (let l = 0; l < layers; l++) {
    const next = new Float64Array(n * dx);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        if (a[i * n + j]) for (let c = 0; c < dx; c++) next[i * dx + c]! += a[i * n + j]! * cur[j * dx + c]!;
    cur = next;
  }
  return cur;
}

describe('learned_item_graph shape rule', () => {
  const ok = {
    features: [dense('items', 8), dense('items', 8)],
    graphs: [sparse('items', 'items'), sparse('items', 'items')],
    in: dense('items', 64),
  };
  test('propagates [items, d]', () => {
    assert.deepEqual(shapeOf(learnedItemGraph, {}, ok).out, dense('items', 64));
  });
  test('a graph per feature, of the right shape; k within the rows', () => {
    assertShapeError(
      () => shapeOf(learnedItemGraph, {}, { ...ok, graphs: [sparse('items', 'items')] }),
      { port: 'graphs' },
      /1 entries for 2 features/,
    );
    assertShapeError(
      () => shapeOf(learnedItemGraph, {}, { ...ok, graphs: [sparse('items', 'items'), sparse('users', 'items')] }),
      { port: 'graphs' },
    );
    assertShapeError(() => shapeOf(learnedItemGraph, {}, { ...ok, features: [dense('users', 8), dense('items', 8)] }), {
      port: 'features',
    });
    assertShapeError(() => shapeOf(learnedItemGraph, { k: 20 }, ok, { sizes: { items: 12 } }), { param: 'k' });
  });
});

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`learned_item_graph on ${backend}`, () => {
    const n = 11;
    const ds = [5, 3];
    const dx = 4;
    const k = 3;
    const setup = (seed: number) => {
      const rng = new Rng(seed);
      const ps = ds.map((d) => randn64(rng, n * d));
      const x = randn64(rng, n * dx);
      const r = randn64(rng, n * dx);
      const graphs: CsrMatrix[] = ds.map(() => randomCsr(rng, n, n, 0.3));
      return {
        ps,
        x,
        r,
        graphs,
        frozen: graphs.map((g) => Float64Array.from(densify(g))),
        idx: ps.map((p, m) => knnIdx(p, n, ds[m]!, k)),
      };
    };
    const types = { features: ds.map((d) => dense(n, d)), graphs: ds.map(() => sparse(n, n)), in: dense(n, dx) };

    for (const [lambda, layers] of [
      [0.9, 1],
      [0.3, 2],
      [0, 1],
    ] as const) {
      test(`rebuild: step: forward and gradients (features, in, modal_weight) match float64, lambda ${lambda}, ${layers} layer(s)`, async () => {
        await useBackend(backend);
        const s = setup(layers * 10 + lambda * 100);
        const op = buildOp(learnedItemGraph, { k, lambda, layers, rebuild: 'step' }, types);
        const mwVar = op.variables.get('modal_weight')!;
        await mwVar.assign(tf.tensor1d([0.2, 0.7]));
        const mw = [0.2, 0.7];
        const before = tf.memory().numTensors;
        const got = tf.tidy(() => {
          const P = s.ps.map((p, m) => t2(p, n, ds[m]!));
          const X = t2(s.x, n, dx);
          const R = t2(s.r, n, dx);
          const ctx = runContext({ training: true });
          const loss = (p0: tf.Tensor, p1: tf.Tensor, xx: tf.Tensor) =>
            tf.sum(
              tf.mul(
                runOp(
                  op,
                  { features: [p0 as tf.Tensor2D, p1 as tf.Tensor2D], graphs: s.graphs, in: xx },
                  ctx,
                ) as tf.Tensor,
                R,
              ),
            ) as tf.Scalar;
          const y = (runOp(op, { features: P, graphs: s.graphs, in: X }, ctx) as tf.Tensor).dataSync().slice();
          const g = tf
            .grads(loss)([P[0]!, P[1]!, X])
            .map((t) => t.dataSync().slice());
          const { grads } = tf.variableGrads(() => loss(P[0]!, P[1]!, X), [mwVar]);
          return { y, g, gw: grads[mwVar.name]!.dataSync().slice() };
        });
        assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
        const ref = (vs: Float64Array[]) =>
          reference([vs[0]!, vs[1]!], ds, s.idx, s.frozen, vs[3]!, vs[2]!, n, dx, lambda, layers);
        assertClose(got.y, ref([s.ps[0]!, s.ps[1]!, s.x, Float64Array.from(mw)]), 1e-4, 'forward');
        const num = numericalGrad(
          (vs) => ref(vs).reduce((acc, v, e) => acc + v * s.r[e]!, 0),
          [s.ps[0]!, s.ps[1]!, s.x, Float64Array.from(mw)],
        );
        assertClose(got.g[0]!, num[0]!, 2e-3, 'd features[0]');
        assertClose(got.g[1]!, num[1]!, 2e-3, 'd features[1]');
        assertClose(got.g[2]!, num[2]!, 2e-3, 'd in');
        assertClose(got.gw, num[3]!, 2e-3, 'd modal_weight');
        op.variables.forEach((v) => v.dispose());
      });
    }

    test("rebuild: epoch: the graph of the epoch's first step is reused detached; a new epoch and evaluation rebuild it", async () => {
      await useBackend(backend);
      const s = setup(5);
      const op = buildOp(learnedItemGraph, { k, lambda: 0.5, layers: 1 }, types);
      const ctxAt = (epoch: number, training = true): RunContext => ({ ...runContext({ training }), epoch });
      // Variables, so that tf.variableGrads reports an input without a gradient path (detached) as absent.
      const X = tf.variable(t2(s.x, n, dx));
      const run = (P: tf.Variable[], ctx: RunContext) =>
        tf.tidy(() => {
          const R = t2(s.r, n, dx);
          // One run per step, as the trainer does: a second forward in the same epoch would read the cache.
          let y: Float32Array = new Float32Array(0);
          const { grads } = tf.variableGrads(() => {
            const out = runOp(
              op,
              { features: P as tf.Tensor[] as tf.Tensor2D[], graphs: s.graphs, in: X },
              ctx,
            ) as tf.Tensor;
            y = Float32Array.from(out.dataSync());
            return tf.sum(tf.mul(out, R)) as tf.Scalar;
          }, [...P, X]);
          const g = [...P, X].map((v) =>
            grads[v.name] ? grads[v.name]!.dataSync().slice() : new Float32Array(v.size),
          );
          return { y, g };
        });
      const P = s.ps.map((p, m) => tf.variable(t2(p, n, ds[m]!)));
      const first = run(P, ctxAt(0));
      assert.ok(
        first.g[0]!.some((v) => v !== 0),
        'the first step differentiates the projections',
      );
      // Same epoch, other features: the cached graph is used, so neither the output nor the projections change
      // anything.
      const P2 = s.ps.map((p, m) =>
        tf.variable(
          t2(
            p.map((v) => v * 0.5 + 0.3),
            n,
            ds[m]!,
          ),
        ),
      );
      const later = run(P2, ctxAt(0));
      assertClose(later.y, first.y, 1e-5, 'same graph within the epoch');
      assert.ok(
        later.g[0]!.every((v) => v === 0) && later.g[1]!.every((v) => v === 0),
        'detached: no gradient into the projections',
      );
      assertClose(later.g[2]!, first.g[2]!, 1e-5, 'the gradient into in is unchanged');
      // Evaluation and the next epoch rebuild from the new features.
      const fresh = run(P2, ctxAt(0, false));
      assert.ok(
        fresh.y.some((v, i) => Math.abs(v - first.y[i]!) > 1e-4),
        'evaluation rebuilds',
      );
      assertClose(run(P2, ctxAt(1)).y, fresh.y, 1e-5, 'a new epoch rebuilds');
      P.concat(P2, [X]).forEach((t) => t.dispose());
      op.variables.forEach((v) => v.dispose());
    });
  });
}
