/**
 * Runs one conformance case on the active backend: shape rule, forward against the float64 reference, gradient
 * against central differences of the reference, and no tensor leak.
 *
 * Tolerances, relative to the magnitude of what is compared (float32 arithmetic against a float64 reference):
 *   forward   |y − r| ≤ FORWARD_RTOL · (|r| + max|r over the output|)
 *   gradient  |g − e| ≤ GRADIENT_RTOL · (|e| + max|e over that input| + 1e-3 · max|e over all inputs|) + 1e-9
 * where e is the central difference of J = Σ w ⊙ out on the reference (step 1e-6 · max(1, |x|), float64, so e is
 * accurate to ~1e-9 of its scale and the bound measures the op's float32 error). The max terms keep an entry near
 * zero in a large output (or gradient) from being held to a relative precision float32 cannot give.
 */
import assert from 'node:assert/strict';
import { isCsr, type CsrMatrix } from '../../../src/ops/sparse.js';
import type { AnyOpDef, TensorType, Value } from '../../../src/ops/types.js';
import { Rng } from '../../../src/util/rng.js';
import { buildOp, disposeBatch, disposeOp, makeBatch, runContext, tf } from '../harness.js';
import type { CaseInputs, CaseValue, ConformanceCase, Dense64, RefContext } from './case.js';
import { toDense } from './ref.js';

export const FORWARD_RTOL = 1e-5;
export const GRADIENT_RTOL = 1e-4;
/** Seed of the op's RunContext stream, handed to the reference as a fresh copy (random ops replay its draws). */
const RUN_SEED = 2024;
/** Seed of the op's variable initialisation (the reference reads the variables' actual values). */
const INIT_SEED = 11;

/** Concrete dims of a declared type: numbers stay, symbols ('users', 'users+items', 'd1+d2') are bound to sizes. */
export function bindDims(t: TensorType, sizes: Record<string, number>): number[] {
  return t.dims.map((d) => {
    if (typeof d === 'number') return d;
    return d.split('+').reduce((acc, part) => {
      const p = part.trim();
      const n = /^\d+$/.test(p) ? Number(p) : sizes[p];
      if (n === undefined)
        throw new Error(`shape rule: dim '${d}' has no size in the case (sizes: ${JSON.stringify(sizes)})`);
      return acc + n;
    }, 0);
  });
}

const isDense = (v: CaseValue): v is Dense64 => !Array.isArray(v) && !isCsr(v);

/** The differentiable leaves of the inputs, in a fixed order: (port, index in list or -1). */
function denseLeaves(inputs: CaseInputs): { port: string; i: number; v: Dense64 }[] {
  const out: { port: string; i: number; v: Dense64 }[] = [];
  for (const [port, v] of Object.entries(inputs)) {
    if (isDense(v)) out.push({ port, i: -1, v });
    else if (Array.isArray(v))
      (v as (Dense64 | CsrMatrix)[]).forEach((x, i) => !isCsr(x) && out.push({ port, i, v: x as Dense64 }));
  }
  return out;
}

function cloneInputs(inputs: CaseInputs): CaseInputs {
  const copy = (v: Dense64 | CsrMatrix) => (isCsr(v) ? v : { shape: v.shape, data: v.data.slice() });
  return Object.fromEntries(
    Object.entries(inputs).map(([k, v]) => [
      k,
      Array.isArray(v) ? (v as (Dense64 | CsrMatrix)[]).map(copy) : copy(v as Dense64 | CsrMatrix),
    ]),
  ) as CaseInputs;
}

