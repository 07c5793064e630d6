// GEMM for dense layers: C(i, j) = epilogue(sum_p A(i, p) * B(p, j)).
//
// Legend: M rows of C, N columns of C, K reduction length.
//   A(i, p) = A[i*rsA + p*csA]  (strided, so X, X^T and W all fit without copies)
//   B(p, j) = B[p*ldb + j]      (row-major; SIMD runs along j)
//   C(i, j) = C[i*rsC + j*csC]  (strided, so the result can be stored transposed)
// All strides are in f32 elements. Pointers are byte addresses in linear memory.
//
// Summation order: every C(i, j) is accumulated in one f32 lane, p = 0..K-1 in
// order, starting at +0, with a separately rounded multiply and add (no FMA).
// That is the scalar loop's order, so the bits do not depend on the tile shape,
// the tails, or how a caller splits M or N between threads.
//
// Over-read: a tile may load up to 3 floats past the last valid column of B.
// Callers leave 16 bytes of slack after every buffer (see src/train/workspace.ts).

/** C = acc */
export const EPI_STORE: i32 = 0;
/** C = acc + bias[j] */
export const EPI_BIAS: i32 = 1;
/** C = max(acc + bias[j], 0): dense layer forward with ReLU */
export const EPI_BIAS_RELU: i32 = 2;
/** C = aux(i, j) > 0 ? acc : 0: input gradient through ReLU (aux is the layer output, strided like C) */
export const EPI_RELU_GRAD: i32 = 3;
/** C = C - lr * acc: weight gradient folded into the SGD update */
export const EPI_SGD: i32 = 4;

// One 5x8 tile of accumulators, row r at TILE + 32 r.
const TILE: usize = memory.data(5 * 8 * 4, 16);

// Register tile 5 x 8 (10 v128 accumulators): the largest that V8 keeps in
// registers with separate mul and add.
function tile5x8(a: usize, rsA: usize, csA: usize, b: usize, ldb: usize, k: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  const rs2 = rsA * 2, rs3 = rsA * 3, rs4 = rsA * 4;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let x = v128.load32_splat(a);
    c00 = f32x4.add(c00, f32x4.mul(x, b0)); c01 = f32x4.add(c01, f32x4.mul(x, b1));
    x = v128.load32_splat(a + rsA);
    c10 = f32x4.add(c10, f32x4.mul(x, b0)); c11 = f32x4.add(c11, f32x4.mul(x, b1));
    x = v128.load32_splat(a + rs2);
    c20 = f32x4.add(c20, f32x4.mul(x, b0)); c21 = f32x4.add(c21, f32x4.mul(x, b1));
    x = v128.load32_splat(a + rs3);
    c30 = f32x4.add(c30, f32x4.mul(x, b0)); c31 = f32x4.add(c31, f32x4.mul(x, b1));
    x = v128.load32_splat(a + rs4);
    c40 = f32x4.add(c40, f32x4.mul(x, b0)); c41 = f32x4.add(c41, f32x4.mul(x, b1));
    a += csA;
    b += ldb;
  }
  v128.store(TILE, c00); v128.store(TILE, c01, 16);
  v128.store(TILE, c10, 32); v128.store(TILE, c11, 48);
  v128.store(TILE, c20, 64); v128.store(TILE, c21, 80);
  v128.store(TILE, c30, 96); v128.store(TILE, c31, 112);
  v128.store(TILE, c40, 128); v128.store(TILE, c41, 144);
}

function tile5x4(a: usize, rsA: usize, csA: usize, b: usize, ldb: usize, k: i32): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0);
  let c3 = f32x4.splat(0), c4 = f32x4.splat(0);
  const rs2 = rsA * 2, rs3 = rsA * 3, rs4 = rsA * 4;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(b);
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(a), b0));
    c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(a + rsA), b0));
    c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(a + rs2), b0));
    c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(a + rs3), b0));
    c4 = f32x4.add(c4, f32x4.mul(v128.load32_splat(a + rs4), b0));
    a += csA;
    b += ldb;
  }
  v128.store(TILE, c0); v128.store(TILE, c1, 32); v128.store(TILE, c2, 64);
  v128.store(TILE, c3, 96); v128.store(TILE, c4, 128);
}

