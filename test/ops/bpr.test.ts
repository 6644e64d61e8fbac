import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bpr } from '../../src/ops/loss/bpr.js';
import { dense } from '../../src/ops/types.js';
import { Rng } from '../../src/util/rng.js';
import {
  assertClose,
  buildOp,
  disposeBatch,
  M,
  makeBatch,
  numericalGrad,
  randn64,
  runContext,
  runOp,
  t2,
  tf,
  useBackend,
} from './harness.js';

const [U, I, D] = [4, 6, 3];
// Repeated users and a repeated positive on purpose: each batch row counts once in the loss and the L2.
const ROWS = { users: [0, 2, 2, 3, 1], pos: [1, 0, 4, 1, 5], neg: [3, 2, 5, 0, 2] };

type Form = 'norm' | 'squared';

/** float64 BPR as MMRec computes it: mean -log(1e-10 + σ(u·i⁺ − u·i⁻)) + l2 / B · EmbLoss of the regularised rows. */
function reference(
  user: Float64Array,
  item: Float64Array,
  regUser: Float64Array | undefined,
  regItem: Float64Array | undefined,
  l2: number,
  form: Form,
): number {
  const B = ROWS.users.length;
  let loss = 0;
  for (let k = 0; k < B; k++) {
    const u = M.row(user, D, ROWS.users[k]!);
    const x = M.dot(u, M.row(item, D, ROWS.pos[k]!)) - M.dot(u, M.row(item, D, ROWS.neg[k]!));
    loss += -Math.log(1e-10 + 1 / (1 + Math.exp(-x)));
  }
  loss /= B;
  if (l2 === 0) return loss;
  const table = (t: Float64Array, idx: number[]) => idx.flatMap((i) => M.row(t, D, i));
  const parts = [
    table(regUser ?? user, ROWS.users),
    table(regItem ?? item, ROWS.pos),
    table(regItem ?? item, ROWS.neg),
  ];
  const sq = parts.map((p) => M.dot(p, p));
  const reg = form === 'norm' ? sq.reduce((s, v) => s + Math.sqrt(v), 0) : 0.5 * sq.reduce((s, v) => s + v, 0);
  return loss + (l2 / B) * reg;
}

interface Case {
  name: string;
  l2: number;
  form?: Form;
  reg: boolean;
}
const CASES: Case[] = [
  { name: 'no L2', l2: 0, reg: false },
  { name: "l2_form 'norm' (the default) on the scoring tables", l2: 0.3, reg: false },
  { name: "l2_form 'squared' on the scoring tables", l2: 0.3, form: 'squared', reg: false },
  { name: "l2_form 'norm' on separate reg_user / reg_item tables", l2: 0.3, form: 'norm', reg: true },
  { name: "l2_form 'squared' on separate reg_user / reg_item tables", l2: 0.3, form: 'squared', reg: true },
];

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`bpr on ${backend}`, () => {
    for (const c of CASES) {
      test(`loss and gradients match float64: ${c.name}`, async () => {
        await useBackend(backend);
        const rng = new Rng(c.l2 * 10 + (c.reg ? 1 : 0) + (c.form === 'squared' ? 2 : 0));
        const xs = [randn64(rng, U * D), randn64(rng, I * D), randn64(rng, U * D), randn64(rng, I * D)];
        const n = c.reg ? 4 : 2;
        const params = { l2: c.l2, ...(c.form ? { l2_form: c.form } : {}) };
        const types = {
          user: dense('users', D),
          item: dense('items', D),
          ...(c.reg ? { reg_user: dense('users', D), reg_item: dense('items', D) } : {}),
        };
        const op = buildOp(bpr, params, types);
        const before = tf.memory().numTensors;
        const batch = makeBatch(ROWS.users, ROWS.pos, ROWS.neg);
        const { loss, grads } = tf.tidy(() => {
          const ts = xs.slice(0, n).map((x, i) => t2(x, i % 2 ? I : U, D));
          const f = (...a: tf.Tensor[]) =>
            runOp(
              op,
              { user: a[0]!, item: a[1]!, ...(c.reg ? { reg_user: a[2]!, reg_item: a[3]! } : {}) },
              runContext({ batch }),
              'loss',
            ) as tf.Scalar;
          return {
            loss: f(...ts).dataSync()[0]!,
            grads: tf
              .grads(f)(ts)
              .map((g) => g.dataSync().slice()),
          };
        });
        disposeBatch(batch);
        assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
        const ref = (a: Float64Array[]) =>
          reference(a[0]!, a[1]!, c.reg ? a[2] : undefined, c.reg ? a[3] : undefined, c.l2, c.form ?? 'norm');
        assert.ok(Math.abs(loss - ref(xs)) < 1e-5 * Math.max(1, ref(xs)), `loss ${loss} vs ${ref(xs)}`);
        const num = numericalGrad(ref, xs.slice(0, n));
        grads.forEach((g, i) => assertClose(g, num[i]!, 1e-3, ['user', 'item', 'reg_user', 'reg_item'][i]!));
      });
    }

    test("'norm' and 'squared' differ, and l2 adds exactly l2 / B · the regulariser", async () => {
      await useBackend(backend);
      const rng = new Rng(99);
      const [u, i] = [randn64(rng, U * D), randn64(rng, I * D)];
      const lossOf = (params: Record<string, unknown>) => {
        const op = buildOp(bpr, params, { user: dense('users', D), item: dense('items', D) });
        // A batch per step, as in training: the op caches per-batch tensors that its step's tidy frees.
        const batch = makeBatch(ROWS.users, ROWS.pos, ROWS.neg);
        const l = tf.tidy(
          () =>
            (
              runOp(op, { user: t2(u, U, D), item: t2(i, I, D) }, runContext({ batch }), 'loss') as tf.Tensor
            ).dataSync()[0]!,
        );
        disposeBatch(batch);
        return l;
      };
      const base = lossOf({});
      const norm = lossOf({ l2: 1 }) - base;
      const squared = lossOf({ l2: 1, l2_form: 'squared' }) - base;
      assert.ok(
        Math.abs(
          norm - (reference(u, i, undefined, undefined, 1, 'norm') - reference(u, i, undefined, undefined, 0, 'norm')),
        ) < 1e-5,
      );
      assert.ok(
        Math.abs(
          squared -
            (reference(u, i, undefined, undefined, 1, 'squared') - reference(u, i, undefined, undefined, 0, 'squared')),
        ) < 1e-5,
      );
      assert.ok(Math.abs(norm - squared) > 0.1, `the forms differ: ${norm} vs ${squared}`);
    });
  });
}
