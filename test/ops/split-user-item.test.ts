import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitUserItem } from '../../src/ops/combine/split-user-item.js';
import { dense } from '../../src/ops/types.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose, assertShapeError, buildOp, randn64, runContext, shapeOf, t2, tf, useBackend } from './harness.js';

test('split_ui shape rule: [users+items, d] -> users, items', () => {
  const out = shapeOf(splitUserItem, {}, { in: dense('users + items', 64) });
  assert.deepEqual(out.users, dense('users', 64));
  assert.deepEqual(out.items, dense('items', 64));
  assertShapeError(() => shapeOf(splitUserItem, {}, { in: dense('items', 64) }), { port: 'in' });
});

for (const backend of ['wasm', 'cpu'] as const) {
  test(`split_ui on ${backend}: the first rows are users, the rest items; gradient routes back to the rows`, async () => {
    await useBackend(backend);
    const [nU, nI, d] = [2, 5, 3];
    const rng = new Rng(4);
    const x = randn64(rng, (nU + nI) * d);
    const ru = randn64(rng, nU * d);
    const ri = randn64(rng, nI * d);
    const op = buildOp(splitUserItem, {}, { in: dense('users+items', d) }, { sizes: { users: nU, items: nI } });
    const got = tf.tidy(() => {
      const X = t2(x, nU + nI, d);
      const o = op.kernel.run({ in: X }, runContext());
      const f = (xx: tf.Tensor) => {
        const p = op.kernel.run({ in: xx }, runContext());
        return tf.add(
          tf.sum(tf.mul(p.users as tf.Tensor, t2(ru, nU, d))),
          tf.sum(tf.mul(p.items as tf.Tensor, t2(ri, nI, d))),
        );
      };
      return {
        u: (o.users as tf.Tensor).dataSync().slice(),
        i: (o.items as tf.Tensor).dataSync().slice(),
        g: tf.grad(f)(X).dataSync().slice(),
      };
    });
    assertClose(got.u, x.subarray(0, nU * d), 1e-6, 'users');
    assertClose(got.i, x.subarray(nU * d), 1e-6, 'items');
    assertClose(got.g, [...ru, ...ri], 1e-6, 'gradient');
  });
}
