import { test } from 'node:test';
import assert from 'node:assert/strict';
import { joinUserItem } from '../../src/ops/combine/join-user-item.js';
import { splitUserItem } from '../../src/ops/combine/split-user-item.js';
import { dense } from '../../src/ops/types.js';
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

test('join_ui shape rule: users over items, widths must agree', () => {
  assert.deepEqual(
    shapeOf(joinUserItem, {}, { users: dense('users', 64), items: dense('items', 64) }).out,
    dense('users+items', 64),
  );
  assertShapeError(() => shapeOf(joinUserItem, {}, { users: dense('users', 64), items: dense('items', 32) }), {
    port: 'items',
  });
  assertShapeError(() => shapeOf(joinUserItem, {}, { users: dense('items', 64), items: dense('items', 64) }), {
    port: 'users',
  });
});

for (const backend of ['wasm', 'cpu'] as const) {
  test(`join_ui on ${backend}: rows stacked; the gradient splits back (checked through split_ui)`, async () => {
    await useBackend(backend);
    const [nU, nI, d] = [3, 4, 2];
    const rng = new Rng(1);
    const u = randn64(rng, nU * d);
    const i = randn64(rng, nI * d);
    const r = randn64(rng, (nU + nI) * d);
    const op = buildOp(
      joinUserItem,
      {},
      { users: dense('users', d), items: dense('items', d) },
      { sizes: { users: nU, items: nI } },
    );
    const split = buildOp(splitUserItem, {}, { in: dense('users+items', d) }, { sizes: { users: nU, items: nI } });
    const got = tf.tidy(() => {
      const U = t2(u, nU, d);
      const I = t2(i, nI, d);
      const y = runOp(op, { users: U, items: I }, runContext()) as tf.Tensor;
      const back = split.kernel.run({ in: y }, runContext());
      const f = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(runOp(op, { users: a, items: b }, runContext()) as tf.Tensor, t2(r, nU + nI, d))) as tf.Scalar;
      return {
        y: y.dataSync().slice(),
        u: (back.users as tf.Tensor).dataSync().slice(),
        i: (back.items as tf.Tensor).dataSync().slice(),
        g: tf
          .grads(f)([U, I])
          .map((t) => t.dataSync().slice()),
      };
    });
    assertClose(got.y, [...u, ...i], 1e-6, 'stacked');
    assertClose(got.u, u, 1e-6, 'split users');
    assertClose(got.i, i, 1e-6, 'split items');
    assertClose(got.g[0]!, r.subarray(0, nU * d), 1e-6, 'd users');
    assertClose(got.g[1]!, r.subarray(nU * d), 1e-6, 'd items');
  });
}
