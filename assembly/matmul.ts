import { finishScalar, finishVector } from "./epilogue";
import { madd } from "./madd";
import { transposeColumns4 } from "./transpose";

// GEMM for dense layers: C(i, j) = epilogue(sum_p A(i, p) * B(p, j)).
//
// Legend: M rows of C, N columns of C, K reduction length.
//   A(i, p) = A[i*rsA + p*csA]   B(p, j) = B[p*rsB + j*csB]   (any strides, so
//   X, X^T, W and W^T are all read in place)
//   C(i, j) = C[i*ldc + j]        row-major; reluOut (EPI_RELU_GRAD) has the same layout
// Strides are in f32 elements; pointers are byte addresses in linear memory.
//
// Packing: B is copied once per call into blocks of 8 columns, [K x 8] each
// (columns past N zero); A one panel of 5 rows at a time, interleaved and
// each element broadcast to a vector ([K x 5] vectors, rows past M zero).
// The micro-kernel then streams two contiguous buffers whatever the
// original strides, which is what makes the transposed forms as fast as the
// plain one.
//
// Summation order: every C(i, j) is accumulated in one f32 lane, p = 0..K-1 in
// order, starting at +0, with a separately rounded multiply and add (no FMA;
// the opt-in fast build fuses them, see madd.ts).
// That is the scalar loop's order, so the bits do not depend on the tile shape,
// on padding, or on how a caller splits M or N between threads.

/** Rows of the register tile (the packed A panel height). */
export const MR = 5;
/** Columns of the register tile (the packed B block width); read by the host to size packing scratch. */
export const NR = 8;
/** Floats per packed element of A: each is stored broadcast to a whole vector. */
const A_SPLAT = 4;
// Bytes of one step of k in a packed A panel (MR broadcast vectors) and in a packed B block.
const A_STEP: usize = MR * A_SPLAT * 4;
const B_STEP: usize = NR * 4;

// One MR x NR tile of accumulators, row r at TILE + 32 r.
const TILE: usize = memory.data(MR * NR * 4, 16);

// Register tile 5 x 8 (10 v128 accumulators) with a pointer-bounded loop.
// A's panel is packed pre-broadcast ([K x 5] vectors, each one value in all
// four lanes), so every operand is a plain vector load: V8 compiles
// load32_splat with an extra address computation, and at the dispatch width
// that limits this loop every instruction counts (measured: 5 x 8 over
// pre-broadcast A beats 4 x 8 with splats by ~15% in both builds; 6 x 8
// spills). ap: packed A panel, bp: packed B block [K x 8]. Exported only so
// that Binaryen keeps it a separate function: inlined into gemm's loops, V8
// spills.
/** Micro-kernel, called by gemm once per 5 x 8 output tile; exported for benchmarks. */
export function tile5x8(ap: usize, bp: usize, k: i32): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00, c40 = c00, c41 = c00;
  const end = ap + <usize>k * A_STEP;
  while (ap < end) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let x = v128.load(ap);
    c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load(ap, 16);
    c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load(ap, 32);
    c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load(ap, 48);
    c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    x = v128.load(ap, 64);
    c40 = madd(x, b0, c40); c41 = madd(x, b1, c41);
    ap += A_STEP;
    bp += B_STEP;
  }
  v128.store(TILE, c00); v128.store(TILE, c01, 16);
  v128.store(TILE, c10, 32); v128.store(TILE, c11, 48);
  v128.store(TILE, c20, 64); v128.store(TILE, c21, 80);
  v128.store(TILE, c30, 96); v128.store(TILE, c31, 112);
  v128.store(TILE, c40, 128); v128.store(TILE, c41, 144);
}

// The 4-column variant for a last block of at most 4 columns (narrow layers).
/** Micro-kernel, called by gemm once per 5 x 4 output tile; exported for the same reason as tile5x8. */
export function tile5x4(ap: usize, bp: usize, k: i32): void {
  let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0, c4 = c0;
  const end = ap + <usize>k * A_STEP;
  while (ap < end) {
    const b0 = v128.load(bp);
    c0 = madd(v128.load(ap), b0, c0);
    c1 = madd(v128.load(ap, 16), b0, c1);
    c2 = madd(v128.load(ap, 32), b0, c2);
    c3 = madd(v128.load(ap, 48), b0, c3);
    c4 = madd(v128.load(ap, 64), b0, c4);
    ap += A_STEP;
    bp += B_STEP;
  }
  v128.store(TILE, c0); v128.store(TILE, c1, 32); v128.store(TILE, c2, 64); v128.store(TILE, c3, 96); v128.store(TILE, c4, 128);
}

// Packs MR rows of A, A(l, p) = src[first + l * across + p * along] (byte
// strides), into dst [K x MR] vectors, each element broadcast to 4 lanes;
// rows past `valid` (padding) are zero. Each row is a single stream, so any
// stride reads in order; copies move bits unchanged.
function packA(valid: i32, K: i32, first: usize, across: usize, along: usize, dst: usize): void {
  const stride = A_STEP;
  const zero = f32x4.splat(0);
  for (let l = 0; l < MR; l++) {
    let out = dst + (<usize>l << 4);
    const end = out + <usize>K * stride;
    if (l >= valid) {
      while (out < end) { v128.store(out, zero); out += stride; }
      continue;
    }
    let src = first + <usize>l * across;
    if (along == 4) {
      // Contiguous along p: one load feeds four broadcasts.
      const end4 = out + <usize>(K & ~3) * stride;
      while (out < end4) {
        const v = v128.load(src);
        v128.store(out, v128.shuffle<i32>(v, v, 0, 0, 0, 0));
        v128.store(out + stride, v128.shuffle<i32>(v, v, 1, 1, 1, 1));
        v128.store(out + 2 * stride, v128.shuffle<i32>(v, v, 2, 2, 2, 2));
        v128.store(out + 3 * stride, v128.shuffle<i32>(v, v, 3, 3, 3, 3));
        src += 16; out += 4 * stride;
      }
    }
    while (out < end) {
      v128.store(out, v128.load32_splat(src));
      src += along; out += stride;
    }
  }
}

