/**
 * Our WebAssembly SIMD kernels running inside the wasm backend's own memory.
 *
 * Why: a host kernel reads its input out of tfjs (dataSync: a copy), copies it into our module, copies the
 * result out and hands it back to tfjs (tf.tensor: another copy). For a propagated [users+items, 64] table
 * (6.8 MB on Baby) that is six full copies and two fresh allocations per call, forward and backward, which cost
 * about as much as the sparse product itself. Here the same AssemblyScript module (assembly/spmm.ts) is built a
 * second time with `--importMemory` (dist/wasm/spmm-heap.wasm; it has no data segments and no globals, so it
 * owns no memory of its own) and instantiated on tfjs-backend-wasm's WebAssembly.Memory. Our kernels are then
 * registered as tfjs kernels of the wasm backend: they read the input tensor where tfjs keeps it and write into
 * an output tensor tfjs allocated. A constant CSR matrix is copied into that memory once (tfjs's malloc) and
 * stays there while it keeps being used, within a budget, as in spmm-wasm.ts.
 *
 * Results are bit-identical to the copying kernels: the same compiled code on the same numbers.
 */
import * as tf from '@tensorflow/tfjs';
import type { CsrMatrix } from '../sparse.js';
import { wasmKernelModule } from './wasm-file.js';
import { referenceMode } from './mode.js';

interface HeapModule {
  spmm(rows: number, indptr: number, indices: number, values: number, x: number, d: number, out: number): void;
  propagateMean(rows: number, indptr: number, indices: number, values: number, x: number, d: number, layers: number, out: number, a: number, b: number): void;
  softmaxRows(x: number, rows: number, cols: number, out: number, stats: number): void;
  expRows(x: number, rows: number, cols: number, scale: number, shift: number, factors: number, out: number, sums: number): void;
  scaleRows(x: number, rows: number, cols: number, factors: number, out: number): void;
  topkRows(x: number, y: number, rows: number, cols: number, k: number, idx: number, bestV: number): void;
  adamStep(n: number, w: number, m: number, v: number, g: number, b1: number, c1: number, b2: number, c2: number, a1: number, a2: number, eps: number, nlr: number, wOut: number, mOut: number, vOut: number): void;
}

