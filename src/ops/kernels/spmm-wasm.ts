/**
 * The CSR product A·X as a WebAssembly SIMD kernel (source: assembly/spmm.ts, compiled by `npm run build` with
 * AssemblyScript into dist/wasm/spmm.wasm). The plain-JS loop in spmm.ts tops out near 1.3 GFLOP/s; f32x4
 * arithmetic over the d-wide rows runs several times faster. Arrays are copied into the module's own memory
 * for each call (the copies are a small part of the product's cost) and the result copied out.
 * When the .wasm file is missing (a source checkout that was never built) callers fall back to the JS loop.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CsrMatrix } from '../sparse.js';

interface SpmmModule {
  spmm(rows: number, indptr: number, indices: number, values: number, x: number, d: number, out: number): void;
  memory: WebAssembly.Memory;
}

let mod: SpmmModule | null | undefined;

function locate(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  // dist/src/ops/kernels -> dist/wasm; src/ops/kernels (tsx) -> dist/wasm
  for (const rel of ['../../../wasm/spmm.wasm', '../../../dist/wasm/spmm.wasm']) {
    const p = join(here, rel);
    if (existsSync(p)) return p;
  }
  return undefined;
}

function instance(): SpmmModule | null {
  if (mod !== undefined) return mod;
  const path = process.env.ANCHORFLOW_NO_WASM_KERNELS ? undefined : locate();
  if (!path) return (mod = null);
  const inst = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(path)), {});
  mod = inst.exports as unknown as SpmmModule;
  return mod;
}

export function wasmKernelsAvailable(): boolean {
  return instance() !== null;
}

const align16 = (n: number) => (n + 15) & ~15;

/** out = A·x (out is overwritten); false when the kernel is unavailable or d is not a multiple of 4. */
export function csrMulWasm(a: CsrMatrix, x: Float32Array, d: number, out: Float32Array): boolean {
  const m = d % 4 === 0 ? instance() : null;
  if (!m) return false;
  const oIndptr = 0;
  const oIndices = align16(oIndptr + (a.rows + 1) * 4);
  const oValues = align16(oIndices + a.nnz * 4);
  const oX = align16(oValues + a.nnz * 4);
  const oOut = align16(oX + a.cols * d * 4);
  const need = oOut + a.rows * d * 4;
  const have = m.memory.buffer.byteLength;
  if (need > have) m.memory.grow(Math.ceil((need - have) / 65536));
  const buf = m.memory.buffer;
  new Int32Array(buf, oIndptr, a.rows + 1).set(a.indptr);
  new Int32Array(buf, oIndices, a.nnz).set(a.indices);
  new Float32Array(buf, oValues, a.nnz).set(a.values);
  new Float32Array(buf, oX, a.cols * d).set(x.subarray(0, a.cols * d));
  m.spmm(a.rows, oIndptr, oIndices, oValues, oX, d, oOut);
  out.set(new Float32Array(buf, oOut, a.rows * d));
  return true;
}
