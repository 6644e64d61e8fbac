// Row-wise passes over [rows, cols] blocks: softmax, exponentiated similarities, row scaling, top-k (the contrastive losses).
// Part of the kernel module whose entry is src/ops/kernels/assembly/index.ts (see there for how it is built and used).

import { expV } from './simd-exp';

// ---- row softmax (InfoNCE) -------------------------------------------------------------------------------

/**
 * For each row of x [rows, cols]: out = softmax(row), stats[2·i] = max of the row, stats[2·i + 1] = Σ exp(x − max)
 * (so that logSumExp = log(sum) + max). One pass for the max, one for exp and the sum, one for the division.
 */
export function softmaxRows(x: usize, rows: i32, cols: i32, out: usize, stats: usize): void {
  const rowBytes = <usize>(cols << 2);
  const vecBytes = <usize>((cols >> 2) << 4);
  for (let i = 0; i < rows; i++) {
    const xr = x + <usize>i * rowBytes;
    const orow = out + <usize>i * rowBytes;
    let mv = f32x4.splat(-Infinity);
    let j: usize = 0;
    for (; j < vecBytes; j += 16) mv = f32x4.max(mv, v128.load(xr + j));
    let m = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
    for (; j < rowBytes; j += 4) m = max(m, load<f32>(xr + j));
    const ms = f32x4.splat(m);
    let sv = f32x4.splat(0);
    j = 0;
    for (; j < vecBytes; j += 16) {
      const e = expV(f32x4.sub(v128.load(xr + j), ms));
      v128.store(orow + j, e);
      sv = f32x4.add(sv, e);
    }
    let s = f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1) + f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3);
    for (; j < rowBytes; j += 4) {
      const e = f32x4.extract_lane(expV(f32x4.splat(load<f32>(xr + j) - m)), 0);
      store<f32>(orow + j, e);
      s += e;
    }
    const ss = f32x4.splat(s);
    j = 0;
    for (; j < vecBytes; j += 16) v128.store(orow + j, f32x4.div(v128.load(orow + j), ss));
    for (; j < rowBytes; j += 4) store<f32>(orow + j, load<f32>(orow + j) / s);
    store<f32>(stats + (<usize>i << 3), m);
    store<f32>(stats + (<usize>i << 3) + 4, s);
  }
}

// ---- exponentiated similarities (InfoNCE over all rows, DA-MRS neighbour discrimination) ----------------------

/**
 * For each row i of x [rows, cols]: e_ij = exp(scale · x_ij − shift), sums[i] = Σ_j e_ij, and, when out is not 0,
 * out_ij = e_ij · (factors ? factors[i] : 1). One pass; x and out may be the same buffer.
 */
export function expRows(x: usize, rows: i32, cols: i32, scale: f32, shift: f32, factors: usize, out: usize, sums: usize): void {
  const rowBytes = <usize>(cols << 2);
  const vecBytes = <usize>((cols >> 2) << 4);
  const sc = f32x4.splat(scale);
  const sh = f32x4.splat(shift);
  for (let i = 0; i < rows; i++) {
    const xr = x + <usize>i * rowBytes;
    const orow = out + <usize>i * rowBytes;
    const f: f32 = factors ? load<f32>(factors + (<usize>i << 2)) : 1;
    const fv = f32x4.splat(f);
    let sv = f32x4.splat(0);
    let j: usize = 0;
    for (; j < vecBytes; j += 16) {
      const e = expV(f32x4.sub(f32x4.mul(v128.load(xr + j), sc), sh));
      sv = f32x4.add(sv, e);
      if (out) v128.store(orow + j, f32x4.mul(e, fv));
    }
    let s = f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1) + f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3);
    for (; j < rowBytes; j += 4) {
      const e = f32x4.extract_lane(expV(f32x4.splat(load<f32>(xr + j) * scale - shift)), 0);
      s += e;
      if (out) store<f32>(orow + j, e * f);
    }
    if (sums) store<f32>(sums + (<usize>i << 2), s);
  }
}

/** out_ij = x_ij · factors[i] for x [rows, cols]. */
export function scaleRows(x: usize, rows: i32, cols: i32, factors: usize, out: usize): void {
  const rowBytes = <usize>(cols << 2);
  const vecBytes = <usize>((cols >> 2) << 4);
  for (let i = 0; i < rows; i++) {
    const xr = x + <usize>i * rowBytes;
    const orow = out + <usize>i * rowBytes;
    const f = load<f32>(factors + (<usize>i << 2));
    const fv = f32x4.splat(f);
    let j: usize = 0;
    for (; j < vecBytes; j += 16) v128.store(orow + j, f32x4.mul(v128.load(xr + j), fv));
    for (; j < rowBytes; j += 4) store<f32>(orow + j, load<f32>(xr + j) * f);
  }
}

// ---- transpose (the kept exponentials' Eᵀ) ----------------------------------------------------------------

/**
 * out [cols, rows] = xᵀ for x [rows, cols], in 32 x 32 tiles of 4 x 4 SIMD blocks, so that the reads and the
 * writes of a tile stay within a few dozen cache lines (tfjs's wasm Transpose reads one strided element at a
 * time). Pure data movement: the result is bit-identical.
 */
