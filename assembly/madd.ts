// The one multiply-add of every kernel's inner loop.
//
// Default builds: c + a * b with two roundings, plain deterministic SIMD, the
// same bits on every machine. The fast build (asconfig target "fast",
// --kernels fast) enables relaxed SIMD and uses relaxed_madd, which is a fused
// multiply-add on machines that have one and mul + add elsewhere: faster, but
// its bits may differ between machines. ASC_FEATURE_RELAXED_SIMD is a
// compile-time constant, so each build contains only one of the two.

// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}
