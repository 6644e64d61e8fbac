/**
 * A tiny harness to build and run one op outside a compiled pipeline: a BuildContext whose variables come from a
 * seeded Rng (as the executor creates them), a RunContext with a Batch, and float64 helpers for reference
 * computations and numerical gradients. Shared by the op tests.
 */
import assert from 'node:assert/strict';
import { initValues } from '../../src/ops/init.js';
import {
  ShapeError,
  type Batch,
  type BuildContext,
  type DataAccess,
  type InputTypes,
  type InputValues,
  type AnyOpDef,
  type OpKernel,
  type RunContext,
  type ShapeEnv,
  type TensorType,
  type Value,
} from '../../src/ops/types.js';
import { Rng } from '../../src/util/rng.js';
import { isCsr, type CsrMatrix } from '../../src/ops/sparse.js';
import { tf } from '../kernels/_setup.js';

export { tf, useBackend, assertClose, randn, densify } from '../kernels/_setup.js';

export interface BuiltOp {
  kernel: OpKernel;
  /** The op's variables by name (without the node prefix). */
  variables: Map<string, tf.Variable>;
}

const emptyData: DataAccess = {
  nUsers: 0,
  nItems: 0,
  trainPairs: { users: new Int32Array(0), items: new Int32Array(0) },
  modalities: [],
  feature(m: string) {
    throw new Error(`harness: no feature '${m}'`);
  },
};

/** Builds `def` with the given params and input types; variables are initialised from `seed`. */
export function buildOp(
  def: AnyOpDef,
  params: Record<string, unknown>,
  inputs: InputTypes,
  opts: { seed?: number; sizes?: Record<string, number>; data?: DataAccess } = {},
): BuiltOp {
  const rng = new Rng(opts.seed ?? 1);
  const variables = new Map<string, tf.Variable>();
  const ctx: BuildContext = {
    node: 'node',
    rng,
    data: opts.data ?? emptyData,
    backend: tf.getBackend(),
    sizes: opts.sizes ?? {},
    variable(name, shape, init, fans) {
      if (variables.has(name)) throw new Error(`variable ${name} created twice`);
      // tf.variable shares the initial tensor's data and holds its own reference: the initial tensor is released.
      const t = tf.tensor(initValues(shape, init, rng, fans), shape);
      const v = tf.variable(t, true, `harness${++varCounter}/${name}`);
      t.dispose();
      variables.set(name, v);
      return v;
    },
  };
  return { kernel: def.build(params as never, inputs, ctx), variables };
}
let varCounter = 0;

export function disposeOp(op: BuiltOp): void {
  for (const v of op.variables.values()) v.dispose();
}

/** The op's shape rule with an environment of known sizes. */
export function shapeOf(
  def: AnyOpDef,
  params: Record<string, unknown>,
  inputs: InputTypes,
  env: Partial<ShapeEnv> = {},
): Record<string, TensorType> {
  return def.shape(params as never, inputs, { sizes: env.sizes ?? {}, modalities: env.modalities ?? [] });
}

/** Asserts that the shape rule throws a ShapeError that names `where` (a port or a param) and matches `msg`. */
export function assertShapeError(fn: () => unknown, where: { port?: string; param?: string }, msg?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ShapeError, `expected a ShapeError, got ${String(e)}`);
    assert.deepEqual(e.where, where);
    if (msg) assert.match(e.message, msg);
    return true;
  });
}

/** A batch over the given index arrays (the caller disposes it with disposeBatch). */
export function makeBatch(users: number[], pos: number[], neg: number[]): Batch {
  const usersHost = Int32Array.from(users);
  const posHost = Int32Array.from(pos);
  const negHost = Int32Array.from(neg);
  return {
    size: users.length,
    users: tf.tensor1d(usersHost, 'int32'),
    pos: tf.tensor1d(posHost, 'int32'),
    neg: tf.tensor1d(negHost, 'int32'),
    usersHost,
    posHost,
    negHost,
  };
}

export function disposeBatch(b: Batch): void {
  b.users.dispose();
  b.pos.dispose();
  b.neg.dispose();
}

/** A RunContext; `constants` maps folded-constant tensors to their transposes, as the executor plans them. */
export function runContext(
  opts: { batch?: Batch; training?: boolean; constants?: Map<tf.Tensor, tf.Tensor2D> } = {},
): RunContext {
  return {
    training: opts.training ?? opts.batch !== undefined,
    epoch: 0,
    batch: opts.batch,
    rng: new Rng(0),
    transposeOfConstant: (t) => opts.constants?.get(t),
    isConstant: (t) => opts.constants?.has(t) ?? false,
  };
}

/** Runs a built op and returns one output port. */
export function runOp(op: BuiltOp, inputs: InputValues, ctx: RunContext, port = 'out'): Value {
  const out = op.kernel.run(inputs, ctx);
  const v = out[port];
  if (v === undefined) throw new Error(`op has no output '${port}'`);
  return v;
}

/** Runs an op whose output is a sparse matrix, inside tf.tidy; returns the matrix. */
export function runSparse(op: BuiltOp, inputs: InputValues, ctx: RunContext, port = 'out'): CsrMatrix {
  let out: Value | undefined;
  tf.tidy(() => {
    out = runOp(op, inputs, ctx, port);
  });
  if (!isCsr(out)) throw new Error(`output '${port}' is not a sparse matrix`);
  return out;
}

/** Standard-normal float64 values. */
export function randn64(rng: Rng, n: number): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

/** Central-difference gradient of f with respect to each of `xs` (float64 throughout). */
export function numericalGrad(f: (xs: Float64Array[]) => number, xs: Float64Array[], h = 1e-5): Float64Array[] {
  return xs.map((x) => {
    const g = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const x0 = x[i]!;
      x[i] = x0 + h;
      const fp = f(xs);
      x[i] = x0 - h;
      const fm = f(xs);
      x[i] = x0;
      g[i] = (fp - fm) / (2 * h);
    }
    return g;
  });
}

/** Row-major matrix helpers in float64 for reference computations. */
export const M = {
  row(a: ArrayLike<number>, d: number, i: number): number[] {
    return Array.from({ length: d }, (_, j) => a[i * d + j]!);
  },
  dot(x: number[], y: number[]): number {
    let s = 0;
    for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
    return s;
  },
  norm(x: number[]): number {
    return Math.sqrt(M.dot(x, x));
  },
  cos(x: number[], y: number[], eps = 1e-12): number {
    return M.dot(x, y) / (Math.max(M.norm(x), eps) * Math.max(M.norm(y), eps));
  },
};

/** Float32 tensor [rows, cols] from float64 data. */
export function t2(a: ArrayLike<number>, rows: number, cols: number): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(a), [rows, cols], 'float32');
}
