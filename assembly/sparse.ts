// The first layer on sparse inputs (MNIST pixels are ~80% exact zeros).
//
// Legend: R rows of the minibatch, D input features, N first-layer width.
//   pixels: u8 [R x D] row-major, W: f32 [D x N], out/dZ: f32 [R x N].
// Compressed lists built once per minibatch from the u8 pixels:
//   rows: rowStart i32[R + 1], colIdx i32[nnz], rowVal f32[nnz]  (CSR, k ascending)
//   cols: colStart i32[D + 1], rowIdx i32[nnz], colVal f32[nnz]  (CSC, b ascending)
// Values are f32(u8) / 255, the same bits scaleU8 gives.
//
// Exactness: the dense kernels add x * w for every k in order; for x == +0 and
// finite w that adds a signed zero to an accumulator that is never -0 (it
// starts at +0), which changes nothing. Skipping those terms therefore gives
// the dense path's bits exactly (tested). With non-finite weights (a diverged
// run) 0 * inf = NaN would differ; such runs stop at the first non-finite loss.

/** Builds the CSR lists of a minibatch; called once per minibatch. Returns nnz. */
export function buildRowLists(
  pixels: usize, R: i32, D: i32, rowStart: usize, colIdx: usize, rowVal: usize,
): i32 {
  let nnz = 0;
  for (let r = 0; r < R; r++) {
    store<i32>(rowStart + (<usize>r << 2), nnz);
    const row = pixels + <usize>r * <usize>D;
    for (let k = 0; k < D; k++) {
      const v = load<u8>(row + <usize>k);
      if (v != 0) {
        store<i32>(colIdx + (<usize>nnz << 2), k);
        store<f32>(rowVal + (<usize>nnz << 2), <f32>v / 255);
        nnz++;
      }
    }
  }
  store<i32>(rowStart + (<usize>R << 2), nnz);
  return nnz;
}

/** Builds the CSC lists of a minibatch (colStart needs D + 1 slots); called once per minibatch. */
export function buildColLists(
  pixels: usize, R: i32, D: i32, colStart: usize, rowIdx: usize, colVal: usize,
): i32 {
  memory.fill(colStart, 0, (<usize>D + 1) << 2);
  for (let r = 0; r < R; r++) {
    const row = pixels + <usize>r * <usize>D;
    for (let k = 0; k < D; k++) {
      if (load<u8>(row + <usize>k) != 0) {
        const slot = colStart + (<usize>(k + 1) << 2);
        store<i32>(slot, load<i32>(slot) + 1);
      }
    }
  }
  for (let k = 0; k < D; k++) {
    const slot = colStart + (<usize>(k + 1) << 2);
    store<i32>(slot, load<i32>(slot) + load<i32>(slot - 4));
  }
  // Fill in ascending r; colStart[k] walks forward and is restored below.
  for (let r = 0; r < R; r++) {
    const row = pixels + <usize>r * <usize>D;
    for (let k = 0; k < D; k++) {
      const v = load<u8>(row + <usize>k);
      if (v != 0) {
        const slot = colStart + (<usize>k << 2);
        const q = load<i32>(slot);
        store<i32>(rowIdx + (<usize>q << 2), r);
        store<f32>(colVal + (<usize>q << 2), <f32>v / 255);
        store<i32>(slot, q + 1);
      }
    }
  }
  for (let k = D; k > 0; k--) {
    store<i32>(colStart + (<usize>k << 2), load<i32>(colStart + (<usize>(k - 1) << 2)));
  }
  store<i32>(colStart, 0);
  return load<i32>(colStart + (<usize>D << 2));
}

/**
 * out = max(X W + bias, 0) (or without the max when relu == 0) using only the
 * nonzero inputs of each row. Called once per minibatch for the first layer.
 */