function closeEnough(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol: number,
  floor: number,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} values, reference has ${expected.length}`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const allowed = rtol * (Math.abs(e) + scale + floor) + 1e-9;
    if (!(Math.abs(a - e) <= allowed))
      assert.fail(`${what}[${i}]: ${a} vs reference ${e} (allowed ${allowed.toExponential(2)})`);
  }
}

/** Runs the case on the active backend; throws an assertion error naming the failed check. */
export function checkCase(c: ConformanceCase, def: AnyOpDef): void {
  const backend = tf.getBackend();
  const before = tf.memory().numTensors;
  const training = c.training ?? c.batch !== undefined;
  const built = buildOp(def, c.params, c.types, { seed: INIT_SEED, sizes: c.sizes, data: c.data });
  const varNames = [...built.variables.keys()];
  const vars0 = Object.fromEntries(varNames.map((k) => [k, Float64Array.from(built.variables.get(k)!.dataSync())]));
  const owned: tf.Tensor[] = [];
  const toValue = (v: Dense64 | CsrMatrix): Value => {
    if (isCsr(v)) return v;
    const t = tf.tensor(Float32Array.from(v.data), v.shape, 'float32');
    owned.push(t);
    return t;
  };
  const values = Object.fromEntries(
    Object.entries(c.inputs).map(([k, v]) => [
      k,
      Array.isArray(v) ? (v as (Dense64 | CsrMatrix)[]).map(toValue) : toValue(v as Dense64 | CsrMatrix),
    ]),
  );
  /** A RunContext with a fresh batch and a fresh copy of the run stream, so every run draws the same numbers. */
  const withRun = <T>(f: (ctx: ReturnType<typeof runContext>) => T): T => {
    const batch = c.batch ? makeBatch(c.batch.users, c.batch.pos, c.batch.neg) : undefined;
    try {
      return f({ ...runContext({ batch, training }), rng: new Rng(RUN_SEED) });
    } finally {
      if (batch) disposeBatch(batch);
    }
  };
  const refContext = (): RefContext => ({
    base: { inputs: c.inputs, vars: vars0 },
    rng: new Rng(RUN_SEED),
    batch: c.batch,
    training,
    sizes: c.sizes,
  });
  try {
    // 1. Shape rule.
    const declared = def.shape(c.params as never, c.types, { sizes: c.sizes, modalities: c.modalities ?? [] });
    const got: Record<string, { sparse: boolean; shape: number[]; data: Float64Array }> = {};
    withRun((ctx) =>
      tf.tidy(() => {
        const out = built.kernel.run(values, ctx);
        for (const [port, v] of Object.entries(out)) {
          got[port] = isCsr(v)
            ? { sparse: true, shape: [v.rows, v.cols], data: toDense(v).data }
            : { sparse: false, shape: v.shape.slice(), data: Float64Array.from(v.dataSync()) };
        }
      }),
    );
    const absent = new Set(c.absentOutputs ?? []);
    for (const port of Object.keys(declared)) {
      if (absent.has(port)) {
        assert.ok(!(port in got), `[shape] output '${port}' is listed as absent but was produced`);
        continue;
      }
      assert.ok(port in got, `[shape] declared output '${port}' was not produced`);
      assert.equal(
        got[port]!.sparse,
        declared[port]!.kind === 'sparse',
        `[shape] output '${port}': declared ${declared[port]!.kind}`,
      );
      assert.deepEqual(
        got[port]!.shape,
        bindDims(declared[port]!, c.sizes),
        `[shape] output '${port}': declared [${declared[port]!.dims}]`,
      );
    }
    for (const port of Object.keys(got))
      assert.ok(port in declared, `[shape] output '${port}' is produced but not declared`);

    // 2. Forward against the float64 reference.
    const ref = c.reference(c.inputs, vars0, refContext());
    for (const port of Object.keys(got)) {
      assert.ok(ref[port], `[forward] the reference has no output '${port}'`);
      closeEnough(got[port]!.data, ref[port]!, FORWARD_RTOL, 0, `[forward ${backend}] ${c.op}.${port}`);
    }
    c.law?.(Object.fromEntries(Object.entries(got).map(([k, v]) => [k, v.data])));

    // 3. Gradient of J = Σ w ⊙ out over the dense outputs.
    const densePorts = Object.keys(got).filter((p) => !got[p]!.sparse);
    const wRng = new Rng(99);
    const w = Object.fromEntries(
      densePorts.map((p) => [p, Float32Array.from(got[p]!.data, () => Math.fround(wRng.normal()))]),
    );
    const leaves = denseLeaves(c.inputs);
    const leafTensors = leaves.map((l) => (l.i < 0 ? values[l.port] : (values[l.port] as Value[])[l.i]) as tf.Tensor);
    const varTensors = varNames.map((k) => built.variables.get(k)! as tf.Tensor);
    const xs = [...leafTensors, ...varTensors];
    const names = [
      ...leaves.map((l) => (l.i < 0 ? l.port : `${l.port}[${l.i}]`)),
      ...varNames.map((k) => `variable ${k}`),
    ];
    if (densePorts.length === 0) {
      assert.equal(c.gradient, 'none', `[gradient] ${c.op} has no dense output: its case must declare gradient 'none'`);
    } else if (xs.length > 0) {
      const grads = withRun((ctx) => {
        const f = () => {
          const out = built.kernel.run(values, ctx);
          const terms = densePorts.map((p) => {
            const y = out[p] as tf.Tensor;
            return tf.sum(tf.mul(y, tf.tensor(w[p]!, y.shape, 'float32')));
          });
          return (terms.length === 1 ? terms[0]! : tf.addN(terms)) as tf.Scalar;
        };
        // allowNoGradients: an input with no path to the output gets null, which is what 'none' and detached
        // inputs expect; a path that exists must agree with the reference.
        const r = tf.engine().gradients(f, xs, undefined, true);
        const host = r.grads.map((g) => (g ? Float64Array.from(g.dataSync()) : undefined));
        r.value.dispose();
        r.grads.forEach((g) => g?.dispose());
        return host;
      });
      if (c.gradient === 'none') {
        grads.forEach((g, k) =>
          assert.ok(
            !g || g.every((x) => x === 0),
            `[gradient ${backend}] ${c.op}: '${names[k]}' has a non-zero gradient`,
          ),
        );
      } else {
        const J = (inp: CaseInputs, vs: Record<string, Float64Array>) => {
          const out = c.reference(inp, vs, refContext());
          let s = 0;
          for (const p of densePorts) for (let i = 0; i < w[p]!.length; i++) s += w[p]![i]! * out[p]![i]!;
          return s;
        };
        const fd: Float64Array[] = [];
        const inp = cloneInputs(c.inputs);
        const vs = Object.fromEntries(varNames.map((k) => [k, vars0[k]!.slice()]));
        const targets = [...denseLeaves(inp).map((l) => l.v.data), ...varNames.map((k) => vs[k]!)];
        for (const x of targets) {
          const g = new Float64Array(x.length);
          for (let i = 0; i < x.length; i++) {
            const x0 = x[i]!;
            const h = 1e-6 * Math.max(1, Math.abs(x0));
            x[i] = x0 + h;
            const fp = J(inp, vs);
            x[i] = x0 - h;
            const fm = J(inp, vs);
            x[i] = x0;
            g[i] = (fp - fm) / (2 * h);
          }
          fd.push(g);
        }
        let all = 0;
        for (const g of fd) for (const x of g) all = Math.max(all, Math.abs(x));
        fd.forEach((e, k) =>
          closeEnough(
            grads[k] ?? new Float64Array(e.length),
            e,
            GRADIENT_RTOL,
            1e-3 * all,
            `[gradient ${backend}] ${c.op} d/d ${names[k]}`,
          ),
        );
      }
    }
  } finally {
    owned.forEach((t) => t.dispose());
    disposeOp(built);
  }
  // 4. No tensor leak.
  assert.equal(
    tf.memory().numTensors,
    before,
    `[leak ${backend}] ${c.op}: ${tf.memory().numTensors - before} tensors left after forward + gradient`,
  );
}
