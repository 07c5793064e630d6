import { ACC, PAIR, accumulateBlock, blockVectors } from "./accumulate";
import { finishScalar, finishVector } from "./epilogue";
import { gemm } from "./matmul";

// The hidden layers' products, skipping the exact zeros of A.
//
// In a ReLU network A is mostly zeros in three of a hidden layer's products:
// its input H in the forward pass (A = H) and in the weight gradient
// (A = H^T), and the gradient masked by its own ReLU in the input gradient
// (A = dZ). On MNIST 40-60% of those entries are exactly +0, so walking only
// the nonzeros of each row of A does about half the multiply-adds.
//
// Legend, strides and epilogues: as gemm (matmul.ts); C(i, j) = epi(sum_p A(i, p) B(p, j)).
//   B is packed once per call into panels of up to 52 columns (widths from
//   blockVectors), each [K x PANEL bytes], p-th row at p * PANEL.
//   Each row of A is listed as (p * PANEL, A(i, p)) pairs, p ascending; starts
//   [M x (nb + 1)] i32 gives row i's first entry in each block of KB values of p
//   (and its end), nb = max(1, ceil(K / KB)).
//   Walk: panels, then blocks of p, then rows. A block of a panel (KB rows of
//   PANEL bytes, 26 KB) stays in L1 while every row's entries in that block
//   gather from it; each row's sums wait in `partial` between blocks. Without
//   the blocks, the skipped rows break the panel's stream and the walk ran at
//   25 GFLOP/s of useful work instead of 28 at width 1000.
//
// Exactness: every C(i, j) is the dense loop's sum with the terms A(i, p) == 0
// left out (accumulate.ts says why that changes no bit for finite B; split
// walks continue from exact f32 partial sums). So the result is gemm's, bit
// for bit (tested), and when A is too dense to gain, gemm is called instead.
// With non-finite B (a diverged run) 0 * inf = NaN would differ; such runs
// stop at the first non-finite loss, as with the sparse first layer.

/** Bytes of one panel row: 13 vectors, the widest block blockVectors gives. */
const PANEL: usize = 13 * 16;
/** Values of p per block: KB panel rows (26 KB) fit in L1 beside the lists. Measured best of 64, 128, 256. */
const KB: i32 = 128;
/**
 * Above this share of nonzero entries in A, gemm is called instead: its 5 x 8
 * register tile reuses each load more than a list walk can (measured at
 * density 1: 33 against 31 GFLOP/s).
 */
const LIST_DENSITY: f64 = 0.85;
/**
 * Below these sizes gemm is called without listing A: a walk of a narrow
 * panel does too few multiply-adds per list entry, and short rows too few
 * entries per walk. Measured on MNIST activations: the output layer's
 * products (N = 10) 1.3-1.5x slower with lists at every width, width 30's
 * 0.9-1.15x, width 50's 0.87-0.97x.
 */
const MIN_COLUMNS: i32 = 48;
const MIN_DEPTH: i32 = 48;

function blocksOf(K: i32): i32 {
  return max(1, (K + KB - 1) / KB);
}

/** Floats of packed-B scratch the panels of an N x K operand need; the host sizes gemm's packedB to the larger of this and packedBFloats. */
export function panelFloats(N: i32, K: i32): i32 {
  let panels = 0;
  for (let j = 0; j < N; j += min(blockVectors(N - j) << 2, N - j)) panels++;
  return panels * K * <i32>(PANEL >> 2);
}

/** Bytes of list scratch gemmSkippingZeros needs for an M x K operand A: starts, partial sums, and the lists (one spare entry). */
export function listScratchBytes(M: i32, K: i32): i32 {
  const nb = blocksOf(K);
  const starts = (M * (nb + 1) * 4 + 15) & ~15;
  const partial = nb > 1 ? M * <i32>PANEL : 0;
  return starts + partial + (M * K + 1) * <i32>PAIR;
}