export function sparseForward(
  R: i32, N: i32, rowStart: usize, colIdx: usize, rowVal: usize,
  W: usize, bias: usize, out: usize, relu: i32,
): void {
  const ldw = <usize>N << 2;
  const zero = f32x4.splat(0);
  for (let r = 0; r < R; r++) {
    const q0 = load<i32>(rowStart + (<usize>r << 2));
    const q1 = load<i32>(rowStart + (<usize>(r + 1) << 2));
    const outRow = out + <usize>r * ldw;
    let j = 0;
    for (; j + 16 <= N; j += 16) {
      let c0 = zero, c1 = zero, c2 = zero, c3 = zero;
      const wj = W + (<usize>j << 2);
      for (let q = q0; q < q1; q++) {
        const x = v128.load32_splat(rowVal + (<usize>q << 2));
        const w = wj + <usize>load<i32>(colIdx + (<usize>q << 2)) * ldw;
        c0 = f32x4.add(c0, f32x4.mul(x, v128.load(w)));
        c1 = f32x4.add(c1, f32x4.mul(x, v128.load(w, 16)));
        c2 = f32x4.add(c2, f32x4.mul(x, v128.load(w, 32)));
        c3 = f32x4.add(c3, f32x4.mul(x, v128.load(w, 48)));
      }
      const bj = bias + (<usize>j << 2);
      c0 = f32x4.add(c0, v128.load(bj)); c1 = f32x4.add(c1, v128.load(bj, 16));
      c2 = f32x4.add(c2, v128.load(bj, 32)); c3 = f32x4.add(c3, v128.load(bj, 48));
      if (relu) {
        c0 = f32x4.max(c0, zero); c1 = f32x4.max(c1, zero);
        c2 = f32x4.max(c2, zero); c3 = f32x4.max(c3, zero);
      }
      const o = outRow + (<usize>j << 2);
      v128.store(o, c0); v128.store(o, c1, 16); v128.store(o, c2, 32); v128.store(o, c3, 48);
    }
    for (; j < N; j += 4) {
      let c0 = zero;
      const wj = W + (<usize>j << 2);
      for (let q = q0; q < q1; q++) {
        const x = v128.load32_splat(rowVal + (<usize>q << 2));
        c0 = f32x4.add(c0, f32x4.mul(x, v128.load(wj + <usize>load<i32>(colIdx + (<usize>q << 2)) * ldw)));
      }
      const lanes = min(4, N - j);
      for (let s = 0; s < lanes; s++) {
        const acc = load<f32>(TAIL_SLOT(c0, s));
        let v = acc + load<f32>(bias + (<usize>(j + s) << 2));
        if (relu) v = max<f32>(v, 0);
        store<f32>(outRow + (<usize>(j + s) << 2), v);
      }
    }
  }
}

// Spills a vector to a scratch slot and returns the byte address of lane s.
const LANES: usize = memory.data(16, 16);
// @ts-ignore: decorator
@inline function TAIL_SLOT(v: v128, s: i32): usize {
  v128.store(LANES, v);
  return LANES + (<usize>s << 2);
}

/**
 * W -= lr * X^T dZ for the first layer, visiting only the (k, b) pairs with a
 * nonzero input; rows of W whose input is zero in the whole minibatch are not
 * touched (their gradient is exactly zero). Called once per minibatch.
 */
export function sparseWeightStep(
  D: i32, N: i32, colStart: usize, rowIdx: usize, colVal: usize,
  dZ: usize, W: usize, lr: f32,
): void {
  const ld = <usize>N << 2;
  const zero = f32x4.splat(0);
  const lrv = f32x4.splat(lr);
  for (let k = 0; k < D; k++) {
    const q0 = load<i32>(colStart + (<usize>k << 2));
    const q1 = load<i32>(colStart + (<usize>(k + 1) << 2));
    if (q0 == q1) continue;
    const wRow = W + <usize>k * ld;
    let j = 0;
    for (; j + 16 <= N; j += 16) {
      let c0 = zero, c1 = zero, c2 = zero, c3 = zero;
      const dj = dZ + (<usize>j << 2);
      for (let q = q0; q < q1; q++) {
        const x = v128.load32_splat(colVal + (<usize>q << 2));
        const g = dj + <usize>load<i32>(rowIdx + (<usize>q << 2)) * ld;
        c0 = f32x4.add(c0, f32x4.mul(x, v128.load(g)));
        c1 = f32x4.add(c1, f32x4.mul(x, v128.load(g, 16)));
        c2 = f32x4.add(c2, f32x4.mul(x, v128.load(g, 32)));
        c3 = f32x4.add(c3, f32x4.mul(x, v128.load(g, 48)));
      }
      const w = wRow + (<usize>j << 2);
      v128.store(w, f32x4.sub(v128.load(w), f32x4.mul(lrv, c0)));
      v128.store(w, f32x4.sub(v128.load(w, 16), f32x4.mul(lrv, c1)), 16);
      v128.store(w, f32x4.sub(v128.load(w, 32), f32x4.mul(lrv, c2)), 32);
      v128.store(w, f32x4.sub(v128.load(w, 48), f32x4.mul(lrv, c3)), 48);
    }
    for (; j < N; j += 4) {
      let c0 = zero;
      const dj = dZ + (<usize>j << 2);
      for (let q = q0; q < q1; q++) {
        const x = v128.load32_splat(colVal + (<usize>q << 2));
        c0 = f32x4.add(c0, f32x4.mul(x, v128.load(dj + <usize>load<i32>(rowIdx + (<usize>q << 2)) * ld)));
      }
      const lanes = min(4, N - j);
      for (let s = 0; s < lanes; s++) {
        const acc = load<f32>(TAIL_SLOT(c0, s));
        const w = wRow + (<usize>(j + s) << 2);
        store<f32>(w, load<f32>(w) - lr * acc);
      }
    }
  }
}
