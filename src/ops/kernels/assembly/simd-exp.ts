// Part of the kernel module whose entry is src/ops/kernels/assembly/index.ts (see there for how it is built and used).

// exp on four lanes: Cephes' single-precision expf (range reduction by ln 2 in two parts, degree-6 polynomial,
// scaling by 2^n through the exponent bits), about 1 ulp. Inputs are clamped to [-87.3, 88.3] so that 2^n stays
// a normal float; softmax only feeds it values <= 0.
// @ts-ignore: decorator
@inline export function expV(v: v128): v128 {
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