/** The parts of tfjs-backend-wasm's BackendWasm used here. */
interface WasmBackend {
  wasm: { asm: { memory: WebAssembly.Memory }; _malloc(bytes: number): number; _free(ptr: number): void; HEAPU8: Uint8Array };
  dataIdMap: { get(id: unknown): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

const SPMM = 'AnchorflowSpmm';
const PROPAGATE_MEAN = 'AnchorflowPropagateMean';
const SCATTER_ROWS = 'AnchorflowScatterAddRows';
const SOFTMAX_ROWS = 'AnchorflowSoftmaxRows';
const EXP_ROWS = 'AnchorflowExpRows';
const SCALE_ROWS = 'AnchorflowScaleRows';
const TOPK_ROWS = 'AnchorflowTopkRows';
const ADAM_STEP = 'AnchorflowAdamStep';

let mod: HeapModule | null = null;
let forMemory: WebAssembly.Memory | undefined;

function heapModule(backend: WasmBackend): HeapModule {
  const memory = backend.wasm.asm.memory;
  if (!mod || forMemory !== memory) {
    const inst = new WebAssembly.Instance(wasmKernelModule('spmm-heap.wasm')!, { env: { memory, abort: () => {} } });
    mod = inst.exports as unknown as HeapModule;
    forMemory = memory;
  }
  return mod;
}

// ---- pinned matrices ----------------------------------------------------------------------------------------

interface Pinned {
  ptr: number;
  indptr: number;
  indices: number;
  values: number;
}
const PIN_BUDGET = 64 * 1024 * 1024;
let pins = new WeakMap<CsrMatrix, Pinned>();
let pinList: number[] = [];
let pinnedBytes = 0;
let pinOwner: WasmBackend | undefined;

function align16(n: number): number {
  return (n + 15) & ~15;
}

/** Drops every pinned matrix (the next use copies it in again). */
export function unpinAll(): void {
  if (pinOwner) for (const p of pinList) pinOwner.wasm._free(p);
  pins = new WeakMap();
  pinList = [];
  pinnedBytes = 0;
}

function pin(backend: WasmBackend, a: CsrMatrix): Pinned {
  if (pinOwner !== backend) {
    // A new backend instance has a new memory: pointers into the old one mean nothing there.
    pins = new WeakMap();
    pinList = [];
    pinnedBytes = 0;
    pinOwner = backend;
  }
  const hit = pins.get(a);
  if (hit) return hit;
  const oIndices = align16((a.rows + 1) * 4);
  const oValues = oIndices + align16(a.nnz * 4);
  const bytes = oValues + align16(a.nnz * 4);
  if (pinnedBytes + bytes > PIN_BUDGET) unpinAll();
  const ptr = backend.wasm._malloc(bytes + 16);
  const base = align16(ptr);
  const buf = backend.wasm.HEAPU8.buffer; // after malloc, which can grow the memory
  new Int32Array(buf, base, a.rows + 1).set(a.indptr);
  new Int32Array(buf, base + oIndices, a.nnz).set(a.indices);
  new Float32Array(buf, base + oValues, a.nnz).set(a.values);
  const p = { ptr, indptr: base, indices: base + oIndices, values: base + oValues };
  pins.set(a, p);
  pinList.push(ptr);
  pinnedBytes += bytes;
  return p;
}

function offsetOf(backend: WasmBackend, t: tf.TensorInfo): number {
  const e = backend.dataIdMap.get(t.dataId);
  if (!e) throw new Error('heap kernel: tensor data not found on the wasm backend');
  return e.memoryOffset;
}

// ---- kernels ------------------------------------------------------------------------------------------------

type Args = { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown };

function spmmKernel({ inputs, attrs, backend }: Args): tf.TensorInfo {
  const be = backend as WasmBackend;
  const x = inputs.x as tf.TensorInfo;
  const a = (attrs as unknown as { matrix: CsrMatrix }).matrix;
  const d = x.shape[1]!;
  const out = be.makeOutput([a.rows, d], 'float32');
  const m = heapModule(be);
  const p = pin(be, a);
  m.spmm(a.rows, p.indptr, p.indices, p.values, offsetOf(be, x), d, offsetOf(be, out));
  return out;
}

function propagateMeanKernel({ inputs, attrs, backend }: Args): tf.TensorInfo {
  const be = backend as WasmBackend;
  const x = inputs.x as tf.TensorInfo;
  const { matrix: a, layers } = attrs as unknown as { matrix: CsrMatrix; layers: number };
  const d = x.shape[1]!;
  const out = be.makeOutput([a.rows, d], 'float32');
  const m = heapModule(be);
  const p = pin(be, a);
  const bytes = a.rows * d * 4;
  const scratch = be.wasm._malloc(2 * bytes + 32);
  try {
    const s0 = align16(scratch);
    m.propagateMean(a.rows, p.indptr, p.indices, p.values, offsetOf(be, x), d, layers, offsetOf(be, out), s0, align16(s0 + bytes));
  } finally {
    be.wasm._free(scratch);
  }
  return out;
}

/** out[rows, d] = 0, then out[idx[r], :] += dy[r, :]: the gradient of a row gather, written in place. */
function scatterAddRowsKernel({ inputs, attrs, backend }: Args): tf.TensorInfo {
  const be = backend as WasmBackend;
  const dy = inputs.dy as tf.TensorInfo;
  const { rows, ids } = attrs as unknown as { rows: number; ids: ArrayLike<number> };
  const d = dy.shape[1]!;
  if (ids.length !== dy.shape[0]) throw new Error(`gatherRows: ${ids.length} indices for ${dy.shape[0]} gradient rows`);
  const out = be.makeOutput([rows, d], 'float32');
  const buf = be.wasm.HEAPU8.buffer; // views after makeOutput, which can grow the memory
  const o = new Float32Array(buf, offsetOf(be, out), rows * d);
  const g = new Float32Array(buf, offsetOf(be, dy), dy.shape[0]! * d);
  o.fill(0);
  for (let r = 0; r < ids.length; r++) {
    const dst = ids[r]! * d;
    if (!(dst >= 0 && dst + d <= o.length)) throw new Error(`gatherRows: index ${ids[r]} out of range`);
    const src = r * d;
    for (let j = 0; j < d; j++) o[dst + j]! += g[src + j]!;
  }
  return out;
}

/** Row softmax of x [rows, cols] and, per row, [max, Σ exp(x − max)]: two outputs. */
function softmaxRowsKernel({ inputs, backend }: Args): tf.TensorInfo[] {
  const be = backend as WasmBackend;
  const x = inputs.x as tf.TensorInfo;
  const [rows, cols] = x.shape as [number, number];
  const out = be.makeOutput([rows, cols], 'float32');
  const stats = be.makeOutput([rows, 2], 'float32');
  heapModule(be).softmaxRows(offsetOf(be, x), rows, cols, offsetOf(be, out), offsetOf(be, stats));
  return [out, stats];
}

/**
 * exp(scale · x − shift) of x [rows, cols]: the row sums always; the [rows, cols] exponentials (times the
 * per-row factors when given) only when asked for.
 */
function expRowsKernel({ inputs, attrs, backend }: Args): tf.TensorInfo[] {
  const be = backend as WasmBackend;
  const x = inputs.x as tf.TensorInfo;
  const f = inputs.factors as tf.TensorInfo | undefined;
  const { scale, shift, keep } = attrs as unknown as { scale: number; shift: number; keep: boolean };
  const [rows, cols] = x.shape as [number, number];
  if (f && f.shape[0] !== rows) throw new Error(`expRows: ${f.shape[0]} factors for ${rows} rows`);
  const sums = be.makeOutput([rows], 'float32');
  const out = keep ? be.makeOutput([rows, cols], 'float32') : undefined;
  heapModule(be).expRows(offsetOf(be, x), rows, cols, scale, shift, f ? offsetOf(be, f) : 0, out ? offsetOf(be, out) : 0, offsetOf(be, sums));
  return out ? [sums, out] : [sums];
}

/** x [rows, cols] with row i multiplied by factors[i]. */
function scaleRowsKernel({ inputs, backend }: Args): tf.TensorInfo {
  const be = backend as WasmBackend;
  const x = inputs.x as tf.TensorInfo;
  const f = inputs.factors as tf.TensorInfo;
  const [rows, cols] = x.shape as [number, number];
  if (f.shape[0] !== rows) throw new Error(`scaleRows: ${f.shape[0]} factors for ${rows} rows`);
  const out = be.makeOutput([rows, cols], 'float32');
  heapModule(be).scaleRows(offsetOf(be, x), rows, cols, offsetOf(be, f), offsetOf(be, out));
  return out;
}

/** Columns of the k largest entries of each row of x (+ y when given), descending: [rows, k] int32. */
function topkRowsKernel({ inputs, attrs, backend }: Args): tf.TensorInfo {
  const be = backend as WasmBackend;
  const x = inputs.x as tf.TensorInfo;
  const y = inputs.y as tf.TensorInfo | undefined;
  const { k } = attrs as unknown as { k: number };
  const [rows, cols] = x.shape as [number, number];
  if (!(k >= 1 && k <= cols)) throw new Error(`topkRows: k ${k} outside 1..${cols}`);
  if (y && (y.shape[0] !== rows || y.shape[1] !== cols)) throw new Error(`topkRows: y is [${y.shape}], x is [${x.shape}]`);
  const out = be.makeOutput([rows, k], 'int32');
  const scratch = be.wasm._malloc(k * 4);
  try {
    heapModule(be).topkRows(offsetOf(be, x), y ? offsetOf(be, y) : 0, rows, cols, k, offsetOf(be, out), scratch);
  } finally {
    be.wasm._free(scratch);
  }
  return out;
}

/** The Adam constants of one step (float32 values, see adamStep in assembly/spmm.ts). */
export interface AdamConstants {
  b1: number;
  c1: number;
  b2: number;
  c2: number;
  a1: number;
  a2: number;
  eps: number;
  nlr: number;
}

/** One Adam step of a variable: [w', m', v'] from w, m, v and the gradient g (all float32, one shape). */
function adamStepKernel({ inputs, attrs, backend }: Args): tf.TensorInfo[] {
  const be = backend as WasmBackend;
  const { w, m, v, g } = inputs as Record<string, tf.TensorInfo>;
  const c = attrs as unknown as AdamConstants;
  const n = w!.shape.reduce((a, b) => a * b, 1);
  for (const t of [m!, v!, g!]) if (t.shape.reduce((a, b) => a * b, 1) !== n) throw new Error(`adamStep: [${t.shape}] for a variable of [${w!.shape}]`);
  const outs = [be.makeOutput(w!.shape, 'float32'), be.makeOutput(w!.shape, 'float32'), be.makeOutput(w!.shape, 'float32')];
  heapModule(be).adamStep(n, offsetOf(be, w!), offsetOf(be, m!), offsetOf(be, v!), offsetOf(be, g!), c.b1, c.c1, c.b2, c.c2, c.a1, c.a2, c.eps, c.nlr, offsetOf(be, outs[0]!), offsetOf(be, outs[1]!), offsetOf(be, outs[2]!));
  return outs;
}

let registered: boolean | undefined;

/** Registers the kernels for the wasm backend; false (and nothing registered) when the module is not built. */
function ensureRegistered(): boolean {
  if (registered !== undefined) return registered;
  registered = wasmKernelModule('spmm-heap.wasm') !== undefined;
  if (registered) {
    tf.registerKernel({ kernelName: SPMM, backendName: 'wasm', kernelFunc: spmmKernel as unknown as tf.KernelFunc });
    tf.registerKernel({ kernelName: PROPAGATE_MEAN, backendName: 'wasm', kernelFunc: propagateMeanKernel as unknown as tf.KernelFunc });
    tf.registerKernel({ kernelName: SCATTER_ROWS, backendName: 'wasm', kernelFunc: scatterAddRowsKernel as unknown as tf.KernelFunc });
    tf.registerKernel({ kernelName: SOFTMAX_ROWS, backendName: 'wasm', kernelFunc: softmaxRowsKernel as unknown as tf.KernelFunc });
    tf.registerKernel({ kernelName: EXP_ROWS, backendName: 'wasm', kernelFunc: expRowsKernel as unknown as tf.KernelFunc });
    tf.registerKernel({ kernelName: SCALE_ROWS, backendName: 'wasm', kernelFunc: scaleRowsKernel as unknown as tf.KernelFunc });
    tf.registerKernel({ kernelName: TOPK_ROWS, backendName: 'wasm', kernelFunc: topkRowsKernel as unknown as tf.KernelFunc });
    tf.registerKernel({ kernelName: ADAM_STEP, backendName: 'wasm', kernelFunc: adamStepKernel as unknown as tf.KernelFunc });
  }
  return registered;
}

/** Whether the in-memory kernels serve the active backend now (wasm, module built, not reference mode). */
export function heapKernelsActive(): boolean {
  return tf.getBackend() === 'wasm' && !referenceMode() && ensureRegistered();
}

function run(name: string, inputs: tf.NamedTensorMap, attrs: Record<string, unknown>): tf.Tensor {
  return tf.engine().runKernel(name, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/**
 * Row softmax of x [rows, cols] in one SIMD pass set (exp by a ~1 ulp polynomial), with each row's max and
 * Σ exp(x − max), so that logSumExp = log(sum) + max. No gradient: InfoNCE supplies its closed form.
 */
export function heapSoftmaxRows(x: tf.Tensor2D): { softmax: tf.Tensor2D; max: tf.Tensor1D; sum: tf.Tensor1D } {
  const [softmax, stats] = tf.engine().runKernel(SOFTMAX_ROWS, { x }, {}) as unknown as [tf.Tensor2D, tf.Tensor2D];
  const [max, sum] = tf.unstack(stats, 1) as [tf.Tensor1D, tf.Tensor1D];
  stats.dispose();
  return { softmax, max, sum };
}

/** A·x in the wasm backend's memory (no gradient: callers wrap it). d must be a multiple of 4. */
export function heapSpmm(a: CsrMatrix, x: tf.Tensor2D): tf.Tensor2D {
  return run(SPMM, { x }, { matrix: a }) as tf.Tensor2D;
}

/** mean(x, A·x, …, A^layers·x) in the wasm backend's memory (no gradient). A square, d a multiple of 4. */
export function heapPropagateMean(a: CsrMatrix, x: tf.Tensor2D, layers: number): tf.Tensor2D {
  return run(PROPAGATE_MEAN, { x }, { matrix: a, layers }) as tf.Tensor2D;
}

/**
 * The [rows, d] gradient of gathering rows `ids` of a table, from the gathered rows' gradient dy. The indices
 * come as a host array: the index tensor of the forward pass may already be disposed when the gradient runs.
 */
export function heapScatterAddRows(dy: tf.Tensor2D, ids: ArrayLike<number>, rows: number): tf.Tensor2D {
  return run(SCATTER_ROWS, { dy }, { rows, ids }) as tf.Tensor2D;
}

/**
 * Σ_j exp(scale · x_ij − shift) per row of x [rows, cols] (exp by the same ~1 ulp polynomial as the softmax) and,
 * with keep, the exponentials themselves, each row times factors[i] when factors are given. No gradient.
 */
export function heapExpRows(x: tf.Tensor2D, scale: number, shift: number, opts: { keep?: boolean; factors?: tf.Tensor1D } = {}): { sum: tf.Tensor1D; exp?: tf.Tensor2D } {
  const inputs: tf.NamedTensorMap = opts.factors ? { x, factors: opts.factors } : { x };
  const out = tf.engine().runKernel(EXP_ROWS, inputs, { scale, shift, keep: !!opts.keep } as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
  return { sum: out[0] as tf.Tensor1D, exp: out[1] as tf.Tensor2D | undefined };
}

/** x [rows, cols] with each row i multiplied by factors[i] (a broadcast multiply in one SIMD pass). No gradient. */
export function heapScaleRows(x: tf.Tensor2D, factors: tf.Tensor1D): tf.Tensor2D {
  return run(SCALE_ROWS, { x, factors }, {}) as tf.Tensor2D;
}

/**
 * The columns of the k largest entries of each row of x + y (y optional), in descending order, ties to the lower
 * column (as topkRows in cosine.ts): [rows, k] int32 read back to the host. No gradient.
 */
export function heapTopkRows(x: tf.Tensor2D, y: tf.Tensor2D | undefined, k: number): Int32Array {
  const t = run(TOPK_ROWS, y ? { x, y } : { x }, { k });
  const out = t.dataSync() as Int32Array;
  t.dispose();
  return out;
}

/** One Adam step in a single SIMD pass: [w', m', v'], bit-identical to tfjs's AdamOptimizer arithmetic. */
export function heapAdamStep(w: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor, c: AdamConstants): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.engine().runKernel(ADAM_STEP, { w, m, v, g }, c as unknown as tf.NamedAttrMap) as unknown as [tf.Tensor, tf.Tensor, tf.Tensor];
}
