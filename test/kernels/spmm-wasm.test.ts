import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrMulWasm, propagateMeanWasm, setPinBudget, wasmKernelsAvailable } from '../../src/ops/kernels/spmm-wasm.js';
import { csrMulIntoJs } from '../../src/ops/kernels/spmm.js';
import { CsrMatrix } from '../../src/ops/sparse.js';
import { Rng } from '../../src/util/rng.js';

test('the WebAssembly SIMD kernel is built and agrees with the JS loop (rectangular, empty rows, odd row lengths)', () => {
  assert.ok(wasmKernelsAvailable(), 'dist/wasm/kernels.wasm is built by npm run build');
  const rng = new Rng(11);
  for (const [rows, cols, nnz, d] of [
    [50, 30, 400, 64],
    [7, 90, 13, 8],
    [300, 300, 5000, 4],
    [3, 3, 0, 16],
  ] as const) {
    const r = Array.from({ length: nnz }, () => rng.int(rows));
    const c = Array.from({ length: nnz }, () => rng.int(cols));
    const v = Array.from({ length: nnz }, () => rng.normal());
    const a = CsrMatrix.fromCoo(rows, cols, r, c, v);
    const x = Float32Array.from({ length: cols * d }, () => rng.normal());
    const js = csrMulIntoJs(a, x, d, new Float32Array(rows * d));
    const out = new Float32Array(rows * d).fill(123); // overwritten, not accumulated
    assert.ok(csrMulWasm(a, x, d, out));
    for (let i = 0; i < js.length; i++)
      assert.ok(
        Math.abs(out[i]! - js[i]!) <= 1e-5 * (1 + Math.abs(js[i]!)),
        `[${rows}x${cols} d${d}] ${i}: ${out[i]} vs ${js[i]}`,
      );
  }
  assert.equal(
    csrMulWasm(CsrMatrix.fromCoo(2, 2, [0], [1], [1]), new Float32Array(6), 3, new Float32Array(6)),
    false,
    'd not a multiple of 4 falls back',
  );
});

test('pinned matrices: alternating graphs, and a budget smaller than the graphs, still give the right products', () => {
  const rng = new Rng(12);
  const d = 8;
  const mats = [0, 1, 2].map(() => {
    const n = 60;
    const nnz = 500;
    return CsrMatrix.fromCoo(
      n,
      n,
      Array.from({ length: nnz }, () => rng.int(n)),
      Array.from({ length: nnz }, () => rng.int(n)),
      Array.from({ length: nnz }, () => rng.normal()),
    );
  });
  const x = Float32Array.from({ length: 60 * d }, () => rng.normal());
  const check = () => {
    for (const a of [...mats, mats[0]!, mats[2]!, mats[1]!]) {
      const js = csrMulIntoJs(a, x, d, new Float32Array(60 * d));
      const out = new Float32Array(60 * d);
      assert.ok(csrMulWasm(a, x, d, out));
      for (let i = 0; i < js.length; i++)
        assert.ok(Math.abs(out[i]! - js[i]!) <= 1e-5 * (1 + Math.abs(js[i]!)), `${i}: ${out[i]} vs ${js[i]}`);
      // The fused layer mean over the same pinned matrix equals, bit for bit, the sum of the kernel's products.
      const want = Float32Array.from(x);
      let cur: Float32Array = x;
      for (let l = 0; l < 2; l++) {
        const next = new Float32Array(60 * d);
        assert.ok(csrMulWasm(a, cur, d, next));
        cur = next;
        for (let i = 0; i < want.length; i++) want[i] = want[i]! + cur[i]!;
      }
      for (let i = 0; i < want.length; i++) want[i] = want[i]! / 3;
      assert.deepEqual(propagateMeanWasm(a, x, d, 2), want);
    }
  };
  check();
  const old = setPinBudget(3000); // smaller than two matrices: pins are dropped and re-made on every switch
  try {
    check();
  } finally {
    setPinBudget(old);
  }
});
