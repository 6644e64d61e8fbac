import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { propagate } from '../../src/ops/graph/propagate.js';
import { dense, sparse } from '../../src/ops/types.js';
import type { CsrMatrix } from '../../src/ops/sparse.js';
import { Rng } from '../../src/util/rng.js';
import { randomCsr } from '../kernels/_setup.js';
import {
  assertClose,
  assertShapeError,
  buildOp,
  densify,
  numericalGrad,
  randn64,
  runContext,
  runOp,
  shapeOf,
  t2,
  tf,
  useBackend,
} from './harness.js';

describe('propagate shape rule', () => {
  test('square graph: [items, items] x [items, d] -> [items, d]', () => {
    assert.deepEqual(
      shapeOf(propagate, { layers: 2, combine: 'mean' }, { graph: sparse('items', 'items'), in: dense('items', 64) })
        .out,
      dense('items', 64),
    );
  });
  test('rectangular graph with one layer: [users, items] x [items, d] -> [users, d]', () => {
    assert.deepEqual(
      shapeOf(propagate, {}, { graph: sparse('users', 'items'), in: dense('items', 64) }).out,
      dense('users', 64),
    );
  });
  test('graph columns differing from the rows of in name the in port', () => {
    assertShapeError(
      () => shapeOf(propagate, {}, { graph: sparse('users', 'items'), in: dense('users', 64) }),
      { port: 'in' },
      /graph columns/,
    );
  });
  test('a dense graph names the graph port', () => {
    assertShapeError(() => shapeOf(propagate, {}, { graph: dense('items', 'items'), in: dense('items', 64) }), {
      port: 'graph',
    });
  });
  test('more than one layer over a rectangular graph names layers', () => {
    assertShapeError(
      () => shapeOf(propagate, { layers: 2 }, { graph: sparse('users', 'items'), in: dense('items', 4) }),
      { param: 'layers' },
    );
  });
  test("combine 'mean' over a rectangular graph names combine", () => {
    assertShapeError(
      () => shapeOf(propagate, { combine: 'mean' }, { graph: sparse('users', 'items'), in: dense('items', 4) }),
      { param: 'combine' },
    );
  });
});

/** float64 dense reference. */
function reference(
  a: Float64Array,
  n: number,
  m: number,
  x: Float64Array,
  d: number,
  layers: number,
  mean: boolean,
): Float64Array {
  let cur = x;
  const acc = Float64Array.from(x);
  for (let l = 0; l < layers; l++) {
    const next = new Float64Array(n * d);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < m; j++) {
        const w = a[i * m + j]!;
        if (w !== 0) for (let c = 0; c < d; c++) next[i * d + c]! += w * cur[j * d + c]!;
      }
    cur = next;
    if (mean) for (let e = 0; e < acc.length; e++) acc[e]! += next[e]!;
  }
  return mean && layers > 0 ? acc.map((v) => v / (layers + 1)) : cur;
}

interface Case {
  name: string;
  n: number;
  m: number;
  layers: number;
  combine: 'last' | 'mean';
}
const CASES: Case[] = [
  { name: 'square, 1 layer', n: 9, m: 9, layers: 1, combine: 'last' },
  { name: 'square, 3 layers, last', n: 9, m: 9, layers: 3, combine: 'last' },
  { name: 'square, 2 layers, mean', n: 9, m: 9, layers: 2, combine: 'mean' },
  { name: 'square, 0 layers, mean (identity)', n: 9, m: 9, layers: 0, combine: 'mean' },
  { name: 'rectangular 5x8, 1 layer', n: 5, m: 8, layers: 1, combine: 'last' },
];

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`propagate on ${backend}`, () => {
    for (const c of CASES) {
      test(`forward and gradient match dense float64: ${c.name}`, async () => {
        await useBackend(backend);
        const rng = new Rng(c.n * 7 + c.layers);
        const d = 3;
        const g: CsrMatrix = randomCsr(rng, c.n, c.m, 0.35, [1]);
        const a = Float64Array.from(densify(g));
        const x = randn64(rng, c.m * d);
        const r = randn64(rng, c.n * d);
        const op = buildOp(
          propagate,
          { layers: c.layers, combine: c.combine },
          { graph: sparse(c.n, c.m), in: dense(c.m, d) },
        );
        const before = tf.memory().numTensors;
        const { y, gx } = tf.tidy(() => {
          const X = t2(x, c.m, d);
          const R = t2(r, c.n, d);
          const f = (xx: tf.Tensor) => tf.sum(tf.mul(runOp(op, { graph: g, in: xx }, runContext()) as tf.Tensor, R));
          return {
            y: (runOp(op, { graph: g, in: X }, runContext()) as tf.Tensor).dataSync().slice(),
            gx: tf.grad(f)(X).dataSync().slice(),
          };
        });
        assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
        assertClose(y, reference(a, c.n, c.m, x, d, c.layers, c.combine === 'mean'), 1e-5, 'forward');
        const num = numericalGrad(
          ([xx]) =>
            reference(a, c.n, c.m, xx!, d, c.layers, c.combine === 'mean').reduce((s, v, e) => s + v * r[e]!, 0),
          [x],
        );
        assertClose(gx, num[0]!, 1e-4, 'gradient');
      });
    }
  });
}
