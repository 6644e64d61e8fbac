/**
 * Our WebAssembly SIMD kernels running inside the wasm backend's own memory: the runtime every kernel family
 * (graph.ts, rows.ts, adam.ts) shares.
 *
 * Why: a host kernel reads its input out of tfjs (dataSync: a copy), copies it into our module, copies the
 * result out and hands it back to tfjs (tf.tensor: another copy). For a propagated [users+items, 64] table
 * that is six full copies and two fresh allocations per call, forward and backward, which cost
 * about as much as the sparse product itself. Here the AssemblyScript module (src/ops/kernels/assembly/index.ts) is
 * built a
 * second time with `--importMemory` (dist/wasm/kernels-heap.wasm; it has no data segments and no globals, so it
 * owns no memory of its own) and instantiated on tfjs-backend-wasm's WebAssembly.Memory. Our kernels are then
 * registered as tfjs kernels of the wasm backend (by ../registry.ts): they read the input tensor where tfjs keeps
 * it and write into an output tensor tfjs allocated. A constant CSR matrix is copied into that memory once
 * (tfjs's malloc) and stays there while it keeps being used, within a budget, as in spmm-wasm.ts.
 *
 * Results are bit-identical to the copying kernels: the same compiled code on the same numbers.
 */
import * as tf from '@tensorflow/tfjs';
import type { CsrMatrix } from '../../sparse.js';
import { wasmKernelModule } from '../wasm-file.js';

/** The exports of src/ops/kernels/assembly/index.ts (pointers are byte offsets into the shared memory). */
export interface HeapModule {
  spmm(rows: number, indptr: number, indices: number, values: number, x: number, d: number, out: number): void;
  propagateMean(
    rows: number,
    indptr: number,
    indices: number,
    values: number,
    x: number,
    d: number,
    layers: number,
    out: number,
    a: number,
    b: number,
  ): void;
  softmaxRows(x: number, rows: number, cols: number, out: number, stats: number): void;
  expRows(
    x: number,
    rows: number,
    cols: number,
    scale: number,
    shift: number,
    factors: number,
    out: number,
    sums: number,
  ): void;
  scaleRows(x: number, rows: number, cols: number, factors: number, out: number): void;
  transposeRows(x: number, rows: number, cols: number, out: number): void;
  topkRows(x: number, y: number, rows: number, cols: number, k: number, idx: number, bestV: number): void;
  adamStep(
    n: number,
    w: number,
    m: number,
    v: number,
    g: number,
    b1: number,
    c1: number,
    b2: number,
    c2: number,
    a1: number,
    a2: number,
    eps: number,
    nlr: number,
    wOut: number,
    mOut: number,
    vOut: number,
  ): void;
}

/** The parts of tfjs-backend-wasm's BackendWasm used here. */
export interface WasmBackend {
  wasm: {
    asm: { memory: WebAssembly.Memory };
    _malloc(bytes: number): number;
    _free(ptr: number): void;
    HEAPU8: Uint8Array;
  };
  dataIdMap: { get(id: unknown): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

let mod: HeapModule | null = null;
let forMemory: WebAssembly.Memory | undefined;

export function heapModule(backend: WasmBackend): HeapModule {
  const memory = backend.wasm.asm.memory;
  if (!mod || forMemory !== memory) {
    const inst = new WebAssembly.Instance(wasmKernelModule('kernels-heap.wasm')!, { env: { memory, abort: () => {} } });
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

export function align16(n: number): number {
  return (n + 15) & ~15;
}

/** Drops every pinned matrix (the next use copies it in again). */
export function unpinAll(): void {
  if (pinOwner) for (const p of pinList) pinOwner.wasm._free(p);
  pins = new WeakMap();
  pinList = [];
  pinnedBytes = 0;
}

export function pin(backend: WasmBackend, a: CsrMatrix): Pinned {
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

export function offsetOf(backend: WasmBackend, t: tf.TensorInfo): number {
  const e = backend.dataIdMap.get(t.dataId);
  if (!e) throw new Error('heap kernel: tensor data not found on the wasm backend');
  return e.memoryOffset;
}

// ---- running ------------------------------------------------------------------------------------------

/** What tfjs hands a kernel function. */
export type HeapKernelArgs = { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown };

/** Whether dist/wasm/kernels-heap.wasm is there to run (built, and ANCHORFLOW_NO_WASM_KERNELS not set). */
export function heapModuleBuilt(): boolean {
  return wasmKernelModule('kernels-heap.wasm') !== undefined;
}

/**
 * Runs one of our kernels (T: what it returns, a tensor or a list). They are registered with tfjs by
 * ../registry.ts (installKernels, or the first heapKernelsActive() on wasm); callers check heapKernelsActive()
 * to choose this path.
 */
export function runHeapKernel<T = tf.Tensor>(name: string, inputs: tf.NamedTensorMap, attrs: object): T {
  if (!heapModuleBuilt()) throw new Error(`kernel ${name}: dist/wasm/kernels-heap.wasm is not built (npm run build)`);
  return tf.engine().runKernel(name, inputs, attrs as unknown as tf.NamedAttrMap) as unknown as T;
}
