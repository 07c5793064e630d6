import { madd } from "./madd";

// The walk every list-driven kernel shares: for one row of a sparse operand,
// given as (i32 byte offset, f32 value) pairs, the sum of value * (a block of
// vectors at base + offset) over the row's entries in list order. Each output
// lane is one sum in that order, starting at +0, with the multiply and the add
// rounded separately (madd.ts): the dense loop's order with the zero terms left
// out. Users: the first layer on sparse pixels (sparse.ts) and the hidden
// layers' products over their nonzero activations (listgemm.ts).

/** Bytes of one list entry: its byte offset (i32) and its value (f32). */
export const PAIR: usize = 8;

/** Sums of one block: 13 vectors, where the first layer's kernels keep them between the walk and the epilogue. */
export const ACC: usize = memory.data(13 * 16, 16);

// sums += x * M[off + j .. + 4*lanes] over the entries q0..q1 of a list, for lanes
// = 13 (52 columns), 12, 8, 4, 3, 2 or 1 vectors; sums is 16-byte aligned memory.
// Written out once per width on purpose: each accumulator must be its own
// local for V8 to keep it in a register (a loop over lanes, or an array,
// would put every partial sum in memory). 13 is the most V8 keeps in
// registers here (with the broadcast input and one loaded vector).
function accumulate13(q0: i32, q1: i32, list: usize, base: usize, sums: usize, fresh: bool): void {
  let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0;
  if (!fresh) { c0 = v128.load(sums); c1 = v128.load(sums, 16); c2 = v128.load(sums, 32); c3 = v128.load(sums, 48); c4 = v128.load(sums, 64); c5 = v128.load(sums, 80); c6 = v128.load(sums, 96); c7 = v128.load(sums, 112); c8 = v128.load(sums, 128); c9 = v128.load(sums, 144); c10 = v128.load(sums, 160); c11 = v128.load(sums, 176); c12 = v128.load(sums, 192); }
  let p = list + <usize>q0 * PAIR;
  const end = list + <usize>q1 * PAIR;
  while (p < end) {
    const x = v128.load32_splat(p, 4);
    const m = base + <usize>load<i32>(p);
    c0 = madd(x, v128.load(m), c0); c1 = madd(x, v128.load(m, 16), c1);
    c2 = madd(x, v128.load(m, 32), c2); c3 = madd(x, v128.load(m, 48), c3);
    c4 = madd(x, v128.load(m, 64), c4); c5 = madd(x, v128.load(m, 80), c5);
    c6 = madd(x, v128.load(m, 96), c6); c7 = madd(x, v128.load(m, 112), c7);
    c8 = madd(x, v128.load(m, 128), c8); c9 = madd(x, v128.load(m, 144), c9);
    c10 = madd(x, v128.load(m, 160), c10); c11 = madd(x, v128.load(m, 176), c11);
    c12 = madd(x, v128.load(m, 192), c12);
    p += PAIR;
  }
  v128.store(sums, c0); v128.store(sums, c1, 16); v128.store(sums, c2, 32); v128.store(sums, c3, 48);
  v128.store(sums, c4, 64); v128.store(sums, c5, 80); v128.store(sums, c6, 96); v128.store(sums, c7, 112);
  v128.store(sums, c8, 128); v128.store(sums, c9, 144); v128.store(sums, c10, 160); v128.store(sums, c11, 176);
  v128.store(sums, c12, 192);
}

function accumulate12(q0: i32, q1: i32, list: usize, base: usize, sums: usize, fresh: bool): void {
  let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
  if (!fresh) { c0 = v128.load(sums); c1 = v128.load(sums, 16); c2 = v128.load(sums, 32); c3 = v128.load(sums, 48); c4 = v128.load(sums, 64); c5 = v128.load(sums, 80); c6 = v128.load(sums, 96); c7 = v128.load(sums, 112); c8 = v128.load(sums, 128); c9 = v128.load(sums, 144); c10 = v128.load(sums, 160); c11 = v128.load(sums, 176); }
  let p = list + <usize>q0 * PAIR;
  const end = list + <usize>q1 * PAIR;
  while (p < end) {
    const x = v128.load32_splat(p, 4);
    const m = base + <usize>load<i32>(p);
    c0 = madd(x, v128.load(m), c0); c1 = madd(x, v128.load(m, 16), c1);
    c2 = madd(x, v128.load(m, 32), c2); c3 = madd(x, v128.load(m, 48), c3);
    c4 = madd(x, v128.load(m, 64), c4); c5 = madd(x, v128.load(m, 80), c5);
    c6 = madd(x, v128.load(m, 96), c6); c7 = madd(x, v128.load(m, 112), c7);
    c8 = madd(x, v128.load(m, 128), c8); c9 = madd(x, v128.load(m, 144), c9);
    c10 = madd(x, v128.load(m, 160), c10); c11 = madd(x, v128.load(m, 176), c11);
    p += PAIR;
  }
  v128.store(sums, c0); v128.store(sums, c1, 16); v128.store(sums, c2, 32); v128.store(sums, c3, 48);
  v128.store(sums, c4, 64); v128.store(sums, c5, 80); v128.store(sums, c6, 96); v128.store(sums, c7, 112);
  v128.store(sums, c8, 128); v128.store(sums, c9, 144); v128.store(sums, c10, 160); v128.store(sums, c11, 176);
}

