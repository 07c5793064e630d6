import { ACC, PAIR, accumulateBlock, blockVectors } from "./accumulate";
import { finishScalar, finishVector } from "./epilogue";
import { gemm } from "./matmul";
import { transposeColumns4 } from "./transpose";

// Products that skip the exact zeros of A: the hidden layers' and the sparse
// first layer's.
//
// In a ReLU network A is mostly zeros in three of a hidden layer's products:
// its input H in the forward pass (A = H) and in the weight gradient
// (A = H^T), and the gradient masked by its own ReLU in the input gradient
// (A = dZ). On MNIST 35-50% of those entries are exactly +0, and walking only
// the nonzeros of each row of A leaves their multiply-adds out. The first
// layer's input, MNIST pixels, is ~80% zeros.
//
// Legend, strides and epilogues: as gemm (matmul.ts); C(i, j) = epi(sum_p A(i, p) B(p, j)).
//   Rows of B as a walk reads them, `stride` bytes apart (walkStride): in
//   place (below says when); else packed per call into panels of up to 52
//   columns (blockVectors), each [K x stride bytes], stride = 16 x the widest
//   panel's vectors (208 bytes from N = 49).
//   List scratch (listScratchBytes(M, K) bytes, 16-aligned; its layout
//   depends on M and K only), in this order:
//     starts [M x (ceil(K / KB) + 1)] i32: row i's first entry in each block of
//       p (blockRows values each), then its end
//     partial [M x 208 bytes]: each row's sums between blocks (K > KB only)
//     entries: each row's nonzeros as (p * stride, A(i, p)) pairs, p ascending
//   Written by listRows here from f32 A, or by buildLists (sparse.ts) from u8
//   pixels for the first layer; walked by gemmOverLists for both.
//   Walk: panels, then blocks of p, then rows. A block of a panel (KB rows of
//   up to 208 bytes, 26 KB) stays in L1 while every row's entries in that block
//   gather from it; each row's sums wait in `partial` between blocks. Without
//   the blocks, the skipped rows break the panel's stream and the walk ran at
//   25 GFLOP/s of useful work instead of 28 at width 1000.
//
// Exactness: every C(i, j) is the dense loop's sum with the terms A(i, p) == 0
// left out (accumulate.ts says why that changes no bit for finite B; split
// walks continue from exact f32 partial sums). So the result is gemm's, bit
// for bit (tested), and when A is too dense to gain, gemm is called instead.
// With non-finite B (a diverged run) 0 * inf = NaN would differ: such a run
// ends as diverged at the end of that epoch, its NaNs perhaps elsewhere than
// a dense product's, as with the sparse first layer (docs/method.md).

/** Bytes of a row of partial sums: 13 vectors, the widest block blockVectors gives. */
const PARTIAL_ROW: usize = 13 * 16;
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

/** Bytes of L1 a walk's block of B may fill (the lists and sums stream beside it). */
const L1_BLOCK: i32 = 32 << 10;

// How a walk reads B (N columns, B(p, j) = b[p * rsB + j * csB]).
//   From panels packed per call, unless the caller gives no packing buffer
//   (packedB = 0, B row-major), or B is row-major and at most one panel wide
//   (N <= 52: the narrow layers; lanes past N read the next row and are
//   dropped): then in place, with no copy. Packing pays where each row of B
//   serves many rows of A: at width 300 the hidden products ran 5-13% slower
//   in place, but the first layer, whose rows of W1 serve a fifth of the
//   minibatch, 8% faster (its W1 copy cost more than the walk gained).
//   Blocks of p: all K at once when K rows of B fit in L1 already (no partial
//   sums to keep), else KB. Measured on the first layer at width 10 (W1 is
//   784 rows of 40 bytes): packed and in blocks, epochs ran 10% slower.
function inPlace(N: i32, csB: i32, packedB: usize): bool {
  return csB == 1 && (packedB == 0 || N <= 52);
}

/** Bytes between the rows of B as a walk reads them (packedB as given to gemmOverLists): B's own rows in place, else the widest panel's vectors. */
export function walkStride(N: i32, rsB: i32, csB: i32, packedB: usize): i32 {
  return inPlace(N, csB, packedB) ? rsB << 2 : blockVectors(N) << 4;
}