function tile1x8(a: usize, csA: usize, b: usize, ldb: usize, k: i32): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
  for (let p = 0; p < k; p++) {
    const x = v128.load32_splat(a);
    c0 = f32x4.add(c0, f32x4.mul(x, v128.load(b)));
    c1 = f32x4.add(c1, f32x4.mul(x, v128.load(b, 16)));
    a += csA;
    b += ldb;
  }
  v128.store(TILE, c0); v128.store(TILE, c1, 16);
}

function tile1x4(a: usize, csA: usize, b: usize, ldb: usize, k: i32): void {
  let c0 = f32x4.splat(0);
  for (let p = 0; p < k; p++) {
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(a), v128.load(b)));
    a += csA;
    b += ldb;
  }
  v128.store(TILE, c0);
}

// Applies the epilogue to the valid rows x cols of TILE at C(i, j).
function epilogue(
  c: usize, rsC: i32, csC: i32, i: i32, j: i32, rows: i32, cols: i32,
  epi: i32, bias: usize, aux: usize, lr: f32,
): void {
  for (let r = 0; r < rows; r++) {
    for (let s = 0; s < cols; s++) {
      const acc = load<f32>(TILE + ((r * 8 + s) << 2));
      const off = <usize>(((i + r) * rsC + (j + s) * csC) << 2);
      let v: f32;
      if (epi == EPI_STORE) v = acc;
      else if (epi == EPI_BIAS) v = acc + load<f32>(bias + ((j + s) << 2));
      else if (epi == EPI_BIAS_RELU) v = max<f32>(acc + load<f32>(bias + ((j + s) << 2)), 0);
      else if (epi == EPI_RELU_GRAD) v = load<f32>(aux + off) > 0 ? acc : 0;
      else v = load<f32>(c + off) - lr * acc;
      store<f32>(c + off, v);
    }
  }
}

/**
 * Strided GEMM with a fused epilogue. Called by the host for every dense
 * product of a training step (forward, input gradient, weight gradient), a few
 * times per minibatch.
 */
export function gemm(
  M: i32, N: i32, K: i32,
  a: usize, rsA: i32, csA: i32,
  b: usize, ldb: i32,
  c: usize, rsC: i32, csC: i32,
  epi: i32, bias: usize, aux: usize, lr: f32,
): void {
  const rsAb = <usize>rsA << 2, csAb = <usize>csA << 2, ldbb = <usize>ldb << 2;
  for (let j = 0; j < N; j += 8) {
    const cols = min(8, N - j);
    const bj = b + (<usize>j << 2);
    let i = 0;
    for (; i + 5 <= M; i += 5) {
      const ai = a + <usize>i * rsAb;
      if (cols > 4) tile5x8(ai, rsAb, csAb, bj, ldbb, K);
      else tile5x4(ai, rsAb, csAb, bj, ldbb, K);
      epilogue(c, rsC, csC, i, j, 5, cols, epi, bias, aux, lr);
    }
    for (; i < M; i++) {
      const ai = a + <usize>i * rsAb;
      if (cols > 4) tile1x8(ai, csAb, bj, ldbb, K);
      else tile1x4(ai, csAb, bj, ldbb, K);
      epilogue(c, rsC, csC, i, j, 1, cols, epi, bias, aux, lr);
    }
  }
}

/**
 * dst [cols x rows] = src [rows x cols]^T, both row-major. Used once per
 * hidden layer per minibatch to lay the (small) logit/activation gradient out
 * as the B operand of the input-gradient product.
 */
export function transpose(src: usize, rows: i32, cols: i32, dst: usize): void {
  for (let r = 0; r < rows; r++) {
    const s = src + (<usize>r * <usize>cols << 2);
    for (let c = 0; c < cols; c++) {
      store<f32>(dst + ((<usize>c * <usize>rows + <usize>r) << 2), load<f32>(s + (<usize>c << 2)));
    }
  }
}
