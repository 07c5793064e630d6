// Plain SGD: w <- w - lr * g (no momentum, no decay), f32 throughout.
// Legend: count parameters; R rows of the minibatch, N columns.

/** w -= lr * g over count floats. Used for unfused updates; the hot loop folds the
 *  weight update into the gradient GEMM (EPI_SGD). */
export function sgdUpdate(w: usize, g: usize, count: i32, lr: f32): void {
  const lrv = f32x4.splat(lr);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const o = <usize>i << 2;
    v128.store(w + o, f32x4.sub(v128.load(w + o), f32x4.mul(lrv, v128.load(g + o))));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(w + o, load<f32>(w + o) - lr * load<f32>(g + o));
  }
}

/** sum_r dZ[r, j..j+3] over r in order: dZ f32 [R x N], ld its row stride in bytes. */
// @ts-ignore: decorator
@inline function columnSums4(R: i32, dZ: usize, j: i32, ld: usize): v128 {
  let s = f32x4.splat(0);
  let p = dZ + (<usize>j << 2);
  for (let r = 0; r < R; r++) {
    s = f32x4.add(s, v128.load(p));
    p += ld;
  }
  return s;
}

/** sum_r dZ[r, j] over r in order, in f32: the same bits as one lane of columnSums4. */
// @ts-ignore: decorator
@inline function columnSum(R: i32, dZ: usize, j: i32, ld: usize): f32 {
  let s: f32 = 0;
  let p = dZ + (<usize>j << 2);
  for (let r = 0; r < R; r++) {
    s += load<f32>(p);
    p += ld;
  }
  return s;
}

/**
 * bias[j] -= lr * sum_r dZ[r, j], the sum taken over r in order.
 * dZ f32 [R x N], bias f32 [N]. Called once per layer per minibatch.
 */
export function biasStep(R: i32, N: i32, dZ: usize, bias: usize, lr: f32): void {
  const lrv = f32x4.splat(lr);
  const ld = <usize>N << 2;
  let j = 0;
  for (; j + 4 <= N; j += 4) {
    const b = bias + (<usize>j << 2);
    v128.store(b, f32x4.sub(v128.load(b), f32x4.mul(lrv, columnSums4(R, dZ, j, ld))));
  }
  for (; j < N; j++) {
    const b = bias + (<usize>j << 2);
    store<f32>(b, load<f32>(b) - lr * columnSum(R, dZ, j, ld));
  }
}

/** g[j] = sum_r dZ[r, j]: the bias gradient alone, summed as biasStep sums it. */
export function biasGradient(R: i32, N: i32, dZ: usize, g: usize): void {
  const ld = <usize>N << 2;
  let j = 0;
  for (; j + 4 <= N; j += 4) v128.store(g + (<usize>j << 2), columnSums4(R, dZ, j, ld));
  for (; j < N; j++) store<f32>(g + (<usize>j << 2), columnSum(R, dZ, j, ld));
}
