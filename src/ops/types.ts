/**
 * The tensor-type vocabulary and the shape of an operator. This is the bottom of the stack: graph/ compiles
 * pipelines against these signatures, engine/ runs the kernels, and nothing here imports from above.
 */
import type * as tf from '@tensorflow/tfjs';
import { Kind, type TObject } from '@sinclair/typebox';
import type { RandomStream } from '../util/rng.js';
import { conventionalOrder } from '../util/schema-order.js';
import type { Resolved } from '../util/typed-schema.js';

export { Defaulted, StringEnum, type TDefaulted } from '../util/typed-schema.js';
import type { CsrMatrix } from './sparse.js';

/** A dimension: a symbol resolved per dataset/pipeline ('users', 'items', 'd', 'feat_mm', 'batch') or a number. */
export type Dim = string | number;

export interface DenseType {
  kind: 'dense';
  dims: Dim[];
}
/** A constant sparse matrix (CSR), e.g. a normalised adjacency or a kNN graph. */
export interface SparseType {
  kind: 'sparse';
  dims: [Dim, Dim];
}
export type TensorType = DenseType | SparseType;

export const dense = (...dims: Dim[]): DenseType => ({ kind: 'dense', dims });
export const sparse = (a: Dim, b: Dim): SparseType => ({ kind: 'sparse', dims: [a, b] });
export const scalar = (): DenseType => ({ kind: 'dense', dims: [] });

export function typeToString(t: TensorType): string {
  return `${t.kind === 'sparse' ? 'sparse' : ''}[${t.dims.join(', ')}]`;
}

export interface InputPort {
  name: string;
  doc: string;
  /** Takes a list of references rather than one. */
  list?: boolean;
  optional?: boolean;
  /** The kind the port accepts; checked by the compiler before the shape rule runs. */
  kind?: 'dense' | 'sparse';
}

export interface OutputPort {
  name: string;
  doc: string;
}

/** What the shape rule knows about the world: sizes of the named dimensions when known. */
export interface ShapeEnv {
  /** Concrete sizes: users, items, and feat_<modality> for each declared feature. */
  sizes: Record<string, number>;
  /** Modalities the data section declares. */
  modalities: string[];
}

/** Thrown by a shape rule; the compiler attaches the YAML location of `port` or `param`. */
export class ShapeError extends Error {
  constructor(
    message: string,
    readonly where: { port?: string; param?: string } = {},
  ) {
    super(message);
    this.name = 'ShapeError';
  }
}

export type InputTypes = Record<string, TensorType | TensorType[] | undefined>;
export type Value = tf.Tensor | CsrMatrix;
export type InputValues = Record<string, Value | Value[] | undefined>;

/** Read-only view of the dataset that ops may use at build time (graphs, features). */
export interface DataAccess {
  nUsers: number;
  nItems: number;
  /** The train (user, item) pairs, parallel arrays. */
  trainPairs: { users: Int32Array; items: Int32Array };
  /** A feature matrix by modality key (row i = item i), float32 row-major. */
  feature(modality: string): { rows: number; cols: number; data: Float32Array };
  modalities: string[];
}

export type Init =
  'torch_default' | 'xavier_uniform' | 'xavier_normal' | 'zeros' | 'ones' | { normal: number } | Float32Array;

export interface BuildContext {
  /** The node's name in the pipeline (variables are named `<node>/<name>`). */
  node: string;
  /** Seeded stream for this node's initialisation. */
  rng: RandomStream;
  data: DataAccess;
  /** Name of the active tfjs backend: 'wasm', 'cpu', 'tensorflow' (node / node-gpu), 'webgl'. */
  backend: string;
  /** Concrete sizes of the symbolic dims. */
  sizes: Record<string, number>;
  /** Creates a trainable variable owned by this node (checkpointed under `<node>/<name>`). */
  variable(name: string, shape: number[], init: Init, fans?: { fanIn: number; fanOut: number }): tf.Variable;
}

