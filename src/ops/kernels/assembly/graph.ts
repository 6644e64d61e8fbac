// Sparse propagation over a CSR matrix: the graph kernels (LightGCN, kNN and hypergraph propagation).
// Part of the kernel module whose entry is src/ops/kernels/assembly/index.ts (see there for how it is built and used).

/** out[i, :] = Σ_k values[k] · x[indices[k], :] over row i's CSR entries; d is a multiple of 4. */
export function spmm(rows: i32, indptr: usize, indices: usize, values: usize, x: usize, d: i32, out: usize): void {
  const rowBytes = <usize>(d << 2);
  for (let i = 0; i < rows; i++) {
    const start = load<i32>(indptr + (<usize>i << 2));
    const end = load<i32>(indptr + (<usize>(i + 1) << 2));
    const o = out + <usize>i * rowBytes;
    for (let j: usize = 0; j < rowBytes; j += 16) v128.store(o + j, f32x4.splat(0));
    let k = start;
    // Two entries per pass halve the loads and stores of the output row.
    for (; k + 1 < end; k += 2) {
      const w0 = f32x4.splat(load<f32>(values + (<usize>k << 2)));
      const w1 = f32x4.splat(load<f32>(values + (<usize>(k + 1) << 2)));
      const s0 = x + <usize>load<i32>(indices + (<usize>k << 2)) * rowBytes;
      const s1 = x + <usize>load<i32>(indices + (<usize>(k + 1) << 2)) * rowBytes;
      for (let j: usize = 0; j < rowBytes; j += 16) {
        const acc = f32x4.add(v128.load(o + j), f32x4.mul(w0, v128.load(s0 + j)));
        v128.store(o + j, f32x4.add(acc, f32x4.mul(w1, v128.load(s1 + j))));
      }
    }
    if (k < end) {
      const w = f32x4.splat(load<f32>(values + (<usize>k << 2)));
      const s = x + <usize>load<i32>(indices + (<usize>k << 2)) * rowBytes;
      for (let j: usize = 0; j < rowBytes; j += 16) v128.store(o + j, f32x4.add(v128.load(o + j), f32x4.mul(w, v128.load(s + j))));
    }
  }
}

/**
 * out = mean(x, A·x, …, A^layers·x): LightGCN's layer combination in one call. `a` and `b` are two scratch
 * buffers of rows·d floats the passes alternate between. The sum is taken in the same order as the JS loop
 * (x + A·x, then + A²·x, …) and divided at the end, so results match it bit for bit.
 */
export function propagateMean(rows: i32, indptr: usize, indices: usize, values: usize, x: usize, d: i32, layers: i32, out: usize, a: usize, b: usize): void {
  const bytes = <usize>rows * <usize>(d << 2);
  memory.copy(out, x, bytes);
  let cur = x;
  for (let l = 0; l < layers; l++) {
    const next = l % 2 == 0 ? a : b;
    spmm(rows, indptr, indices, values, cur, d, next);
    for (let j: usize = 0; j < bytes; j += 16) v128.store(out + j, f32x4.add(v128.load(out + j), v128.load(next + j)));
    cur = next;
  }
  const n = f32x4.splat(<f32>(layers + 1));
  for (let j: usize = 0; j < bytes; j += 16) v128.store(out + j, f32x4.div(v128.load(out + j), n));
}
