import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { infonceFull } from '../../src/ops/loss/infonce-full.js';
import { dense, scalar } from '../../src/ops/types.js';
import { Rng } from '../../src/util/rng.js';
import {
  assertClose,
  assertShapeError,
  buildOp,
  disposeBatch,
  M,
  makeBatch,
  numericalGrad,
  randn64,
  runContext,
  runOp,
  shapeOf,
  t2,
  tf,
  useBackend,
} from './harness.js';

/** LGMRec's ssl_triple_loss in float64: Σ_b −log(exp(c(a_b, p_b)/τ) / Σ_j exp(c(a_b, p_j)/τ)). */
function reference(
  a: Float64Array,
  p: Float64Array,
  n: number,
  d: number,
  rows: number[],
  tau: number,
  mean: boolean,
): number {
  const A = Array.from({ length: n }, (_, i) => M.row(a, d, i));
  const P = Array.from({ length: n }, (_, i) => M.row(p, d, i));
  let s = 0;
  for (const b of rows) {
    const logits = P.map((q) => M.cos(A[b]!, q) / tau);
    const m = Math.max(...logits);
    const lse = m + Math.log(logits.reduce((acc, v) => acc + Math.exp(v - m), 0));
    s += lse - M.cos(A[b]!, P[b]!) / tau;
  }
  return mean ? s / rows.length : s;
}

describe('infonce_full shape rule', () => {
  test('a scalar; shapes must match and fit the rows', () => {
    assert.deepEqual(
      shapeOf(infonceFull, { rows: 'users' }, { anchor: dense('users', 64), positive: dense('users', 64) }).loss,
      scalar(),
    );
    assertShapeError(() => shapeOf(infonceFull, {}, { anchor: dense('items', 64), positive: dense('items', 32) }), {
      port: 'positive',
    });
    assertShapeError(
      () => shapeOf(infonceFull, { rows: 'users' }, { anchor: dense('items', 64), positive: dense('items', 64) }),
      { port: 'anchor' },
    );
    assertShapeError(
      () => shapeOf(infonceFull, { tau: 0 }, { anchor: dense('items', 4), positive: dense('items', 4) }),
      { param: 'tau' },
    );
  });
});

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`infonce_full on ${backend}`, () => {
    for (const reduction of ['sum', 'mean'] as const) {
      test(`value and gradients match float64 (every row a candidate, duplicates in the batch), ${reduction}`, async () => {
        await useBackend(backend);
        const [n, d, tau] = [9, 4, 0.2];
        const rng = new Rng(reduction === 'sum' ? 1 : 2);
        const a = randn64(rng, n * d);
        const p = randn64(rng, n * d);
        const pos = [3, 0, 3, 7, 8];
        const batch = makeBatch([0, 1, 2, 3, 4], pos, [1, 1, 1, 1, 1]);
        const op = buildOp(infonceFull, { tau, reduction }, { anchor: dense(n, d), positive: dense(n, d) });
        const ctx = runContext({ batch });
        const before = tf.memory().numTensors;
        const got = tf.tidy(() => {
          const A = t2(a, n, d);
          const P = t2(p, n, d);
          const f = (x: tf.Tensor, y: tf.Tensor) => runOp(op, { anchor: x, positive: y }, ctx, 'loss') as tf.Scalar;
          return {
            v: f(A, P).dataSync()[0]!,
            g: tf
              .grads(f)([A, P])
              .map((t) => t.dataSync().slice()),
          };
        });
        assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
        const ref = (vs: Float64Array[]) => reference(vs[0]!, vs[1]!, n, d, pos, tau, reduction === 'mean');
        assert.ok(
          Math.abs(got.v - ref([a, p])) < 1e-4 * Math.max(1, Math.abs(ref([a, p]))),
          `${got.v} vs ${ref([a, p])}`,
        );
        const num = numericalGrad(ref, [a, p]);
        assertClose(got.g[0]!, num[0]!, 2e-3, 'd anchor');
        assertClose(got.g[1]!, num[1]!, 2e-3, 'd positive');
        disposeBatch(batch);
      });
    }
  });
}