function accumulate8(q0: i32, q1: i32, list: usize, base: usize, sums: usize, fresh: bool): void {
  let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
  if (!fresh) { c0 = v128.load(sums); c1 = v128.load(sums, 16); c2 = v128.load(sums, 32); c3 = v128.load(sums, 48); c4 = v128.load(sums, 64); c5 = v128.load(sums, 80); c6 = v128.load(sums, 96); c7 = v128.load(sums, 112); }
  let p = list + <usize>q0 * PAIR;
  const end = list + <usize>q1 * PAIR;
  while (p < end) {
    const x = v128.load32_splat(p, 4);
    const m = base + <usize>load<i32>(p);
    c0 = madd(x, v128.load(m), c0); c1 = madd(x, v128.load(m, 16), c1);
    c2 = madd(x, v128.load(m, 32), c2); c3 = madd(x, v128.load(m, 48), c3);
    c4 = madd(x, v128.load(m, 64), c4); c5 = madd(x, v128.load(m, 80), c5);
    c6 = madd(x, v128.load(m, 96), c6); c7 = madd(x, v128.load(m, 112), c7);
    p += PAIR;
  }
  v128.store(sums, c0); v128.store(sums, c1, 16); v128.store(sums, c2, 32); v128.store(sums, c3, 48);
  v128.store(sums, c4, 64); v128.store(sums, c5, 80); v128.store(sums, c6, 96); v128.store(sums, c7, 112);
}

function accumulate4(q0: i32, q1: i32, list: usize, base: usize, sums: usize, fresh: bool): void {
  let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0;
  if (!fresh) { c0 = v128.load(sums); c1 = v128.load(sums, 16); c2 = v128.load(sums, 32); c3 = v128.load(sums, 48); }
  let p = list + <usize>q0 * PAIR;
  const end = list + <usize>q1 * PAIR;
  while (p < end) {
    const x = v128.load32_splat(p, 4);
    const m = base + <usize>load<i32>(p);
    c0 = madd(x, v128.load(m), c0); c1 = madd(x, v128.load(m, 16), c1);
    c2 = madd(x, v128.load(m, 32), c2); c3 = madd(x, v128.load(m, 48), c3);
    p += PAIR;
  }
  v128.store(sums, c0); v128.store(sums, c1, 16); v128.store(sums, c2, 32); v128.store(sums, c3, 48);
}

function accumulate3(q0: i32, q1: i32, list: usize, base: usize, sums: usize, fresh: bool): void {
  let c0 = f32x4.splat(0), c1 = c0, c2 = c0;
  if (!fresh) { c0 = v128.load(sums); c1 = v128.load(sums, 16); c2 = v128.load(sums, 32); }
  let p = list + <usize>q0 * PAIR;
  const end = list + <usize>q1 * PAIR;
  while (p < end) {
    const x = v128.load32_splat(p, 4);
    const m = base + <usize>load<i32>(p);
    c0 = madd(x, v128.load(m), c0); c1 = madd(x, v128.load(m, 16), c1);
    c2 = madd(x, v128.load(m, 32), c2);
    p += PAIR;
  }
  v128.store(sums, c0); v128.store(sums, c1, 16); v128.store(sums, c2, 32);
}

function accumulate2(q0: i32, q1: i32, list: usize, base: usize, sums: usize, fresh: bool): void {
  let c0 = f32x4.splat(0), c1 = c0;
  if (!fresh) { c0 = v128.load(sums); c1 = v128.load(sums, 16); }
  let p = list + <usize>q0 * PAIR;
  const end = list + <usize>q1 * PAIR;
  while (p < end) {
    const x = v128.load32_splat(p, 4);
    const m = base + <usize>load<i32>(p);
    c0 = madd(x, v128.load(m), c0); c1 = madd(x, v128.load(m, 16), c1);
    p += PAIR;
  }
  v128.store(sums, c0); v128.store(sums, c1, 16);
}

function accumulate1(q0: i32, q1: i32, list: usize, base: usize, sums: usize, fresh: bool): void {
  let c0 = f32x4.splat(0);
  if (!fresh) { c0 = v128.load(sums); }
  let p = list + <usize>q0 * PAIR;
  const end = list + <usize>q1 * PAIR;
  while (p < end) {
    c0 = madd(v128.load32_splat(p, 4), v128.load(base + <usize>load<i32>(p)), c0);
    p += PAIR;
  }
  v128.store(sums, c0);
}

// Every block walks the whole minibatch's lists once, so the fewest blocks
// win: ceil(V / 13) blocks for V vectors of columns, as even as the sizes
// allow (width 100: 13 + 12 vectors, 300: three of 13 and three of 12), in
// place of 48-column blocks and a narrow tail that cost a whole walk for 4
// columns (measured 8% faster at width 100). A last block may read past the
// right edge (up to 15 lanes; the arena leaves BUFFER_SLACK after every
// buffer): those lanes are computed and dropped, never stored.
export function blockVectors(cols: i32): i32 {
  const v = (cols + 3) >> 2;
  const target = v <= 13 ? v : (v + (v + 12) / 13 - 1) / ((v + 12) / 13);
  return target <= 4 ? target : target <= 8 ? 8 : target <= 12 ? 12 : 13;
}

// Accumulates a block of `vectors` vectors (from blockVectors) starting at `base` in each listed row into
// `sums`, starting from +0 (fresh) or from the sums already there: a walk split
// in pieces gives the bits of one walk, because f32 stores and loads are exact.
export function accumulateBlock(q0: i32, q1: i32, list: usize, base: usize, vectors: i32, sums: usize, fresh: bool): void {
  if (vectors == 13) accumulate13(q0, q1, list, base, sums, fresh);
  else if (vectors == 12) accumulate12(q0, q1, list, base, sums, fresh);
  else if (vectors == 8) accumulate8(q0, q1, list, base, sums, fresh);
  else if (vectors == 4) accumulate4(q0, q1, list, base, sums, fresh);
  else if (vectors == 3) accumulate3(q0, q1, list, base, sums, fresh);
  else if (vectors == 2) accumulate2(q0, q1, list, base, sums, fresh);
  else accumulate1(q0, q1, list, base, sums, fresh);
}