// Packs NR columns of B, B(p, l) = src[first + l * across + p * along] (byte
// strides), into dst [K x NR]; columns past `valid` (padding) are zero. Two
// layouts get whole-vector paths, covering every full block of the training
// step: columns adjacent in memory (across == 4: W and dZ) are copied a
// vector at a time; columns contiguous along p (along == 4: W^T) are
// transposed 4 x 4 in registers. Copies move bits unchanged, so the paths
// are interchangeable.
function packB(valid: i32, K: i32, first: usize, across: usize, along: usize, dst: usize): void {
  const stride = B_STEP;
  if (valid == NR && across == 4) {
    let src = first, out = dst;
    const end = dst + <usize>K * stride;
    while (out < end) {
      v128.store(out, v128.load(src));
      v128.store(out, v128.load(src, 16), 16);
      src += along; out += stride;
    }
    return;
  }
  if (valid == NR && along == 4) {
    for (let g = 0; g < NR; g += 4) transposeColumns4(first + <usize>g * across, across, K, dst + (<usize>g << 2), stride);
    return;
  }
  for (let l = 0; l < NR; l++) {
    let out = dst + (<usize>l << 2);
    if (l >= valid) {
      for (let p = 0; p < K; p++) { store<f32>(out, 0); out += stride; }
      continue;
    }
    let src = first + <usize>l * across;
    for (let p = 0; p < K; p++) {
      store<f32>(out, load<f32>(src));
      src += along;
      out += stride;
    }
  }
}

// Applies the epilogue (epilogue.ts) to the valid rows x cols of TILE at C(i, j).
function epilogue(
  c: usize, ldc: i32, i: i32, j: i32, rows: i32, cols: i32,
  epi: i32, bias: usize, reluOut: usize, lr: f32,
): void {
  const bj = bias + (<usize>j << 2);
  if (cols == NR) {
    // Full-width rows: whole vectors.
    const lrv = f32x4.splat(lr);
    for (let r = 0; r < rows; r++) {
      const t = TILE + (<usize>r << 5);
      const off = (<usize>(i + r) * <usize>ldc + <usize>j) << 2;
      const v0 = finishVector(v128.load(t), epi, c, off, bj, reluOut, lrv);
      const v1 = finishVector(v128.load(t, 16), epi, c, off + 16, bj + 16, reluOut, lrv);
      v128.store(c + off, v0);
      v128.store(c + off, v1, 16);
    }
    return;
  }
  for (let r = 0; r < rows; r++) {
    for (let s = 0; s < cols; s++) {
      const off = (<usize>(i + r) * <usize>ldc + <usize>(j + s)) << 2;
      store<f32>(c + off, finishScalar(load<f32>(TILE + ((r * NR + s) << 2)), epi, c, off, bj + (<usize>s << 2), reluOut, lr));
    }
  }
}

/** Floats of packed-A scratch gemm needs for reduction length K: one panel of MR rows (the host sizes its buffer with this). */
export function packedAFloats(K: i32): i32 {
  return MR * K * A_SPLAT;
}

/** Floats of packed-B scratch gemm needs for N columns and reduction length K: all of B, in blocks of NR columns. */
export function packedBFloats(N: i32, K: i32): i32 {
  return (N + NR - 1) / NR * NR * K;
}

/**
 * Strided GEMM with a fused epilogue. Called by the host for every dense
 * product of a training step (forward, input gradient, weight gradient).
 * packedA needs packedAFloats(K) floats, packedB packedBFloats(N, K).
 */
export function gemm(
  M: i32, N: i32, K: i32,
  a: usize, rsA: i32, csA: i32,
  b: usize, rsB: i32, csB: i32,
  c: usize, ldc: i32,
  epi: i32, bias: usize, reluOut: usize, lr: f32,
  packedA: usize, packedB: usize,
): void {
  // All of B first, as blocks of NR columns [K x NR]; then one panel of A
  // at a time ([K x MR] broadcast vectors, in L1) meets every block. The
  // other order (A packed whole, streamed once per block of B from L3 at
  // the wide layers) measured 1-7% slower, most in the weight gradient.
  // Every epilogue writes C after all of B is packed, so C may be B's
  // neighbour but never B itself. (Blocking K for the caches was measured
  // and gained nothing at these sizes.)
  const blockBytes = <usize>K * B_STEP;
  for (let j = 0; j < N; j += NR) {
    packB(min(NR, N - j), K, b + (<usize>j * <usize>csB << 2), <usize>csB << 2, <usize>rsB << 2, packedB + <usize>(j / NR) * blockBytes);
  }
  for (let i = 0; i < M; i += MR) {
    const rows = min(MR, M - i);
    packA(rows, K, a + (<usize>i * <usize>rsA << 2), <usize>rsA << 2, <usize>csA << 2, packedA);
    let bp = packedB;
    for (let j = 0; j < N; j += NR) {
      const cols = min(NR, N - j);
      if (cols > 4) tile5x8(packedA, bp, K);
      else tile5x4(packedA, bp, K);
      epilogue(c, ldc, i, j, rows, cols, epi, bias, reluOut, lr);
      bp += blockBytes;
    }
  }
}
