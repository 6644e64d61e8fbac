/** Kernels the wasm/cpu backends need for speed or for gradients at all; see each file's top comment. */
export { spmm, spmmHost, spmmBuiltin, csrMulInto, SPMM_KERNELS, type SpmmKernel } from './spmm.js';
export {
  gatherRows,
  gatherRowsHost,
  gatherRowsBuiltin,
  scatterAddRowsInto,
  GATHER_ROWS_KERNELS,
  type GatherRowsKernel,
} from './gather-rows.js';
export { linearMatMul } from './dense-matmul.js';
