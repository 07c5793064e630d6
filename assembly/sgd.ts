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

/**
 * bias[j] -= lr * sum_r dZ[r, j], the sum taken over r in order.
 * dZ f32 [R x N], bias f32 [N]. Called once per layer per minibatch.
 */
export function biasStep(R: i32, N: i32, dZ: usize, bias: usize, lr: f32): void {
  const lrv = f32x4.splat(lr);
  const ld = <usize>N << 2;
  let j = 0;
  for (; j + 4 <= N; j += 4) {
    let s = f32x4.splat(0);
    let p = dZ + (<usize>j << 2);
    for (let r = 0; r < R; r++) {
      s = f32x4.add(s, v128.load(p));
      p += ld;
    }
    const b = bias + (<usize>j << 2);
    v128.store(b, f32x4.sub(v128.load(b), f32x4.mul(lrv, s)));
  }
  for (; j < N; j++) {
    let s: f32 = 0;
    let p = dZ + (<usize>j << 2);
    for (let r = 0; r < R; r++) {
      s += load<f32>(p);
      p += ld;
    }
    const b = bias + (<usize>j << 2);
    store<f32>(b, load<f32>(b) - lr * s);
  }
}
