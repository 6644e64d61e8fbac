/** embedding, and the combine ops concat, sum and identity: shape rules, forward and gradients. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { embedding } from '../../src/ops/encoder/embedding.js';
import { concat, identity, sum } from '../../src/ops/combine/combine.js';
import { gatherRows } from '../../src/ops/kernels/gather-rows.js';
import { dense, sparse } from '../../src/ops/types.js';
import { Rng } from '../../src/util/rng.js';
import {
  assertClose,
  assertShapeError,
  buildOp,
  randn64,
  runContext,
  runOp,
  shapeOf,
  t2,
  tf,
  useBackend,
} from './harness.js';

describe('embedding, concat, sum, identity shape rules', () => {
  test('embedding: [rows, dim] with rows users or items', () => {
    assert.deepEqual(shapeOf(embedding, { rows: 'users', dim: 8 }, {}).out, dense('users', 8));
    assert.deepEqual(shapeOf(embedding, { rows: 'items', dim: 3 }, {}).out, dense('items', 3));
  });
  test('concat: widths add, symbolically when not numbers', () => {
    assert.deepEqual(shapeOf(concat, {}, { in: [dense('items', 4), dense('items', 6)] }).out, dense('items', 10));
    assert.deepEqual(shapeOf(concat, {}, { in: [dense('items', 'd'), dense('items', 6)] }).out, dense('items', 'd+6'));
  });
  test('concat: rows that differ, or an input that is not dense rank 2, name the in port', () => {
    assertShapeError(() => shapeOf(concat, {}, { in: [dense('items', 4), dense('users', 4)] }), { port: 'in' }, /rows/);
    assertShapeError(() => shapeOf(concat, {}, { in: [dense('items', 4), sparse('items', 'items')] }), { port: 'in' });
    assertShapeError(() => shapeOf(concat, {}, { in: [] }), { port: 'in' }, /at least one/);
  });
  test('sum: one weight per input', () => {
    assert.deepEqual(
      shapeOf(sum, { weights: [1, 0.5] }, { in: [dense('items', 4), dense('items', 4)] }).out,
      dense('items', 4),
    );
    assertShapeError(
      () => shapeOf(sum, { weights: [1] }, { in: [dense('items', 4), dense('items', 4)] }),
      { param: 'weights' },
      /1 entries for 2 inputs/,
    );
  });
  test('identity keeps the type, sparse included', () => {
    assert.deepEqual(shapeOf(identity, {}, { in: sparse('items', 'items') }).out, sparse('items', 'items'));
  });
});

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`embedding on ${backend}`, () => {
    test('the output is the table, initialised xavier-uniform with fan_in = dim, fan_out = rows', async () => {
      await useBackend(backend);
      const op = buildOp(embedding, { rows: 'items', dim: 16 }, {}, { sizes: { users: 7, items: 48 }, seed: 3 });
      const table = op.variables.get('table')!;
      assert.deepEqual(table.shape, [48, 16]);
      const out = runOp(op, {}, runContext());
      assert.equal(out, table, 'no copy: the gradient flows to the variable');
      const a = Math.sqrt(6 / (16 + 48));
      const vals = Array.from(table.dataSync());
      assert.ok(
        vals.every((v) => Math.abs(v) <= a) && Math.max(...vals.map(Math.abs)) > 0.9 * a,
        'within and filling ±√(6/(fan_in+fan_out))',
      );
      const users = buildOp(
        embedding,
        { rows: 'users', dim: 4, init: 'zeros' },
        {},
        { sizes: { users: 7, items: 48 } },
      );
      assert.deepEqual(users.variables.get('table')!.shape, [7, 4]);
      assert.ok(
        users.variables
          .get('table')!
          .dataSync()
          .every((v) => v === 0),
      );
      [op, users].forEach((o) => o.variables.forEach((v) => v.dispose()));
    });

    test('the gradient of a row lookup reaches exactly the looked-up rows, once per lookup', async () => {
      await useBackend(backend);
      const op = buildOp(embedding, { rows: 'users', dim: 3 }, {}, { sizes: { users: 5, items: 1 } });
      const table = op.variables.get('table')!;
      const r = randn64(new Rng(4), 3 * 3);
      // Looked up as the losses do (tfjs's own gather has no gradient kernel on wasm).
      const rows = Int32Array.from([1, 3, 1]);
      const g = tf.tidy(() => {
        const { grads } = tf.variableGrads(
          () =>
            tf.sum(
              tf.mul(
                gatherRows(runOp(op, {}, runContext()) as tf.Tensor2D, tf.tensor1d(rows, 'int32'), rows),
                t2(r, 3, 3),
              ),
            ) as tf.Scalar,
          [table],
        );
        return grads[table.name]!.dataSync().slice();
      });
      const want = new Float64Array(15);
      [1, 3, 1].forEach((row, k) => [0, 1, 2].forEach((c) => (want[row * 3 + c]! += r[k * 3 + c]!)));
      assertClose(g, want, 1e-6, 'd/dtable');
      op.variables.forEach((v) => v.dispose());
    });
  });

  describe(`concat, sum, identity on ${backend}`, () => {
    test("concat joins columns; each input's gradient is its block of dY", async () => {
      await useBackend(backend);
      const rng = new Rng(6);
      const [a, b, r] = [randn64(rng, 3 * 2), randn64(rng, 3 * 4), randn64(rng, 3 * 6)];
      const op = buildOp(concat, {}, { in: [dense(3, 2), dense(3, 4)] });
      const { y, gs } = tf.tidy(() => {
        const xs = [t2(a, 3, 2), t2(b, 3, 4)];
        const f = (x0: tf.Tensor, x1: tf.Tensor) =>
          tf.sum(tf.mul(runOp(op, { in: [x0, x1] }, runContext()) as tf.Tensor, t2(r, 3, 6)));
        return {
          y: (runOp(op, { in: xs }, runContext()) as tf.Tensor).dataSync().slice(),
          gs: tf
            .grads(f)(xs)
            .map((g) => g.dataSync().slice()),
        };
      });
      const want = Array.from({ length: 18 }, (_, e) => {
        const [i, j] = [Math.floor(e / 6), e % 6];
        return j < 2 ? a[i * 2 + j]! : b[i * 4 + j - 2]!;
      });
      assertClose(y, want, 1e-7, 'forward');
      assertClose(
        gs[0]!,
        Array.from({ length: 6 }, (_, e) => r[Math.floor(e / 2) * 6 + (e % 2)]!),
        1e-7,
        'd/da',
      );
      assertClose(
        gs[1]!,
        Array.from({ length: 12 }, (_, e) => r[Math.floor(e / 4) * 6 + 2 + (e % 4)]!),
        1e-7,
        'd/db',
      );
    });

    for (const weights of [undefined, [1, 0.0005, -2]]) {
      test(`sum${weights ? ' with weights' : ''}: Σ w_i x_i, and each input's gradient is w_i · dY`, async () => {
        await useBackend(backend);
        const rng = new Rng(8);
        const xs64 = [0, 1, 2].map(() => randn64(rng, 8));
        const r = randn64(rng, 8);
        const w = weights ?? [1, 1, 1];
        const op = buildOp(sum, weights ? { weights } : {}, { in: [dense(2, 4), dense(2, 4), dense(2, 4)] });
        const before = tf.memory().numTensors;
        const { y, gs } = tf.tidy(() => {
          const xs = xs64.map((x) => t2(x, 2, 4));
          const f = (...t: tf.Tensor[]) => tf.sum(tf.mul(runOp(op, { in: t }, runContext()) as tf.Tensor, t2(r, 2, 4)));
          return {
            y: (runOp(op, { in: xs }, runContext()) as tf.Tensor).dataSync().slice(),
            gs: tf
              .grads(f)(xs)
              .map((g) => g.dataSync().slice()),
          };
        });
        assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
        assertClose(
          y,
          Array.from(r, (_, e) => xs64.reduce((s, x, i) => s + w[i]! * x[e]!, 0)),
          1e-6,
          'forward',
        );
        gs.forEach((g, i) =>
          assertClose(
            g,
            Array.from(r, (v) => w[i]! * v),
            1e-6,
            `d/dx${i}`,
          ),
        );
      });
    }

    test('sum of one input, and identity, return the input tensor itself', async () => {
      await useBackend(backend);
      const x = t2(randn64(new Rng(9), 6), 2, 3);
      assert.equal(runOp(buildOp(sum, {}, { in: [dense(2, 3)] }), { in: [x] }, runContext()), x);
      assert.equal(runOp(buildOp(identity, {}, { in: dense(2, 3) }), { in: x }, runContext()), x);
      x.dispose();
    });
  });
}
