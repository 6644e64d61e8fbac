import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { degreeEdgeDropout, weightedSampleWithoutReplacement } from '../../src/ops/graph/degree-edge-dropout.js';
import { interactionGraph } from '../../src/ops/graph/interaction-graph.js';
import type { CsrMatrix } from '../../src/ops/sparse.js';
import type { DataAccess, RunContext } from '../../src/ops/types.js';
import { Rng } from '../../src/util/rng.js';
import {
  assertClose,
  assertShapeError,
  buildOp,
  densify,
  runContext,
  runSparse,
  shapeOf,
  useBackend,
} from './harness.js';
import { tinyData } from './graph-data.js';

/** A random interaction set: nU users, nI items, about `per` items per user. */
function randomData(nU: number, nI: number, per: number, seed: number): DataAccess {
  const rng = new Rng(seed);
  const us: number[] = [];
  const is: number[] = [];
  for (let u = 0; u < nU; u++) {
    const seen = new Set<number>();
    const cnt = 1 + rng.int(2 * per);
    for (let t = 0; t < cnt; t++) {
      const i = rng.int(nI);
      if (seen.has(i)) continue;
      seen.add(i);
      us.push(u);
      is.push(i);
    }
  }
  return {
    ...tinyData(),
    nUsers: nU,
    nItems: nI,
    trainPairs: { users: Int32Array.from(us), items: Int32Array.from(is) },
  };
}

function ctxAt(epoch: number, rng: Rng, training = true): RunContext {
  return { ...runContext({ training }), epoch, rng };
}

/** The kept user-item edges (upper-right block) of a pruned adjacency. */
function edges(a: CsrMatrix, nU: number): string[] {
  const out: string[] = [];
  for (let u = 0; u < nU; u++)
    for (let k = a.indptr[u]!; k < a.indptr[u + 1]!; k++) out.push(`${u}-${a.indices[k]! - nU}`);
  return out;
}

describe('degree_edge_dropout shape rule', () => {
  test('a square graph over users+items', () => {
    assert.deepEqual(shapeOf(degreeEdgeDropout, { dropout: 0.8 }, {}).adj, {
      kind: 'sparse',
      dims: ['users+items', 'users+items'],
    });
  });
  test('dropout of 1 names the param', () => {
    assertShapeError(() => shapeOf(degreeEdgeDropout, { dropout: 1 }, {}), { param: 'dropout' });
  });
});

