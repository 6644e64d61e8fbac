import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatedRefine } from '../../src/ops/refine/gated-refine.js';
import { dense } from '../../src/ops/types.js';
import { Rng } from '../../src/util/rng.js';
import {
  assertClose,
  assertShapeError,
  buildOp,
  disposeOp,
  numericalGrad,
  randn64,
  runContext,
  runOp,
  shapeOf,
  t2,
  tf,
  useBackend,
} from './harness.js';

const N = 6;
const D = 4;
const F = 5;

describe('gated_refine shape rule', () => {
  test('ids [items, d] and features [items, f] give [items, d]', () => {
    const out = shapeOf(gatedRefine, {}, { ids: dense('items', 64), features: dense('items', 'feat_v') });
    assert.deepEqual(out.out, dense('items', 64));
  });
  test('features with other rows than ids name the features port', () => {
    assertShapeError(
      () => shapeOf(gatedRefine, {}, { ids: dense('items', 64), features: dense('users', 8) }),
      { port: 'features' },
      /row counts/,
    );
  });
  test('a rank-1 ids input names the ids port', () => {
    assertShapeError(() => shapeOf(gatedRefine, {}, { ids: dense('items'), features: dense('items', 8) }), {
      port: 'ids',
    });
  });
});

/** float64 reference: ids ⊙ σ(MLP(features)) with tanh between layers; weights [in, out] row-major. */
function reference(
  ids: Float64Array,
  feat: Float64Array,
  layers: { w: Float64Array; b: Float64Array; in: number; out: number }[],
  act: (x: number) => number,
) {
  let h = Array.from(feat);
  let width = F;
  layers.forEach((l, li) => {
    const next = new Array<number>(N * l.out).fill(0);
    for (let i = 0; i < N; i++)
      for (let o = 0; o < l.out; o++) {
        let s = l.b[o]!;
        for (let c = 0; c < width; c++) s += h[i * width + c]! * l.w[c * l.out + o]!;
        next[i * l.out + o] = li < layers.length - 1 ? act(s) : s;
      }
    h = next;
    width = l.out;
  });
  return Array.from(ids, (v, e) => v / (1 + Math.exp(-h[e]!)));
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`gated_refine on ${backend}`, () => {
    for (const hidden of [[], [3]] as number[][]) {
      test(`forward and gradients (ids and every weight) match float64 finite differences: hidden [${hidden}]`, async () => {
        await useBackend(backend);
        const rng = new Rng(21 + hidden.length);
        const ids = randn64(rng, N * D);
        const feat = randn64(rng, N * F);
        const r = randn64(rng, N * D);
        const op = buildOp(
          gatedRefine,
          { hidden, activation: 'tanh' },
          { ids: dense('items', D), features: dense('items', F) },
          { seed: 3, sizes: { items: N } },
        );
        const widths = [...hidden, D];
        assert.deepEqual(
          [...op.variables.keys()],
          widths.flatMap((_, i) => [`layer${i}/w`, `layer${i}/b`]),
        );
        const vars = widths.map(
          (_, i) => [op.variables.get(`layer${i}/w`)!, op.variables.get(`layer${i}/b`)!] as const,
        );
        const idsVar = tf.variable(t2(ids, N, D));
        const featT = t2(feat, N, F);
        const R = t2(r, N, D);
        const ctx = runContext();
        const out = tf.tidy(() => (runOp(op, { ids: idsVar, features: featT }, ctx) as tf.Tensor).dataSync().slice());
        const w64 = vars.map(([w, b]) => ({ w: Float64Array.from(w.dataSync()), b: Float64Array.from(b.dataSync()) }));
        const layers = () => w64.map((l, i) => ({ ...l, in: i === 0 ? F : widths[i - 1]!, out: widths[i]! }));
        assertClose(out, reference(ids, feat, layers(), Math.tanh), 1e-5, 'forward');

        const all = [idsVar, ...vars.flatMap(([w, b]) => [w, b])];
        const { grads } = tf.variableGrads(
          () => tf.sum(tf.mul(runOp(op, { ids: idsVar, features: featT }, ctx) as tf.Tensor, R)) as tf.Scalar,
          all,
        );
        const xs = [ids, ...w64.flatMap((l) => [l.w, l.b])];
        const loss = (v: Float64Array[]) => {
          const ls = widths.map((o, i) => ({
            w: v[1 + 2 * i]!,
            b: v[2 + 2 * i]!,
            in: i === 0 ? F : widths[i - 1]!,
            out: o,
          }));
          return reference(v[0]!, feat, ls, Math.tanh).reduce((s, y, e) => s + y * r[e]!, 0);
        };
        const num = numericalGrad(loss, xs);
        all.forEach((v, i) => assertClose(grads[v.name]!.dataSync(), num[i]!, 1e-4, `grad ${v.name}`));
        Object.values(grads).forEach((g) => g.dispose());
        [idsVar, featT, R].forEach((t) => t.dispose());
        disposeOp(op);
      });
    }

    test("the first layer's weight gradient uses the constant's planned transpose (transposeOfConstant)", async () => {
      await useBackend(backend);
      const rng = new Rng(8);
      const ids = t2(randn64(rng, N * D), N, D);
      const feat = t2(randn64(rng, N * F), N, F);
      const op = buildOp(
        gatedRefine,
        {},
        { ids: dense('items', D), features: dense('items', F) },
        { sizes: { items: N } },
      );
      const w = op.variables.get('layer0/w')!;
      const grad = (constants?: Map<tf.Tensor, tf.Tensor2D>) =>
        tf.tidy(() =>
          tf
            .variableGrads(
              () => tf.sum(runOp(op, { ids, features: feat }, runContext({ constants })) as tf.Tensor) as tf.Scalar,
              [w],
            )
            .grads[w.name]!.dataSync()
            .slice(),
        );
      const plain = grad();
      // A planted "transpose" of 2·features: if the kernel uses it, dW doubles.
      const fake = tf.mul(tf.transpose(feat), 2) as tf.Tensor2D;
      const planted = grad(new Map([[feat, fake]]));
      assertClose(
        planted,
        Array.from(plain, (g) => 2 * g),
        1e-5,
        'dW with the planted transpose',
      );
      [ids, feat, fake].forEach((t) => t.dispose());
      disposeOp(op);
    });
  });
}
