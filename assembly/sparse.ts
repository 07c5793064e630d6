import { ACC, PAIR, accumulateBlock, blockVectors } from "./accumulate";
import { blockCount, blockRows, entriesOf, rowStarts, walkStride } from "./listgemm";

// The first layer on sparse inputs (MNIST pixels are ~80% exact zeros).
//
// Legend: R rows of the minibatch, D input features, N first-layer width.
//   pixels: u8 [R x D] row-major, W: f32 [D x N], out/dZ: f32 [R x N].
// Compressed lists built once per minibatch from the u8 pixels by buildLists,
// each entry a pair (i32 byte offset, f32 value) in 8 bytes, so that a walk
// reads one stream and the build writes one cache line per entry:
//   rows: in the list scratch of gemmOverLists (listgemm.ts, an R x D operand):
//     starts per block of inputs, and pairs (k*N*4: W's row k, x), k ascending
//     within a row. The forward pass is gemmOverLists on them, the walk the
//     hidden layers' products use, reading W in place.
//   CSC: colStart i32[D + 1], colList [nnz] pairs (r*N*4: dZ's row r, x), r ascending within a column
//   rowK i32[nnz + 4]: scratch, the inputs k of each row as the first pass finds them
// Values x are f32(u8) / 255, the same bits scaleU8 gives.
//
// Exactness: the dense kernels add x * w for every k in order; for x == +0 and
// finite w that adds a signed zero to an accumulator that is never -0 (it
// starts at +0), which changes nothing. Skipping those terms therefore gives
// the dense path's bits exactly (tested). With non-finite weights (a diverged
// run) 0 * inf = NaN would differ; such a run ends as diverged at the end of
// that epoch (docs/method.md).

// f32(v) / 255 for every byte v, computed once by the same division scaleU8
// does, so a table lookup gives the same bits without a division per pixel.
const SCALE: usize = memory.data(256 * 4, 16);
for (let v = 0; v < 256; v++) store<f32>(SCALE + (<usize>v << 2), <f32>v / 255);

// For each 4-bit mask of nonzero lanes, the i8x16.swizzle that packs those
// i32 lanes to the front in ascending order (the lanes after them are zero
// and are overwritten by the next store).
const COMPACT: usize = memory.data(16 * 16, 16);
for (let m = 0; m < 16; m++) {
  let o = 0;
  for (let l = 0; l < 4; l++) {
    if ((m >> l) & 1) {
      for (let b = 0; b < 4; b++) store<u8>(COMPACT + <usize>(m * 16 + o * 4 + b), <u8>(l * 4 + b));
      o++;
    }
  }
  for (; o < 4; o++) for (let b = 0; b < 4; b++) store<u8>(COMPACT + <usize>(m * 16 + o * 4 + b), 0x80);
}

/**
 * Builds the row lists (into `scratch`, listScratchBytes(R, D) bytes) and the
 * CSC lists of a minibatch. Called once per training minibatch (rows alone,
 * colStart = 0, for evaluation). Returns nnz.
 */
