// The optimiser kernel.
// Part of the kernel module whose entry is src/ops/kernels/assembly/index.ts (see there for how it is built and used).

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
