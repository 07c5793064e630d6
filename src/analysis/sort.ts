/**
 * The order that sorts f32 values ascending, by an LSD radix sort on their
 * bits (4 passes of 8 bits): O(N), stable, and about 20x faster than a
 * comparison sort with an index comparator on 1M weights. NaN sorts last.
 *
 * One loop per function, here and in the analysis's other hot paths, each
 * returning a number or nothing, on purpose. V8 compiles a long-running
 * loop on the stack (OSR) together with the code after it, which has not
 * run yet and so has no type feedback: a function of several loops, or one
 * that builds an object after its loop, was compiled, thrown away and
 * compiled again, once per loop and often once per call. A pool that takes
 * every core compiles on each worker's own thread, so every seed paid for
 * it: 446 ms of compiling per worker for two 3-epoch seeds of width 300,
 * 272 ms with the loops apart (docs/performance.md). The sums keep their
 * order, so the bits are the same.
 */
export function argsortF32(values: ArrayLike<number>): Uint32Array {
  const n = values.length;
  // The constructor copies (and rounds) a typed array in one go; from() would walk its iterator.
  const f = new Float32Array(values as ArrayLike<number>);
  // Keys travel with their indices, so each pass reads both sequentially.
  let keys = new Uint32Array(n);
  let order = new Uint32Array(n);
  orderedKeys(new Uint32Array(f.buffer), keys, order);
  let nextKeys = new Uint32Array(n);
  let nextOrder = new Uint32Array(n);
  const counts = new Uint32Array(256);
  for (let shift = 0; shift < 32; shift += 8) {
    digitStarts(keys, shift, counts);
    scatterByDigit(keys, order, shift, counts, nextKeys, nextOrder);
    [keys, nextKeys] = [nextKeys, keys];
    [order, nextOrder] = [nextOrder, order];
  }
  return order;
}

/** Float order mapped onto unsigned order (all bits of negatives flipped, the sign bit of positives), and the identity order. */
function orderedKeys(bits: Uint32Array, keys: Uint32Array, order: Uint32Array): void {
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i]!;
    keys[i] = b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
    order[i] = i;
  }
}

/** counts[d] = where the keys whose digit at `shift` is d start. */
function digitStarts(keys: Uint32Array, shift: number, counts: Uint32Array): void {
  countDigits(keys, shift, counts);
  let sum = 0;
  for (let d = 0; d < 256; d++) {
    const c = counts[d]!;
    counts[d] = sum;
    sum += c;
  }
}

/** counts[d] = how many keys have digit d at `shift`. */
function countDigits(keys: Uint32Array, shift: number, counts: Uint32Array): void {
  counts.fill(0);
  for (let i = 0; i < keys.length; i++) counts[(keys[i]! >>> shift) & 255]!++;
}

/** One stable pass: each key and its index to its digit's next slot. */
function scatterByDigit(keys: Uint32Array, order: Uint32Array, shift: number, counts: Uint32Array, nextKeys: Uint32Array, nextOrder: Uint32Array): void {
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const slot = counts[(k >>> shift) & 255]!++;
    nextKeys[slot] = k;
    nextOrder[slot] = order[i]!;
  }
}

/**
 * The values at `ranks` (0-based, any order) of `values` sorted ascending:
 * what Float64Array.from(values).sort()[rank] gives, found by selection in
 * O(N) instead of a sort in O(N log N). `values` is reordered. The one
 * difference from the sort is the sign of a zero: the sort puts -0 before
 * +0, selection treats them as equal, and every use here prints them alike.
 * With a NaN among the values (they sort last) it falls back to the sort.
 */
export function selectRanks(values: Float64Array, ranks: readonly number[]): number[] {
  if (hasNaN(values)) {
    values.sort();
    return ranks.map((r) => values[r]!);
  }
  // Ascending ranks, each found in what the previous selection left above it.
  const wanted = [...new Set(ranks)].sort((a, b) => a - b);
  const found = new Map<number, number>();
  let from = 0;
  for (const k of wanted) {
    select(values, from, values.length - 1, k);
    found.set(k, values[k]!);
    from = k + 1;
  }
  return ranks.map((r) => found.get(r)!);
}

/** A loop of its own, returning a boolean: see argsortF32. */
function hasNaN(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) return true;
  return false;
}

// Hoare's quickselect on values[lo..hi]: afterwards values[k] is the value
// of rank k, everything before it <= and everything after it >=. The pivot
// is the median of the first, middle and last, which keeps sorted and
// reversed inputs linear.
function select(values: Float64Array, lo: number, hi: number, k: number): void {
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    const a = values[lo]!,
      b = values[mid]!,
      c = values[hi]!;
    const pivot = Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    let i = lo,
      j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i] = values[j]!;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}
