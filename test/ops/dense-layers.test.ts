/** linear and mlp against float64 references: forward, and gradients by finite differences. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { linear, type Activation } from '../../src/ops/layer/linear.js';
import { mlp } from '../../src/ops/layer/mlp.js';
import { dense } from '../../src/ops/types.js';
import { Rng } from '../../src/util/rng.js';
import {
  assertClose,
  buildOp,
  numericalGrad,
  randn64,
  runContext,
  runOp,
  shapeOf,
  t2,
  tf,
  useBackend,
  type BuiltOp,
} from './harness.js';

const act64: Record<Activation, (v: number) => number> = {
  none: (v) => v,
  tanh: Math.tanh,
  relu: (v) => Math.max(0, v),
  leaky_relu: (v) => (v > 0 ? v : 0.01 * v),
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  elu: (v) => (v > 0 ? v : Math.exp(v) - 1),
};

/** act(x·W + b) in float64; x [n, k], W [k, m], b [m] or absent. */
function dense64(
  x: Float64Array,
  w: Float64Array,
  b: Float64Array | undefined,
  n: number,
  k: number,
  m: number,
  a: Activation,
): Float64Array {
  const y = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let s = b ? b[j]! : 0;
      for (let c = 0; c < k; c++) s += x[i * k + c]! * w[c * m + j]!;
      y[i * m + j] = act64[a](s);
    }
  return y;
}

const f64 = (v: tf.Variable) => Float64Array.from(v.dataSync());
const weighted = (y: ArrayLike<number>, r: Float64Array) => Array.from(y).reduce((s, v, e) => s + v * r[e]!, 0);

/** The op's output and the gradients of Σ R ⊙ out with respect to its input and each of its variables (in order). */
function run(
  op: BuiltOp,
  x: Float64Array,
  rows: number,
  cols: number,
  r: Float64Array,
  outCols: number,
): { y: Float32Array; gx: Float32Array; gv: Float32Array[] } {
  const before = tf.memory().numTensors;
  const vars = [...op.variables.values()];
  const out = tf.tidy(() => {
    const X = tf.variable(t2(x, rows, cols));
    const R = t2(r, rows, outCols);
    const y = (runOp(op, { in: X }, runContext()) as tf.Tensor).dataSync() as Float32Array;
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.mul(runOp(op, { in: X }, runContext()) as tf.Tensor, R)) as tf.Scalar,
      [X, ...vars],
    );
    const res = {
      y: y.slice(),
      gx: grads[X.name]!.dataSync().slice() as Float32Array,
      gv: vars.map((v) => grads[v.name]!.dataSync().slice() as Float32Array),
    };
    X.dispose();
    return res;
  });
  assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
  return out;
}