export function transposeRows(x: usize, rows: i32, cols: i32, out: usize): void {
  const T = 32;
  const rows4 = rows & ~3;
  const cols4 = cols & ~3;
  const rowBytes = <usize>cols << 2;
  const outBytes = <usize>rows << 2;
  for (let i0 = 0; i0 < rows4; i0 += T) {
    const i1 = min(i0 + T, rows4);
    for (let j0 = 0; j0 < cols4; j0 += T) {
      const j1 = min(j0 + T, cols4);
      // 4 x 4 blocks: four row vectors in, four column vectors out (two rounds of lane shuffles).
      for (let i = i0; i < i1; i += 4) {
        const xr = x + <usize>i * rowBytes;
        for (let j = j0; j < j1; j += 4) {
          const p = xr + (<usize>j << 2);
          const r0 = v128.load(p);
          const r1 = v128.load(p + rowBytes);
          const r2 = v128.load(p + 2 * rowBytes);
          const r3 = v128.load(p + 3 * rowBytes);
          const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
          const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
          const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
          const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
          const q = out + <usize>j * outBytes + (<usize>i << 2);
          v128.store(q, v128.shuffle<f64>(t0, t1, 0, 2));
          v128.store(q + outBytes, v128.shuffle<f64>(t0, t1, 1, 3));
          v128.store(q + 2 * outBytes, v128.shuffle<f64>(t2, t3, 0, 2));
          v128.store(q + 3 * outBytes, v128.shuffle<f64>(t2, t3, 1, 3));
        }
      }
    }
  }
  // The edges that do not fill a 4 x 4 block: the last rows % 4 rows and the last cols % 4 columns.
  for (let i = 0; i < rows; i++) {
    const j0 = i < rows4 ? cols4 : 0;
    for (let j = j0; j < cols; j++) store<f32>(out + <usize>j * outBytes + (<usize>i << 2), load<f32>(x + <usize>i * rowBytes + (<usize>j << 2)));
  }
}

// ---- row top-k (DA-MRS pseudo-labels) ------------------------------------------------------------------------

/**
 * For each row i: the columns of the k largest values of v_ij = x_ij + (y ? y_ij : 0), in descending order,
 * into idx [rows, k] (i32); ties keep the lower column first. Four columns at a time are tested against the
 * current k-th best and only those that beat it are inserted, so a row costs about one SIMD compare per four
 * columns. bestV is scratch for k floats. Requires k <= cols.
 */
export function topkRows(x: usize, y: usize, rows: i32, cols: i32, k: i32, idx: usize, bestV: usize): void {
  const rowBytes = <usize>(cols << 2);
  const vecCols = (cols >> 2) << 2;
  for (let i = 0; i < rows; i++) {
    const xr = x + <usize>i * rowBytes;
    const yr = y + <usize>i * rowBytes;
    const bestI = idx + <usize>i * <usize>(k << 2);
    let filled = 0;
    let thr = f32x4.splat(-Infinity);
    let j = 0;
    for (; j < vecCols; j += 4) {
      let v = v128.load(xr + (<usize>j << 2));
      if (y) v = f32x4.add(v, v128.load(yr + (<usize>j << 2)));
      if (filled < k || v128.any_true(f32x4.gt(v, thr))) {
        filled = insertTop(f32x4.extract_lane(v, 0), j, filled, k, bestV, bestI);
        filled = insertTop(f32x4.extract_lane(v, 1), j + 1, filled, k, bestV, bestI);
        filled = insertTop(f32x4.extract_lane(v, 2), j + 2, filled, k, bestV, bestI);
        filled = insertTop(f32x4.extract_lane(v, 3), j + 3, filled, k, bestV, bestI);
        if (filled == k) thr = f32x4.splat(load<f32>(bestV + (<usize>(k - 1) << 2)));
      }
    }
    for (; j < cols; j++) {
      let v = load<f32>(xr + (<usize>j << 2));
      if (y) v += load<f32>(yr + (<usize>j << 2));
      filled = insertTop(v, j, filled, k, bestV, bestI);
    }
  }
}

/** Inserts (v, col) into the descending top list of `filled` entries (at most k); returns the new count. */
// @ts-ignore: decorator
@inline function insertTop(v: f32, col: i32, filled: i32, k: i32, bestV: usize, bestI: usize): i32 {
  if (filled == k && v <= load<f32>(bestV + (<usize>(k - 1) << 2))) return filled;
  let p = filled < k ? filled++ : k - 1;
  while (p > 0 && load<f32>(bestV + (<usize>(p - 1) << 2)) < v) {
    store<f32>(bestV + (<usize>p << 2), load<f32>(bestV + (<usize>(p - 1) << 2)));
    store<i32>(bestI + (<usize>p << 2), load<i32>(bestI + (<usize>(p - 1) << 2)));
    p--;
  }
  store<f32>(bestV + (<usize>p << 2), v);
  store<i32>(bestI + (<usize>p << 2), col);
  return filled;
}