// Lists A's nonzero entries row by row (layout above) and returns how many.
// No branch on the value: every entry is written and the end pointer moves
// only past nonzeros (a branch mispredicted on ~half the entries and cost 6x).
function listRows(M: i32, K: i32, a: usize, rsA: i32, csA: i32, starts: usize, list: usize): i32 {
  const nb = blocksOf(K);
  const along = <usize>csA << 2;
  let e = list;
  for (let i = 0; i < M; i++) {
    const st = starts + (<usize>(i * (nb + 1)) << 2);
    let src = a + (<usize>i * <usize>rsA << 2);
    for (let blk = 0; blk < nb; blk++) {
      store<i32>(st + (<usize>blk << 2), <i32>((e - list) / PAIR));
      let off = <usize>(blk * KB) * PANEL;
      const end = <usize>min(K, (blk + 1) * KB) * PANEL;
      while (off < end) {
        const x = load<f32>(src);
        store<i32>(e, <i32>off);
        store<f32>(e, x, 4);
        e += select<usize>(PAIR, 0, x != 0);
        src += along;
        off += PANEL;
      }
    }
    store<i32>(st + (<usize>nb << 2), <i32>((e - list) / PAIR));
  }
  return <i32>((e - list) / PAIR);
}

// Packs B(p, j) = b[p * rsB + j * csB] into panels (layout above). Lanes past a
// panel's last column, up to its last vector, are zero: the walk computes and
// drops them, and zeros keep denormals out. Two layouts get vector paths, as in
// gemm's packB: columns adjacent in memory (csB == 1: W, dZ), copied a vector
// at a time, and columns contiguous along p (rsB == 1: W^T), transposed 4 x 4
// in registers. Copies move bits unchanged, so the paths are interchangeable.
function packPanels(K: i32, N: i32, b: usize, rsB: i32, csB: i32, dst: usize): void {
  let panel = dst;
  for (let j0 = 0; j0 < N;) {
    const vectors = blockVectors(N - j0);
    const width = min(vectors << 2, N - j0);
    const lanes = vectors << 2;
    const whole = width & ~3;
    if (csB == 1) {
      for (let p = 0; p < K; p++) {
        const src = b + ((<usize>p * <usize>rsB + <usize>j0) << 2);
        const out = panel + <usize>p * PANEL;
        for (let s = 0; s < whole; s += 4) v128.store(out + (<usize>s << 2), v128.load(src + (<usize>s << 2)));
        for (let s = whole; s < lanes; s++) store<f32>(out + (<usize>s << 2), s < width ? load<f32>(src + (<usize>s << 2)) : 0);
      }
    } else if (rsB == 1) {
      const K4 = K & ~3;
      const across = <usize>csB << 2;
      for (let s = 0; s < whole; s += 4) {
        const s0 = b + (<usize>(j0 + s) * across);
        const s1 = s0 + across, s2 = s1 + across, s3 = s2 + across;
        let out = panel + (<usize>s << 2);
        for (let p = 0; p < K4; p += 4) {
          const o = <usize>p << 2;
          const r0 = v128.load(s0 + o), r1 = v128.load(s1 + o), r2 = v128.load(s2 + o), r3 = v128.load(s3 + o);
          const t0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
          const t2 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5), t3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
          v128.store(out, v128.shuffle<i32>(t0, t2, 0, 1, 4, 5)); out += PANEL;
          v128.store(out, v128.shuffle<i32>(t0, t2, 2, 3, 6, 7)); out += PANEL;
          v128.store(out, v128.shuffle<i32>(t1, t3, 0, 1, 4, 5)); out += PANEL;
          v128.store(out, v128.shuffle<i32>(t1, t3, 2, 3, 6, 7)); out += PANEL;
        }
        for (let p = K4; p < K; p++) {
          const o = <usize>p << 2;
          v128.store(out, f32x4(load<f32>(s0 + o), load<f32>(s1 + o), load<f32>(s2 + o), load<f32>(s3 + o)));
          out += PANEL;
        }
      }
      packColumns(K, panel, whole, width, lanes, b + (<usize>j0 * <usize>csB << 2), rsB, csB);
    } else {
      packColumns(K, panel, 0, width, lanes, b + (<usize>j0 * <usize>csB << 2), rsB, csB);
    }
    panel += <usize>K * PANEL;
    j0 += width;
  }
}

