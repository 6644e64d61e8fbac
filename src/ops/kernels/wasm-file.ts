/**
 * The compiled WebAssembly kernel files that `npm run build` writes to dist/wasm (AssemblyScript sources in
 * src/ops/kernels/assembly/): found from either the compiled (dist/src/ops/kernels) or the source (src/ops/kernels)
 * location,
 * compiled once per file, and absent when ANCHORFLOW_NO_WASM_KERNELS is set or the file was never built (callers
 * then fall back to plain JS).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flag } from '../../util/flags.js';

const compiled = new Map<string, WebAssembly.Module | undefined>();

export function wasmKernelModule(file: 'kernels.wasm' | 'kernels-heap.wasm'): WebAssembly.Module | undefined {
  if (flag('noWasmKernels')) return undefined;
  if (!compiled.has(file)) {
    const here = dirname(fileURLToPath(import.meta.url));
    const path = [`../../../wasm/${file}`, `../../../dist/wasm/${file}`]
      .map((rel) => join(here, rel))
      .find((p) => existsSync(p));
    compiled.set(file, path ? new WebAssembly.Module(readFileSync(path)) : undefined);
  }
  return compiled.get(file);
}
