/**
 * The CSR product A·X as a WebAssembly SIMD kernel (source: src/ops/kernels/assembly/graph.ts, compiled by `npm run
 * build` with
 * AssemblyScript into dist/wasm/kernels.wasm). The plain-JS loop in spmm.ts tops out near 1.3 GFLOP/s; f32x4
 * arithmetic over the d-wide rows runs several times faster. Arrays are copied into the module's own memory
 * for each call (the copies are a small part of the product's cost) and the result copied out.
 * When the .wasm file is missing (a source checkout that was never built) callers fall back to the JS loop.
 */
import type { CsrMatrix } from '../sparse.js';
import { wasmKernelModule } from './wasm-file.js';

interface SpmmModule {
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
  memory: WebAssembly.Memory;
}

let mod: SpmmModule | null | undefined;

function instance(): SpmmModule | null {
  if (mod !== undefined) return mod;
  const compiled = wasmKernelModule('kernels.wasm');
  mod = compiled ? (new WebAssembly.Instance(compiled, {}).exports as unknown as SpmmModule) : null;
  return mod;
}

export function wasmKernelsAvailable(): boolean {
  return instance() !== null;
}

const align16 = (n: number) => (n + 15) & ~15;

/**
 * A matrix's arrays are copied into the module's memory once and stay there ("pinned") while the same matrix
 * object keeps coming back: a model's graphs are constants, used every step, forward and backward. Pinned
 * matrices sit at the start of memory; each call's dense operands go after them. When the pinned bytes would pass
 * the budget (graphs rebuilt every step or epoch, as the denoising models do), all pins are dropped and placement
 * starts over: a copy per call, as without pinning, and bounded memory.
 */
let pinBudget = 64 * 1024 * 1024;

/** Sets the pinned-bytes budget (tests use a small one to exercise the reset); returns the previous one. */
export function setPinBudget(bytes: number): number {
  const old = pinBudget;
  pinBudget = bytes;
  pins = new WeakMap();
  pinnedEnd = 0;
  return old;
}
interface Placed {
  indptr: number;
  indices: number;
  values: number;
}
let pins = new WeakMap<CsrMatrix, Placed>();
let pinnedEnd = 0;

function ensure(m: SpmmModule, bytes: number): void {
  const have = m.memory.buffer.byteLength;
  if (bytes > have) m.memory.grow(Math.ceil((bytes - have) / 65536));
}

function place(m: SpmmModule, a: CsrMatrix): Placed {
  const hit = pins.get(a);
  if (hit) return hit;
  const size = align16((a.rows + 1) * 4) + 2 * align16(a.nnz * 4);
  if (pinnedEnd + size > pinBudget) {
    pins = new WeakMap();
    pinnedEnd = 0;
  }
  const p: Placed = { indptr: pinnedEnd, indices: align16(pinnedEnd + (a.rows + 1) * 4), values: 0 };
  p.values = align16(p.indices + a.nnz * 4);
  pinnedEnd = align16(p.values + a.nnz * 4);
  ensure(m, pinnedEnd);
  const buf = m.memory.buffer;
  new Int32Array(buf, p.indptr, a.rows + 1).set(a.indptr);
  new Int32Array(buf, p.indices, a.nnz).set(a.indices);
  new Float32Array(buf, p.values, a.nnz).set(a.values);
  pins.set(a, p);
  return p;
}

/** Lays out `sizes` (in floats) one after another behind the pinned matrices; returns their byte offsets. */
function scratch(m: SpmmModule, sizes: number[]): number[] {
  const offs: number[] = [];
  let at = align16(pinnedEnd);
  for (const n of sizes) {
    offs.push(at);
    at = align16(at + n * 4);
  }
  ensure(m, at);
  return offs;
}

/** out = A·x (out is overwritten); false when the kernel is unavailable or d is not a multiple of 4. */
export function csrMulWasm(a: CsrMatrix, x: Float32Array, d: number, out: Float32Array): boolean {
  const m = d % 4 === 0 ? instance() : null;
  if (!m) return false;
  const p = place(m, a);
  const [oX, oOut] = scratch(m, [a.cols * d, a.rows * d]) as [number, number];
  const buf = m.memory.buffer;
  new Float32Array(buf, oX, a.cols * d).set(x.subarray(0, a.cols * d));
  m.spmm(a.rows, p.indptr, p.indices, p.values, oX, d, oOut);
  out.set(new Float32Array(buf, oOut, a.rows * d));
  return true;
}

/**
 * mean(x, A·x, …, A^layers·x) for a square A in one call (one copy in, one out, the sums in SIMD); undefined
 * when the kernel is unavailable or d is not a multiple of 4.
 */
export function propagateMeanWasm(a: CsrMatrix, x: Float32Array, d: number, layers: number): Float32Array | undefined {
  const m = d % 4 === 0 && a.rows === a.cols ? instance() : null;
  if (!m) return undefined;
  const n = a.rows * d;
  const p = place(m, a);
  const [oX, oOut, oA, oB] = scratch(m, [n, n, n, layers > 1 ? n : 0]) as [number, number, number, number];
  const buf = m.memory.buffer;
  new Float32Array(buf, oX, n).set(x.subarray(0, n));
  m.propagateMean(a.rows, p.indptr, p.indices, p.values, oX, d, layers, oOut, oA, oB);
  return new Float32Array(buf, oOut, n).slice();
}