/** The training batch as the engine hands it to ops: indices into users and items. */
export interface Batch {
  size: number;
  users: tf.Tensor1D;
  pos: tf.Tensor1D;
  neg: tf.Tensor1D;
  /** Host copies of the same indices, for kernels that run in JS. */
  usersHost: Int32Array;
  posHost: Int32Array;
  negHost: Int32Array;
}

export interface RunContext {
  training: boolean;
  epoch: number;
  /** Present during training steps; losses read their rows from it. */
  batch?: Batch;
  rng: RandomStream;
  /**
   * The transpose of a tensor that is a folded constant (frozen features), computed once per run; undefined for
   * anything that changes per step. Lets kernels avoid transposed-operand matMuls on constants.
   */
  transposeOfConstant(t: tf.Tensor): tf.Tensor2D | undefined;
  /** Whether a tensor is a folded constant (the same object every step), so per-tensor caches are safe. */
  isConstant(t: tf.Tensor): boolean;
  /**
   * Whether a tensor takes no gradient because it is a folded constant or rows gathered from one for this step
   * (row pushdown), so kernels can skip computing its gradient.
   */
  isFrozen?(t: tf.Tensor): boolean;
  /** Set by `--detect-anomaly`: the executor checks every op output for NaN / Inf. */
  detectAnomaly?: boolean;
  /** Set by `--profile`: called with each node's forward time. */
  onOp?: (node: string, op: string, ms: number) => void;
}

export interface OpKernel {
  /**
   * Computes the outputs from the inputs. Runs inside tf.tidy and inside the gradient tape during training, so
   * it must only use differentiable tfjs ops (or kernels with a custom gradient) on trainable paths.
   */
  run(inputs: InputValues, ctx: RunContext): Record<string, Value>;
}

// An op without a declared params type reads its params untyped, as written in the YAML.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface OpDef<P extends Record<string, unknown> = Record<string, any>> {
  name: string;
  /** One line, shown by `anchorflow ops`. */
  doc: string;
  /** Grouping for docs: source, encoder, refine, layer, combine, graph, loss. */
  category: string;
  /**
   * JSON Schema of the op's own parameters (everything on the node except `op` and the input ports): a TypeBox
   * `Type.Object` for the built-in ops (see `defineOp`), or a plain JSON Schema object from a plugin.
   */
  params: ParamsSchema;
  inputs: InputPort[];
  outputs: OutputPort[];
  /** A loss op returns a scalar on its 'loss' output and may have a `weight` parameter. */
  loss?: boolean;
  /**
   * True when the op has no trainable state and its output depends only on its inputs: if all inputs are
   * constant, the compiler folds it once at build time (kNN graphs, normalised adjacency, frozen features).
   */
  pure?: boolean;
  /**
   * Input ports whose value, when it is a folded constant, the kernel multiplies in a transposed position in its
   * gradient (a linear layer over frozen features): the planner transposes those constants once per run.
   */
  transposeConstantInputs?: string[];
  /**
   * Input ports whose constant value's item-item cosine matrix (kernels/cosine.ts) the kernel reads at every
   * step: the executor keeps those matrices after folding the constants and releases all the others, which
   * were only needed to build kNN graphs.
   */
  readsCosineCache?: string[];
  /**
   * Row r of every output depends only on row r of every input (linear layers, concatenation, sums, row
   * normalisation, a table's rows), and the kernel runs on any number of rows: the step may compute the node
   * on the batch's item rows only (graph/row-pushdown.ts). Not for ops that draw random numbers per element.
   */
  rowwise?: boolean;
  /**
   * For a loss: input ports of which it reads only the rows of the batch's items, through ctx.batch.pos/neg
   * (and the host copies) and nothing else: it may be handed compact tables and a batch indexing into them.
   */
  batchItemRowInputs?: string[];
  /** Output types from input types and parameters; throws ShapeError on a mismatch. */
  shape(params: P, inputs: InputTypes, env: ShapeEnv): Record<string, TensorType>;
  build(params: P, inputs: InputTypes, ctx: BuildContext): OpKernel;
  /**
   * The shapes of the trainable variables `build` creates, from the same parameters, input types and concrete
   * sizes, so a plan's memory can be estimated before anything is allocated (engine/memory.ts). Required of an
   * op that calls ctx.variable; ops without trainable state leave it out.
   */
  variableShapes?(params: P, inputs: InputTypes, sizes: Record<string, number>): number[][];
}

