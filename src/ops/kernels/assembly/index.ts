// AssemblyScript sources of our WebAssembly SIMD kernels, one file per family; this entry lists what the module
// exports. `npm run build` compiles it twice with asc:
//  - dist/wasm/kernels.wasm owns its memory; src/ops/kernels/spmm-wasm.ts copies arrays in and out (used where
//    the tensors do not live in tfjs-backend-wasm's memory: the cpu backend, host-side propagation);
//  - dist/wasm/kernels-heap.wasm imports tfjs-backend-wasm's memory (--importMemory; no data segments, no
//    globals) and runs on tensors where tfjs keeps them (src/ops/kernels/heap/).
export { spmm, propagateMean } from './graph';
export { softmaxRows, expRows, scaleRows, transposeRows, topkRows } from './rows';
export { adamStep } from './adam';
