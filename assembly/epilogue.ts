// What a product does with its finished sums before they reach C: the
// epilogues gemm (matmul.ts) and gemmOverLists (listgemm.ts) share, one vector or
// one element at a time. The codes are read by the host (src/train/kernels.ts).
//
// Addresses: C(i, j) at c + off (off in bytes), its bias at bias + 4 j, and
// for EPI_RELU_GRAD the ReLU output at reluOut + off (the same layout as C).

/** C = acc */
export const EPI_STORE: i32 = 0;
/** C = acc + bias[j] */
export const EPI_BIAS: i32 = 1;
/** C = max(acc + bias[j], 0): dense layer forward with ReLU */
export const EPI_BIAS_RELU: i32 = 2;
/** C = reluOut(i, j) > 0 ? acc : 0: input gradient through the ReLU whose output is reluOut */
export const EPI_RELU_GRAD: i32 = 3;
/** C = C - lr * acc: the weight gradient folded into the SGD update */
export const EPI_SGD: i32 = 4;
// The smooth activations of the condensation study (tanh x, x tanh x, x^2 tanh x:
// multiplicity 1, 2, 3 at the origin). Forward: z = acc + bias[j] is kept at
// reluOut + off (the pre-activation, which the backward pass needs: x tanh x
// cannot be inverted from its output) and C = f(z). Backward: C = acc * f'(z),
// z read at reluOut + off. Each lane through the same f32 scalar function, so a
// column gets the same bits by either path; tanh is AssemblyScript's own
// (musl's tanhf in wasm), the same bits in every engine.
/** C = tanh(z), z = acc + bias[j] kept at reluOut */
export const EPI_BIAS_TANH: i32 = 5;
/** C = z tanh(z) */
export const EPI_BIAS_XTANH: i32 = 6;
/** C = z^2 tanh(z) */
export const EPI_BIAS_X2TANH: i32 = 7;
/** C = acc (1 - tanh(z)^2) */
export const EPI_TANH_GRAD: i32 = 8;
/** C = acc (tanh(z) + z (1 - tanh(z)^2)) */
export const EPI_XTANH_GRAD: i32 = 9;
/** C = acc (2 z tanh(z) + z^2 (1 - tanh(z)^2)) */
export const EPI_X2TANH_GRAD: i32 = 10;

/** f(z) of the forward code `epi` (EPI_BIAS_TANH .. EPI_BIAS_X2TANH). */
// @ts-ignore: decorator
@inline function activate(epi: i32, z: f32): f32 {
  const t = Mathf.tanh(z);
  if (epi == EPI_BIAS_TANH) return t;
  if (epi == EPI_BIAS_XTANH) return z * t;
  return z * z * t;
}

/** f'(z) of the backward code `epi` (EPI_TANH_GRAD .. EPI_X2TANH_GRAD). */
// @ts-ignore: decorator
@inline function slope(epi: i32, z: f32): f32 {
  const t = Mathf.tanh(z);
  const s: f32 = 1 - t * t;
  if (epi == EPI_TANH_GRAD) return s;
  if (epi == EPI_XTANH_GRAD) return t + z * s;
  return 2 * z * t + z * z * s;
}

/** One element of a smooth-activation epilogue: forward (keeps z at zAt) or backward (reads z at zAt). */
// @ts-ignore: decorator
@inline function smooth(acc: f32, epi: i32, biasAt: usize, zAt: usize): f32 {
  if (epi >= EPI_TANH_GRAD) return acc * slope(epi, load<f32>(zAt));
  const z = acc + load<f32>(biasAt);
  store<f32>(zAt, z);
  return activate(epi, z);
}

/** The value to store at c + off for four sums `acc`, the bias at `biasAt`; lrv holds lr in every lane. */
// @ts-ignore: decorator
@inline export function finishVector(acc: v128, epi: i32, c: usize, off: usize, biasAt: usize, reluOut: usize, lrv: v128): v128 {
  // reluOut > 0 ? acc : +0, as a mask: the same bits as the scalar select.
  if (epi == EPI_RELU_GRAD) return v128.and(acc, f32x4.gt(v128.load(reluOut + off), f32x4.splat(0)));
  if (epi == EPI_SGD) return f32x4.sub(v128.load(c + off), f32x4.mul(lrv, acc));
  if (epi == EPI_STORE) return acc;
  // Last, and out of line: the smooth activations must not change how the ReLU products compile.
  if (epi >= EPI_BIAS_TANH) return smoothVector(acc, epi, biasAt, reluOut + off);
  const v = f32x4.add(acc, v128.load(biasAt));
  return epi == EPI_BIAS_RELU ? f32x4.max(v, f32x4.splat(0)) : v;
}

/** A smooth activation's epilogue on four sums, lane by lane through the scalar function (no vector tanh; the same bits as finishScalar). */
function smoothVector(acc: v128, epi: i32, biasAt: usize, zAt: usize): v128 {
  let out = f32x4.splat(0);
  out = f32x4.replace_lane(out, 0, smooth(f32x4.extract_lane(acc, 0), epi, biasAt, zAt));
  out = f32x4.replace_lane(out, 1, smooth(f32x4.extract_lane(acc, 1), epi, biasAt + 4, zAt + 4));
  out = f32x4.replace_lane(out, 2, smooth(f32x4.extract_lane(acc, 2), epi, biasAt + 8, zAt + 8));
  out = f32x4.replace_lane(out, 3, smooth(f32x4.extract_lane(acc, 3), epi, biasAt + 12, zAt + 12));
  return out;
}

/** finishVector for one element: the same operations in f32, so a column gets the same bits either way. */
// @ts-ignore: decorator
@inline export function finishScalar(acc: f32, epi: i32, c: usize, off: usize, biasAt: usize, reluOut: usize, lr: f32): f32 {
  if (epi == EPI_RELU_GRAD) return load<f32>(reluOut + off) > 0 ? acc : 0;
  if (epi == EPI_SGD) return load<f32>(c + off) - lr * acc;
  if (epi == EPI_STORE) return acc;
  if (epi >= EPI_BIAS_TANH) return smoothScalar(acc, epi, biasAt, reluOut + off);
  const v = acc + load<f32>(biasAt);
  return epi == EPI_BIAS_RELU ? max<f32>(v, 0) : v;
}

/** smooth, out of line for finishScalar's callers. */
function smoothScalar(acc: f32, epi: i32, biasAt: usize, zAt: usize): f32 {
  return smooth(acc, epi, biasAt, zAt);
}