/** An op of any params type: what the registry's one list holds (each op's own functions are typed by its schema). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyOpDef = OpDef<any>;

/** The shape every op's `params` has: a JSON Schema object of named parameters. */
export interface ParamsSchema {
  type: 'object';
  // Each property is any JSON Schema (TypeBox or plain), checked by ajv, not by the compiler.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  properties: Record<string, any>;
  required?: string[];
}

// ---- parameters declared once -------------------------------------------------------------------------------
//
// An op's parameters are declared once, with TypeBox (@sinclair/typebox): each property's type, default, bounds,
// description and examples sit in one schema, and the TypeScript type the op's code sees is derived from it
// (`Static`). TypeBox rather than zod because a TypeBox schema *is* a JSON Schema object: ajv validates it (filling
// defaults), the pipeline schema, `schemas/*.json`, the editor schema and `anchorflow ops` are built from the same
// objects with no conversion step that could lose a keyword, while zod would need a zod-to-JSON-Schema pass whose
// output (anyOf for enums, $ref naming, draft version) the project would then have to pin and check.

/** The parameters an op's shape rule and kernel receive for a params schema `S`: defaults filled. */
export type ParamsOf<S extends TObject> = Resolved<S>;

/**
 * `params` with every missing property that has a schema default set to (a copy of) that default, as ajv's
 * useDefaults does on the validated path. Op parameters are one level deep, so the top level is all there is.
 */
export function withDefaults<P extends Record<string, unknown>>(schema: ParamsSchema, params: P): P {
  let out: Record<string, unknown> | undefined;
  for (const [k, s] of Object.entries(schema.properties)) {
    if (params[k] !== undefined || s === null || typeof s !== 'object' || !('default' in s)) continue;
    out ??= { ...params };
    out[k] = structuredClone(s.default);
  }
  return (out ?? params) as P;
}

/**
 * Defines an op. With a TypeBox params schema the params type is inferred from it (`ParamsOf`); a plugin may
 * instead give a plain JSON Schema object and name its params type. Either way the shape rule, `variableShapes`
 * and `build` see the schema defaults filled in, so an op built without validation (a test, a plugin's own
 * harness) behaves as one compiled from a pipeline and the code never repeats a default as a fallback.
 */
export function defineOp<S extends TObject>(
  def: Omit<OpDef<ParamsOf<S>>, 'params'> & { params: S },
): OpDef<ParamsOf<S>>;
export function defineOp<P extends Record<string, unknown>>(def: OpDef<P>): OpDef<P>;
export function defineOp(def: OpDef<Record<string, unknown>>): OpDef<Record<string, unknown>> {
  // TypeBox writes `type` after the options; the conventional order (type first) keeps `anchorflow ops --json`
  // and the generated schema files reading as hand-written JSON Schema.
  const params = Kind in def.params ? (conventionalOrder(def.params) as ParamsSchema) : def.params;
  const { shape, build, variableShapes } = def;
  return {
    ...def,
    params,
    shape: (p, inputs, env) => shape(withDefaults(params, p), inputs, env),
    build: (p, inputs, ctx) => build(withDefaults(params, p), inputs, ctx),
    ...(variableShapes
      ? { variableShapes: (p, inputs, sizes) => variableShapes(withDefaults(params, p), inputs, sizes) }
      : {}),
  };
}
