/**
 * Times the CSR product on a Baby-sized graph (26,495 nodes, 474k entries, d 64): the plain JS loop against
 * the WebAssembly SIMD kernel. Median of 15. `node dist/scripts/bench-spmm.js`
 */
import { csrMulIntoJs } from '../src/ops/kernels/spmm.js';
import { csrMulWasm } from '../src/ops/kernels/spmm-wasm.js';
import { CsrMatrix } from '../src/ops/sparse.js';
import { Rng } from '../src/util/rng.js';

const rng = new Rng(1);
const N = 26495;
const nnz = 474000;
const d = 64;
const r = new Int32Array(nnz);
const c = new Int32Array(nnz);
const v = new Float32Array(nnz);
for (let k = 0; k < nnz; k++) {
  r[k] = rng.int(N);
  c[k] = rng.int(N);
  v[k] = rng.next();
}
const a = CsrMatrix.fromCoo(N, N, r, c, v);
const x = Float32Array.from({ length: N * d }, () => rng.normal());
const out = new Float32Array(N * d);
const median = (f: () => void) => {
  const ts: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    f();
    ts.push(performance.now() - t);
  }
  return ts.sort((p, q) => p - q)[7]!.toFixed(1);
};
console.log(`spmm ${N} nodes, ${a.nnz} entries, d ${d}`);
console.log(
  `  js loop   ${median(() => {
    out.fill(0);
    csrMulIntoJs(a, x, d, out);
  })} ms`,
);
console.log(`  wasm simd ${median(() => csrMulWasm(a, x, d, out))} ms`);