/** Values of p per block of a walk whose rows of B are `stride` bytes apart. */
export function blockRows(K: i32, stride: i32): i32 {
  return <i64>K * <i64>stride <= <i64>L1_BLOCK ? max(K, 1) : KB;
}

/** Blocks of a walk over a reduction of length K, `rows` values of p each (at least one: K = 0 still runs the epilogue). */
export function blockCount(K: i32, rows: i32): i32 {
  return max(1, (K + rows - 1) / rows);
}

// The most blocks any walk over a reduction of length K has: the layout of
// list scratch depends on M and K alone, so the host can size it without B.
function maxBlocks(K: i32): i32 {
  return blockCount(K, KB);
}

/** Row i's starts in the list scratch of a reduction of length K: [b] its first entry in block b, [number of blocks] its end. */
export function rowStarts(scratch: usize, K: i32, i: i32): usize {
  return scratch + (<usize>(i * (maxBlocks(K) + 1)) << 2);
}

// Where each part of the list scratch of an M x K operand starts (layout above).
function partialOf(scratch: usize, M: i32, K: i32): usize {
  return scratch + (<usize>(M * (maxBlocks(K) + 1) * 4 + 15) & ~15);
}

/** The first list entry in the list scratch of an M x K operand. */
export function entriesOf(scratch: usize, M: i32, K: i32): usize {
  return partialOf(scratch, M, K) + (maxBlocks(K) > 1 ? <usize>M * PARTIAL_ROW : 0);
}

/** Floats of packed-B scratch the panels of an N x K operand need; the host sizes gemm's packedB to the larger of this and packedBFloats. */
export function panelFloats(N: i32, K: i32): i32 {
  let panels = 0;
  for (let j = 0; j < N; j += min(blockVectors(N - j) << 2, N - j)) panels++;
  return saturate(<i64>panels * <i64>K * <i64>(blockVectors(N) << 2));
}

// A size past i32 as i32's largest: the host's allocation then fails with its
// own message instead of getting a wrapped, too small, buffer.
function saturate(n: i64): i32 {
  return n > <i64>i32.MAX_VALUE ? i32.MAX_VALUE : <i32>n;
}

/** Bytes of list scratch gemmSkippingZeros needs for an M x K operand A: starts, partial sums, and the lists (four spare entries for listRows's last store). */
export function listScratchBytes(M: i32, K: i32): i32 {
  const starts = <i64>M * <i64>(maxBlocks(K) + 1) * 4 + 15;
  const partial = maxBlocks(K) > 1 ? <i64>M * <i64>PARTIAL_ROW : 0;
  return saturate(starts + partial + (<i64>M * <i64>K + 4) * <i64>PAIR);
}

// For each 4-bit mask of nonzero lanes, four swizzles (64 bytes): bytes 0-31 of
// the packed output take the chosen pairs from p01 = [o0 v0 o1 v1] (the first
// and third swizzle) or from p23 = [o2 v2 o3 v3] (the second and fourth), in
// lane order; a byte index of 0x80 gives zero, so each output byte is the OR
// of the two.
const PAIR_COMPACT: usize = memory.data(16 * 64, 16);
for (let m = 0; m < 16; m++) {
  const t = PAIR_COMPACT + <usize>(m * 64);
  for (let b = 0; b < 64; b++) store<u8>(t + <usize>b, 0x80);
  let slot = 0;
  for (let l = 0; l < 4; l++) {
    if (((m >> l) & 1) == 0) continue;
    // Output pair `slot` is in output vector slot >> 1, at byte 8 (slot & 1); lane l is in source l >> 1, at byte 8 (l & 1).
    const at = t + <usize>((slot >> 1) * 32 + (l >> 1) * 16 + (slot & 1) * 8);
    for (let b = 0; b < 8; b++) store<u8>(at + <usize>b, <u8>((l & 1) * 8 + b));
    slot++;
  }
}

