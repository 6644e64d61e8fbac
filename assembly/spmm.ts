// AssemblyScript source of the WebAssembly SIMD kernel behind src/ops/kernels/spmm-wasm.ts.
// Built by `npm run build` (asc) into dist/wasm/spmm.wasm. JS lays out the arrays in this module's memory.

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

// ---- row softmax (InfoNCE) -------------------------------------------------------------------------------

// exp on four lanes: Cephes' single-precision expf (range reduction by ln 2 in two parts, degree-6 polynomial,
// scaling by 2^n through the exponent bits), about 1 ulp. Inputs are clamped to [-87.3, 88.3] so that 2^n stays
// a normal float; softmax only feeds it values <= 0.
// @ts-ignore: decorator
@inline function expV(v: v128): v128 {
  let x = f32x4.max(f32x4.min(v, f32x4.splat(88.3)), f32x4.splat(-87.3));
  const fx = f32x4.floor(f32x4.add(f32x4.mul(x, f32x4.splat(1.44269504088896341)), f32x4.splat(0.5)));
  x = f32x4.sub(x, f32x4.mul(fx, f32x4.splat(0.693359375)));
  x = f32x4.sub(x, f32x4.mul(fx, f32x4.splat(-2.12194440e-4)));
  const z = f32x4.mul(x, x);
  let y = f32x4.splat(1.9875691500e-4);
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(1.3981999507e-3));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(8.3334519073e-3));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(4.1665795894e-2));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(1.6666665459e-1));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(5.0000001201e-1));
  y = f32x4.add(f32x4.add(f32x4.mul(y, z), x), f32x4.splat(1.0));
  const n = i32x4.trunc_sat_f32x4_s(fx);
  return f32x4.mul(y, i32x4.shl(i32x4.add(n, i32x4.splat(127)), 23));
}

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

// ---- Adam update (one pass instead of about twelve tensor passes) ----------------------------------------------

/**
 * One Adam step over n elements, in the same float32 operations and order as tfjs's AdamOptimizer, so the
 * results are bit-identical: m' = m·b1 + g·c1; v' = v·b2 + (g·g)·c2; w' = ((m'/a1) / (sqrt(v'/a2) + eps))·nlr + w,
 * with c = 1 − b, a = 1 − b^t and nlr = −lr. Writes m', v', w' to their own outputs.
 */
export function adamStep(n: i32, w: usize, m: usize, v: usize, g: usize, b1: f32, c1: f32, b2: f32, c2: f32, a1: f32, a2: f32, eps: f32, nlr: f32, wOut: usize, mOut: usize, vOut: usize): void {
  const B1 = f32x4.splat(b1), C1 = f32x4.splat(c1), B2 = f32x4.splat(b2), C2 = f32x4.splat(c2);
  const A1 = f32x4.splat(a1), A2 = f32x4.splat(a2), E = f32x4.splat(eps), L = f32x4.splat(nlr);
  const vecBytes = <usize>((n >> 2) << 4);
  const bytes = <usize>(n << 2);
  let o: usize = 0;
  for (; o < vecBytes; o += 16) {
    const gv = v128.load(g + o);
    const mn = f32x4.add(f32x4.mul(v128.load(m + o), B1), f32x4.mul(gv, C1));
    const vn = f32x4.add(f32x4.mul(v128.load(v + o), B2), f32x4.mul(f32x4.mul(gv, gv), C2));
    const step = f32x4.mul(f32x4.div(f32x4.div(mn, A1), f32x4.add(f32x4.sqrt(f32x4.div(vn, A2)), E)), L);
    v128.store(wOut + o, f32x4.add(step, v128.load(w + o)));
    v128.store(mOut + o, mn);
    v128.store(vOut + o, vn);
  }
  for (; o < bytes; o += 4) {
    const gs = load<f32>(g + o);
    const mn: f32 = load<f32>(m + o) * b1 + gs * c1;
    const vn: f32 = load<f32>(v + o) * b2 + gs * gs * c2;
    const step: f32 = (mn / a1 / (sqrt<f32>(vn / a2) + eps)) * nlr;
    store<f32>(wOut + o, step + load<f32>(w + o));
    store<f32>(mOut + o, mn);
    store<f32>(vOut + o, vn);
  }
}
