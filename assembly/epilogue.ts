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

/** The value to store at c + off for four sums `acc`, the bias at `biasAt`; lrv holds lr in every lane. */
// @ts-ignore: decorator
@inline export function finishVector(acc: v128, epi: i32, c: usize, off: usize, biasAt: usize, reluOut: usize, lrv: v128): v128 {
  // reluOut > 0 ? acc : +0, as a mask: the same bits as the scalar select.
  if (epi == EPI_RELU_GRAD) return v128.and(acc, f32x4.gt(v128.load(reluOut + off), f32x4.splat(0)));
  if (epi == EPI_SGD) return f32x4.sub(v128.load(c + off), f32x4.mul(lrv, acc));
  if (epi == EPI_STORE) return acc;
  const v = f32x4.add(acc, v128.load(biasAt));
  return epi == EPI_BIAS_RELU ? f32x4.max(v, f32x4.splat(0)) : v;
}

/** finishVector for one element: the same operations in f32, so a column gets the same bits either way. */
// @ts-ignore: decorator
@inline export function finishScalar(acc: f32, epi: i32, c: usize, off: usize, biasAt: usize, reluOut: usize, lr: f32): f32 {
  if (epi == EPI_RELU_GRAD) return load<f32>(reluOut + off) > 0 ? acc : 0;
  if (epi == EPI_SGD) return load<f32>(c + off) - lr * acc;
  if (epi == EPI_STORE) return acc;
  const v = acc + load<f32>(biasAt);
  return epi == EPI_BIAS_RELU ? max<f32>(v, 0) : v;
}