// Panel columns first..lanes - 1 one element at a time, from B's column
// first + s at src + s * csB (zero past `width`).
function packColumns(K: i32, panel: usize, first: i32, width: i32, lanes: i32, src: usize, rsB: i32, csB: i32): void {
  const along = <usize>rsB << 2;
  for (let s = first; s < lanes; s++) {
    let out = panel + (<usize>s << 2);
    if (s >= width) {
      for (let p = 0; p < K; p++) { store<f32>(out, 0); out += PANEL; }
      continue;
    }
    let from = src + (<usize>s * <usize>csB << 2);
    for (let p = 0; p < K; p++) { store<f32>(out, load<f32>(from)); from += along; out += PANEL; }
  }
}

// C(i, j0 .. j0 + width) = epi(sums), whole vectors and then single columns.
function finishRow(sums: usize, c: usize, ldc: i32, i: i32, j0: i32, width: i32, epi: i32, bias: usize, reluOut: usize, lr: f32): void {
  const lrv = f32x4.splat(lr);
  const row = (<usize>i * <usize>ldc + <usize>j0) << 2;
  const bj = bias + (<usize>j0 << 2);
  let s = 0;
  for (; s + 4 <= width; s += 4) {
    const at = <usize>s << 2;
    v128.store(c + row + at, finishVector(v128.load(sums + at), epi, c, row + at, bj + at, reluOut, lrv));
  }
  for (; s < width; s++) {
    const at = <usize>s << 2;
    store<f32>(c + row + at, finishScalar(load<f32>(sums + at), epi, c, row + at, bj + at, reluOut, lr));
  }
}

/**
 * gemm, walking only the nonzero entries of A (layout above). Called by the
 * host for the products of the hidden layers. packedB needs the larger of
 * packedBFloats(N, K) and panelFloats(N, K) floats, packedA packedAFloats(K),
 * scratch listScratchBytes(M, K) bytes. Returns how many nonzero entries of
 * A it walked, or -1 when it called gemm (A too narrow, short or dense).
 */
export function gemmSkippingZeros(
  M: i32, N: i32, K: i32,
  a: usize, rsA: i32, csA: i32,
  b: usize, rsB: i32, csB: i32,
  c: usize, ldc: i32,
  epi: i32, bias: usize, reluOut: usize, lr: f32,
  packedA: usize, packedB: usize, scratch: usize,
): i32 {
  if (N < MIN_COLUMNS || K < MIN_DEPTH) {
    gemm(M, N, K, a, rsA, csA, b, rsB, csB, c, ldc, epi, bias, reluOut, lr, packedA, packedB);
    return -1;
  }
  const nb = blocksOf(K);
  const starts = scratch;
  const partial = starts + (<usize>(M * (nb + 1) * 4 + 15) & ~15);
  const list = partial + (nb > 1 ? <usize>M * PANEL : 0);
  const nnz = listRows(M, K, a, rsA, csA, starts, list);
  if (<f64>nnz > LIST_DENSITY * <f64>M * <f64>K) {
    gemm(M, N, K, a, rsA, csA, b, rsB, csB, c, ldc, epi, bias, reluOut, lr, packedA, packedB);
    return -1;
  }
  packPanels(K, N, b, rsB, csB, packedB);
  let panel = packedB;
  for (let j0 = 0; j0 < N;) {
    const vectors = blockVectors(N - j0);
    const width = min(vectors << 2, N - j0);
    for (let blk = 0; blk < nb; blk++) {
      const last = blk == nb - 1;
      for (let i = 0; i < M; i++) {
        const st = starts + (<usize>(i * (nb + 1) + blk) << 2);
        const sums = nb > 1 ? partial + <usize>i * PANEL : ACC;
        accumulateBlock(load<i32>(st), load<i32>(st, 4), list, panel, vectors, sums, blk == 0);
        if (last) finishRow(sums, c, ldc, i, j0, width, epi, bias, reluOut, lr);
      }
    }
    panel += <usize>K * PANEL;
    j0 += width;
  }
  return nnz;
}