describe('linear and mlp shape rules', () => {
  test('linear: [n, k] -> [n, out]', () => {
    assert.deepEqual(shapeOf(linear, { out: 7 }, { in: dense('items', 5) }).out, dense('items', 7));
  });
  test('mlp: [n, k] -> [n, last of dims]', () => {
    assert.deepEqual(shapeOf(mlp, { dims: [6, 3] }, { in: dense('users', 5) }).out, dense('users', 3));
  });
});

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`linear on ${backend}`, () => {
    const [n, k, m] = [4, 5, 3];
    for (const [a, bias] of [
      ['none', true],
      ['tanh', true],
      ['relu', false],
      ['leaky_relu', true],
      ['sigmoid', false],
      ['elu', true],
    ] as [Activation, boolean][]) {
      test(`${a}${bias ? '' : ', no bias'}: forward and gradients match float64`, async () => {
        await useBackend(backend);
        const rng = new Rng(k * 13 + a.length);
        const op = buildOp(linear, { out: m, activation: a, bias }, { in: dense(n, k) }, { seed: a.length });
        assert.deepEqual([...op.variables.keys()], bias ? ['linear/w', 'linear/b'] : ['linear/w']);
        const [x, r] = [randn64(rng, n * k), randn64(rng, n * m)];
        const w = f64(op.variables.get('linear/w')!);
        const b = bias ? f64(op.variables.get('linear/b')!) : undefined;
        const got = run(op, x, n, k, r, m);
        assertClose(got.y, dense64(x, w, b, n, k, m, a), 1e-5, 'forward');
        const ref = (xs: Float64Array[]) => weighted(dense64(xs[0]!, xs[1]!, bias ? xs[2] : undefined, n, k, m, a), r);
        const num = numericalGrad(ref, bias ? [x, w, b!] : [x, w]);
        assertClose(got.gx, num[0]!, 1e-3, 'd/dx');
        got.gv.forEach((g, i) => assertClose(g, num[i + 1]!, 1e-3, `d/d${['w', 'b'][i]}`));
        op.variables.forEach((v) => v.dispose());
      });
    }

    test('a constant input with its cached transpose gives the same output and weight gradient', async () => {
      await useBackend(backend);
      const rng = new Rng(5);
      const op = buildOp(linear, { out: m }, { in: dense(n, k) }, { seed: 5 });
      const x = randn64(rng, n * k);
      const r = randn64(rng, n * m);
      const plain = run(op, x, n, k, r, m);
      const w = op.variables.get('linear/w')!;
      const { y, gw } = tf.tidy(() => {
        const X = t2(x, n, k);
        const ctx = runContext({ constants: new Map([[X as tf.Tensor, tf.transpose(X) as tf.Tensor2D]]) });
        const y = (runOp(op, { in: X }, ctx) as tf.Tensor).dataSync().slice();
        const { grads } = tf.variableGrads(
          () => tf.sum(tf.mul(runOp(op, { in: X }, ctx) as tf.Tensor, t2(r, n, m))) as tf.Scalar,
          [w],
        );
        return { y, gw: grads[w.name]!.dataSync().slice() };
      });
      assertClose(y, plain.y, 1e-6, 'forward');
      assertClose(gw, plain.gv[0]!, 1e-5, 'd/dw');
      op.variables.forEach((v) => v.dispose());
    });

    test('the bias follows PyTorch: U(±1/√fan_in) with init torch_default, zeros with xavier unless bias_init says otherwise', async () => {
      await useBackend(backend);
      const bias = (params: Record<string, unknown>) => {
        const op = buildOp(linear, { out: 64, ...params }, { in: dense(n, 16) }, { seed: 2 });
        const b = Array.from(op.variables.get('linear/b')!.dataSync());
        op.variables.forEach((v) => v.dispose());
        return b;
      };
      const torch = bias({});
      assert.ok(
        torch.every((v) => Math.abs(v) <= 1 / 4) && torch.some((v) => Math.abs(v) > 0.1),
        'uniform within ±1/√16',
      );
      assert.ok(bias({ init: 'xavier_uniform' }).every((v) => v === 0));
      assert.ok(bias({ init: 'xavier_uniform', bias_init: 'torch_default' }).some((v) => v !== 0));
      assert.ok(bias({ bias_init: 'zeros' }).every((v) => v === 0));
    });
  });

  describe(`mlp on ${backend}`, () => {
    const [n, k] = [4, 5];
    const cases: { dims: number[]; activation?: Activation; final_activation?: Activation; bias?: boolean }[] = [
      { dims: [6, 3] },
      { dims: [6, 4, 2], activation: 'relu', final_activation: 'sigmoid' },
      { dims: [3], activation: 'relu', bias: false },
    ];
    for (const c of cases) {
      test(`${JSON.stringify(c)}: forward and gradients match float64`, async () => {
        await useBackend(backend);
        const rng = new Rng(c.dims.length * 31);
        const op = buildOp(mlp, c, { in: dense(n, k) }, { seed: c.dims.length });
        const bias = c.bias ?? true;
        const names = c.dims.flatMap((_, i) => (bias ? [`layer${i}/w`, `layer${i}/b`] : [`layer${i}/w`]));
        assert.deepEqual([...op.variables.keys()], names);
        const out = c.dims.at(-1)!;
        const [x, r] = [randn64(rng, n * k), randn64(rng, n * out)];
        const params = names.map((nm) => f64(op.variables.get(nm)!));
        // Hidden layers use `activation` (default tanh); the last uses `final_activation` (default none).
        const forward = (xs: Float64Array[]) => {
          let h = xs[0]!;
          let width = k;
          c.dims.forEach((d, i) => {
            const w = xs[1 + (bias ? 2 * i : i)]!;
            const b = bias ? xs[2 + 2 * i] : undefined;
            const last = i === c.dims.length - 1;
            h = dense64(h, w, b, n, width, d, last ? (c.final_activation ?? 'none') : (c.activation ?? 'tanh'));
            width = d;
          });
          return h;
        };
        const got = run(op, x, n, k, r, out);
        assertClose(got.y, forward([x, ...params]), 1e-5, 'forward');
        const num = numericalGrad((xs) => weighted(forward(xs), r), [x, ...params]);
        assertClose(got.gx, num[0]!, 1e-3, 'd/dx');
        got.gv.forEach((g, i) => assertClose(g, num[i + 1]!, 1e-3, `d/d${names[i]}`));
        op.variables.forEach((v) => v.dispose());
      });
    }
  });
}