export function buildLists(
  pixels: usize, R: i32, D: i32, N: i32,
  scratch: usize, rowK: usize,
  colStart: usize, colList: usize,
): i32 {
  // Rows of W (D x N) and of dZ (R x N), both row-major: the row lists point into W itself, which the
  // forward pass walks in place (gemmOverLists with no packing buffer) in blocks of `rows` inputs, and
  // the column lists into dZ, which the weight step reads in place.
  const ld = walkStride(N, N, 1, 0);
  const rows = blockRows(D, ld);
  const nb = blockCount(D, rows);
  const rowList = entriesOf(scratch, R, D);
  const wantCols = colStart != 0;
  if (wantCols) memory.fill(colStart, 0, (<usize>D + 1) << 2);
  let nnz = 0;
  const zero = i8x16.splat(0);
  const four = i32x4.splat(4);
  const iota = i32x4(0, 1, 2, 3);
  // Pass 1: each row's nonzero inputs k, ascending, into rowK, 16 pixels at a time
  // without a branch per pixel: four lanes at a time are packed to the front
  // by a swizzle chosen by their nonzero mask and stored whole (the list
  // buffers have 16 bytes of slack for the last store's spare lanes). The
  // columns' counts go up by one per nonzero, as vectors.
  for (let r = 0; r < R; r++) {
    const st = rowStarts(scratch, D, r);
    store<i32>(st, nnz);
    let block = st;
    let next = 0;
    const row = pixels + <usize>r * <usize>D;
    let k = 0;
    for (; k + 16 <= D; k += 16) {
      // Blocks are KB (a multiple of 16) or D inputs long: every block starts at a chunk.
      if (k == next) { store<i32>(block, nnz); block += 4; next += rows; }
      const nz = i8x16.ne(v128.load(row + <usize>k), zero);
      let mask = i8x16.bitmask(nz);
      if (mask == 0) continue;
      if (wantCols) {
        // nz lanes are -1 where nonzero: subtracting them counts.
        const slot = colStart + (<usize>(k + 1) << 2);
        const lo = i16x8.extend_low_i8x16_s(nz), hi = i16x8.extend_high_i8x16_s(nz);
        v128.store(slot, i32x4.sub(v128.load(slot), i32x4.extend_low_i16x8_s(lo)));
        v128.store(slot, i32x4.sub(v128.load(slot, 16), i32x4.extend_high_i16x8_s(lo)), 16);
        v128.store(slot, i32x4.sub(v128.load(slot, 32), i32x4.extend_low_i16x8_s(hi)), 32);
        v128.store(slot, i32x4.sub(v128.load(slot, 48), i32x4.extend_high_i16x8_s(hi)), 48);
      }
      let ks = i32x4.add(i32x4.splat(k), iota);
      for (let g = 0; g < 4; g++) {
        const m = mask & 15;
        v128.store(rowK + (<usize>nnz << 2), i8x16.swizzle(ks, v128.load(COMPACT + (<usize>m << 4))));
        nnz += <i32>popcnt(m);
        mask >>= 4;
        ks = i32x4.add(ks, four);
      }
    }
    for (; k < D; k++) {
      if (k == next) { store<i32>(block, nnz); block += 4; next += rows; }
      if (load<u8>(row + <usize>k) == 0) continue;
      store<i32>(rowK + (<usize>nnz << 2), k);
      if (wantCols) {
        const slot = colStart + (<usize>(k + 1) << 2);
        store<i32>(slot, load<i32>(slot) + 1);
      }
      nnz++;
    }
    store<i32>(st + (<usize>nb << 2), nnz);
  }
  if (wantCols) {
    for (let k = 0; k < D; k++) {
      const slot = colStart + (<usize>(k + 1) << 2);
      store<i32>(slot, load<i32>(slot) + load<i32>(slot - 4));
    }
    // Pass 2: the row pairs (byte offset of W's row k, value), and the CSC pairs
    // by scattering the entries by column, rows ascending; colStart[k]
    // walks forward and is shifted back afterwards.
    for (let r = 0; r < R; r++) {
      const row = pixels + <usize>r * <usize>D;
      const st = rowStarts(scratch, D, r);
      const q1 = load<i32>(st + (<usize>nb << 2));
      for (let q = load<i32>(st); q < q1; q++) {
        const k = load<i32>(rowK + (<usize>q << 2));
        const x = load<f32>(SCALE + (<usize>load<u8>(row + <usize>k) << 2));
        const entry = rowList + <usize>q * PAIR;
        store<i32>(entry, k * ld);
        store<f32>(entry, x, 4);
        const slot = colStart + (<usize>k << 2);
        const s = load<i32>(slot);
        const col = colList + <usize>s * PAIR;
        store<i32>(col, r * ld);
        store<f32>(col, x, 4);
        store<i32>(slot, s + 1);
      }
    }
    for (let k = D; k > 0; k--) {
      store<i32>(colStart + (<usize>k << 2), load<i32>(colStart + (<usize>(k - 1) << 2)));
    }
    store<i32>(colStart, 0);
  } else {
    // Pass 2 without the scatter: the row pairs. (A single loop testing
    // wantCols per entry measured 12-17% slower for evaluation batches.)
    for (let r = 0; r < R; r++) {
      const row = pixels + <usize>r * <usize>D;
      const st = rowStarts(scratch, D, r);
      const q1 = load<i32>(st + (<usize>nb << 2));
      for (let q = load<i32>(st); q < q1; q++) {
        const k = load<i32>(rowK + (<usize>q << 2));
        const entry = rowList + <usize>q * PAIR;
        store<i32>(entry, k * ld);
        store<f32>(entry, load<f32>(SCALE + (<usize>load<u8>(row + <usize>k) << 2)), 4);
      }
    }
  }
  return nnz;
}