// Lists A's nonzero entries row by row (layout above) and returns how many.
// No branch on the value: every entry is written and the end pointer moves
// only past nonzeros (a branch mispredicted on ~half the entries and cost 6x).
function listRows(M: i32, K: i32, a: usize, rsA: i32, csA: i32, stride: usize, rows: i32, scratch: usize): i32 {
  const nb = blockCount(K, rows);
  const list = entriesOf(scratch, M, K);
  const along = <usize>csA << 2;
  let e = list;
  for (let i = 0; i < M; i++) {
    const st = rowStarts(scratch, K, i);
    let src = a + (<usize>i * <usize>rsA << 2);
    for (let blk = 0; blk < nb; blk++) {
      store<i32>(st + (<usize>blk << 2), <i32>((e - list) / PAIR));
      let off = <usize>(blk * rows) * stride;
      const end = <usize>min(K, (blk + 1) * rows) * stride;
      if (csA == 1) {
        // Four values at a time: their nonzero mask picks the swizzles that
        // pack the chosen pairs to the front of 32 bytes, stored whole (the
        // scratch has room past its last entry for the spare bytes).
        const step = stride << 2;
        let o = i32x4(<i32>off, <i32>(off + stride), <i32>(off + 2 * stride), <i32>(off + 3 * stride));
        const by4 = i32x4.splat(<i32>step);
        while (off + step <= end) {
          const v = v128.load(src);
          const m = i32x4.bitmask(f32x4.ne(v, f32x4.splat(0)));
          const p01 = v128.shuffle<i32>(o, v, 0, 4, 1, 5), p23 = v128.shuffle<i32>(o, v, 2, 6, 3, 7);
          const t = PAIR_COMPACT + (<usize>m << 6);
          v128.store(e, v128.or(i8x16.swizzle(p01, v128.load(t)), i8x16.swizzle(p23, v128.load(t, 16))));
          v128.store(e, v128.or(i8x16.swizzle(p01, v128.load(t, 32)), i8x16.swizzle(p23, v128.load(t, 48))), 16);
          e += <usize>popcnt(m) << 3;
          o = i32x4.add(o, by4);
          src += 16;
          off += step;
        }
      }
      while (off < end) {
        const x = load<f32>(src);
        store<i32>(e, <i32>off);
        store<f32>(e, x, 4);
        e += select<usize>(PAIR, 0, x != 0);
        src += along;
        off += stride;
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
  const stride = <usize>(blockVectors(N) << 4);
  if (csB == 1) {
    packRows(K, N, b, rsB, stride, dst);
    return;
  }
  let panel = dst;
  for (let j0 = 0; j0 < N;) {
    const vectors = blockVectors(N - j0);
    const width = min(vectors << 2, N - j0);
    const lanes = vectors << 2;
    let first = 0;
    if (rsB == 1) {
      const across = <usize>csB << 2;
      first = width & ~3;
      for (let s = 0; s < first; s += 4) transposeColumns4(b + <usize>(j0 + s) * across, across, K, panel + (<usize>s << 2), stride);
    }
    packColumns(K, panel, stride, first, width, lanes, b + (<usize>j0 * <usize>csB << 2), rsB, csB);
    panel += <usize>K * stride;
    j0 += width;
  }
}

// Up to MAX_PANELS panels' first columns and lanes, for packRows.
const MAX_PANELS = 256;
const PANEL_FIRST: usize = memory.data(MAX_PANELS * 4, 16);
const PANEL_LANES: usize = memory.data(MAX_PANELS * 4, 16);

// packPanels for row-major B, a row of B at a time: each row is read once, in
// order, and its pieces go to every panel (MAX_PANELS panels per pass over
// the rows). Column by column (a panel's 52 columns down all K rows of a
// wide B, then the next panel's) read every row 20 times at width 1000, 4000
// bytes apart: 0.7 ms a copy of W2.
function packRows(K: i32, N: i32, b: usize, rsB: i32, stride: usize, dst: usize): void {
  const panelBytes = <usize>K * stride;
  let panel = dst;
  for (let j = 0; j < N;) {
    let count = 0;
    for (; j < N && count < MAX_PANELS; count++) {
      const lanes = blockVectors(N - j) << 2;
      store<i32>(PANEL_FIRST + (<usize>count << 2), j);
      store<i32>(PANEL_LANES + (<usize>count << 2), lanes);
      j += min(lanes, N - j);
    }
    for (let p = 0; p < K; p++) {
      const src = b + (<usize>p * <usize>rsB << 2);
      let out = panel + <usize>p * stride;
      for (let q = 0; q < count; q++) {
        const j0 = load<i32>(PANEL_FIRST + (<usize>q << 2));
        const lanes = load<i32>(PANEL_LANES + (<usize>q << 2));
        // Every panel but the last is whole vectors wide; the last one's lanes past N are zero.
        const width = min(lanes, N - j0);
        const whole = width & ~3;
        const from = src + (<usize>j0 << 2);
        for (let s = 0; s < whole; s += 4) v128.store(out + (<usize>s << 2), v128.load(from + (<usize>s << 2)));
        for (let s = whole; s < lanes; s++) store<f32>(out + (<usize>s << 2), s < width ? load<f32>(from + (<usize>s << 2)) : 0);
        out += panelBytes;
      }
    }
    panel += <usize>count * panelBytes;
  }
}

// Panel columns first..lanes - 1 one element at a time, from B's column
// first + s at src + s * csB (zero past `width`).
function packColumns(K: i32, panel: usize, stride: usize, first: i32, width: i32, lanes: i32, src: usize, rsB: i32, csB: i32): void {
  const along = <usize>rsB << 2;
  for (let s = first; s < lanes; s++) {
    let out = panel + (<usize>s << 2);
    if (s >= width) {
      for (let p = 0; p < K; p++) { store<f32>(out, 0); out += stride; }
      continue;
    }
    let from = src + (<usize>s * <usize>csB << 2);
    for (let p = 0; p < K; p++) { store<f32>(out, load<f32>(from)); from += along; out += stride; }
  }
}

// C(i, j0 .. j0 + width) = epi(sums), whole vectors and then single columns (epilogue.ts).
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
 * C = epi(A B) over the lists of A's nonzeros already in `scratch` (layout
 * above, from listRows or buildLists, whose offsets assume the same
 * packedB): packs B into panels at packedB (panelFloats(N, K) floats), or
 * reads it in place when packedB is 0, and walks. Called by
 * gemmSkippingZeros, and by the host for the first layer on sparse pixels
 * after buildLists (in place).
 */
export function gemmOverLists(
  M: i32, N: i32, K: i32, scratch: usize,
  b: usize, rsB: i32, csB: i32,
  c: usize, ldc: i32,
  epi: i32, bias: usize, reluOut: usize, lr: f32,
  packedB: usize,
): void {
  const stride = walkStride(N, rsB, csB, packedB);
  const nb = blockCount(K, blockRows(K, stride));
  const partial = partialOf(scratch, M, K);
  const list = entriesOf(scratch, M, K);
  const packed = !inPlace(N, csB, packedB);
  if (packed) packPanels(K, N, b, rsB, csB, packedB);
  let panel = packed ? packedB : b;
  for (let j0 = 0; j0 < N;) {
    const vectors = blockVectors(N - j0);
    const width = min(vectors << 2, N - j0);
    for (let blk = 0; blk < nb; blk++) {
      const last = blk == nb - 1;
      for (let i = 0; i < M; i++) {
        const st = rowStarts(scratch, K, i) + (<usize>blk << 2);
        const sums = nb > 1 ? partial + <usize>i * PARTIAL_ROW : ACC;
        accumulateBlock(load<i32>(st), load<i32>(st, 4), list, panel, vectors, sums, blk == 0);
        if (last) finishRow(sums, c, ldc, i, j0, width, epi, bias, reluOut, lr);
      }
    }
    panel += packed ? <usize>K * <usize>stride : <usize>width << 2;
    j0 += width;
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
  if (N >= MIN_COLUMNS && K >= MIN_DEPTH) {
    const stride = walkStride(N, rsB, csB, packedB);
    const nnz = listRows(M, K, a, rsA, csA, stride, blockRows(K, stride), scratch);
    if (<f64>nnz <= LIST_DENSITY * <f64>M * <f64>K) {
      gemmOverLists(M, N, K, scratch, b, rsB, csB, c, ldc, epi, bias, reluOut, lr, packedB);
      return nnz;
    }
  }
  gemm(M, N, K, a, rsA, csA, b, rsB, csB, c, ldc, epi, bias, reluOut, lr, packedA, packedB);
  return -1;
}