describe('degree_edge_dropout', () => {
  test('training: keeps floor((1 - dropout)·|E|) distinct train edges, renormalised symmetrically over the kept graph', async () => {
    await useBackend('wasm');
    const data = randomData(40, 30, 4, 1);
    const nE = data.trainPairs.users.length;
    const op = buildOp(degreeEdgeDropout, { dropout: 0.7 }, {}, { data });
    const a = runSparse(op, {}, ctxAt(0, new Rng(5)), 'adj');
    const kept = edges(a, 40);
    assert.equal(kept.length, Math.floor(nE * 0.3));
    assert.equal(new Set(kept).size, kept.length);
    const all = new Set(Array.from(data.trainPairs.users, (u, k) => `${u}-${data.trainPairs.items[k]}`));
    for (const e of kept) assert.ok(all.has(e), `${e} is a train edge`);
    // Values: 1/sqrt((d_u + 1e-7)(d_i + 1e-7)) with degrees of the kept graph, and the matrix is symmetric.
    const N = 70;
    const dense = densify(a);
    const deg = Array.from({ length: N }, (_, i) =>
      dense.subarray(i * N, (i + 1) * N).reduce((s, v) => s + (v > 0 ? 1 : 0), 0),
    );
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++) {
        const v = dense[i * N + j]!;
        assert.equal(v, dense[j * N + i]!, 'symmetric');
        if (v > 0) assert.ok(Math.abs(v - 1 / Math.sqrt((deg[i]! + 1e-7) * (deg[j]! + 1e-7))) < 1e-6);
      }
  });
  test('one graph per epoch: steps of an epoch share it, a new epoch redraws it; resample: step redraws every step', async () => {
    await useBackend('wasm');
    const data = randomData(40, 30, 4, 2);
    const op = buildOp(degreeEdgeDropout, { dropout: 0.5 }, {}, { data });
    const rng = new Rng(9);
    const a0 = runSparse(op, {}, ctxAt(0, rng), 'adj');
    assert.equal(runSparse(op, {}, ctxAt(0, rng), 'adj'), a0);
    const a1 = runSparse(op, {}, ctxAt(1, rng), 'adj');
    assert.notDeepEqual(edges(a1, 40), edges(a0, 40));
    const perStep = buildOp(degreeEdgeDropout, { dropout: 0.5, resample: 'step' }, {}, { data });
    const s0 = runSparse(perStep, {}, ctxAt(0, rng), 'adj');
    assert.notDeepEqual(edges(runSparse(perStep, {}, ctxAt(0, rng), 'adj'), 40), edges(s0, 40));
  });
  test('a seed repeats the draw', async () => {
    await useBackend('wasm');
    const data = randomData(40, 30, 4, 3);
    const draw = () =>
      edges(
        runSparse(buildOp(degreeEdgeDropout, { dropout: 0.8 }, {}, { data }), {}, ctxAt(0, new Rng(77)), 'adj'),
        40,
      );
    assert.deepEqual(draw(), draw());
  });
  test('evaluation and dropout 0 give the full normalised graph (interaction_graph)', async () => {
    await useBackend('wasm');
    const data = tinyData();
    const full = densify(runSparse(buildOp(interactionGraph, {}, {}, { data }), {}, runContext(), 'adj'));
    const op = buildOp(degreeEdgeDropout, { dropout: 0.8 }, {}, { data });
    assertClose(densify(runSparse(op, {}, ctxAt(0, new Rng(1), false), 'adj')), full, 1e-7, 'eval');
    const none = buildOp(degreeEdgeDropout, { dropout: 0 }, {}, { data });
    assertClose(densify(runSparse(none, {}, ctxAt(0, new Rng(1)), 'adj')), full, 1e-7, 'dropout 0');
  });
  test('weighted sampling without replacement: a single draw picks item e with probability w_e / Σw', () => {
    const w = [1, 2, 3, 4];
    const counts = [0, 0, 0, 0];
    const rng = new Rng(4);
    const trials = 40000;
    for (let t = 0; t < trials; t++) counts[weightedSampleWithoutReplacement(w, 1, rng)[0]!]!++;
    counts.forEach((c, e) =>
      assert.ok(Math.abs(c / trials - w[e]! / 10) < 0.01, `item ${e}: ${c / trials} vs ${w[e]! / 10}`),
    );
    // and m = n returns every index once
    assert.deepEqual(Array.from(weightedSampleWithoutReplacement(w, 4, rng)), [0, 1, 2, 3]);
  });
  test('degree sampling keeps edges of low-degree nodes more often than uniform sampling does', async () => {
    await useBackend('wasm');
    const data = randomData(60, 40, 5, 6);
    const du = new Map<number, number>();
    data.trainPairs.users.forEach((u) => du.set(u, (du.get(u) ?? 0) + 1));
    const meanDeg = (sampling: 'degree' | 'uniform') => {
      const op = buildOp(degreeEdgeDropout, { dropout: 0.8, sampling, resample: 'step' }, {}, { data });
      const rng = new Rng(8);
      let s = 0;
      let n = 0;
      for (let t = 0; t < 30; t++)
        for (const e of edges(runSparse(op, {}, ctxAt(0, rng), 'adj'), 60)) {
          s += du.get(Number(e.split('-')[0]))!;
          n++;
        }
      return s / n;
    };
    assert.ok(meanDeg('degree') < meanDeg('uniform'));
  });
});