/**
 * W -= lr * X^T dZ for the first layer, visiting only the (k, r) pairs with a
 * nonzero input; rows of W whose input is zero in the whole minibatch are not
 * touched (their gradient is exactly zero). Called once per minibatch.
 */
export function sparseWeightStep(
  D: i32, N: i32, colStart: usize, colList: usize,
  dZ: usize, W: usize, lr: f32,
): void {
  // Column blocks outermost: one block of dZ (R x 208 bytes, 26 KB) stays
  // in L1 while every input's list gathers from it.
  const lrv = f32x4.splat(lr);
  for (let j = 0; j < N;) {
    const vectors = blockVectors(N - j);
    const width = min(vectors << 2, N - j);
    for (let k = 0; k < D; k++) {
      const q0 = load<i32>(colStart + (<usize>k << 2));
      const q1 = load<i32>(colStart + (<usize>(k + 1) << 2));
      if (q0 == q1) continue;
      const wRow = W + (<usize>k * <usize>N << 2);
      accumulateBlock(q0, q1, colList, dZ + (<usize>j << 2), vectors, ACC, true);
      // The SGD update written out, not listgemm's finishRow with EPI_SGD: the
      // same bits, but its per-vector choice of epilogue made whole steps
      // 1-1.7% slower at widths 10 and 100, where this runs for most pixels.
      let s = 0;
      for (; s + 4 <= width; s += 4) {
        const w = wRow + (<usize>(j + s) << 2);
        v128.store(w, f32x4.sub(v128.load(w), f32x4.mul(lrv, v128.load(ACC + (<usize>s << 2)))));
      }
      for (; s < width; s++) {
        const w = wRow + (<usize>(j + s) << 2);
        store<f32>(w, load<f32>(w) - lr * load<f32>(ACC + (<usize>s << 2)));
      }
    }
    j += width;
  }
}

/**
 * G = X^T dZ for the first layer, by the walk sparseWeightStep takes: the
 * gradient alone, for Network.gradientStep (the Hessian and the fused-step
 * test). Rows of G whose input is zero in the whole minibatch are stored as +0.
 */
export function sparseWeightGradient(
  D: i32, N: i32, colStart: usize, colList: usize,
  dZ: usize, G: usize,
): void {
  for (let j = 0; j < N;) {
    const vectors = blockVectors(N - j);
    const width = min(vectors << 2, N - j);
    for (let k = 0; k < D; k++) {
      const q0 = load<i32>(colStart + (<usize>k << 2));
      const q1 = load<i32>(colStart + (<usize>(k + 1) << 2));
      const gRow = G + (<usize>k * <usize>N << 2) + (<usize>j << 2);
      if (q0 == q1) {
        memory.fill(gRow, 0, <usize>width << 2);
        continue;
      }
      accumulateBlock(q0, q1, colList, dZ + (<usize>j << 2), vectors, ACC, true);
      memory.copy(gRow, ACC, <usize>width << 2);
    }
    j += width;
  }
}
