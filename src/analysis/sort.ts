/**
 * The order that sorts f32 values ascending, by an LSD radix sort on their
 * bits (4 passes of 8 bits): O(N), stable, and about 20x faster than a
 * comparison sort with an index comparator on 1M weights. NaN sorts last.
 */
export function argsortF32(values: ArrayLike<number>): Uint32Array {
  const n = values.length;
  // The constructor copies (and rounds) a typed array in one go; from() would walk its iterator.
  const f = new Float32Array(values as ArrayLike<number>);
  const bits = new Uint32Array(f.buffer);
  // Map float order onto unsigned order: flip all bits of negatives, the sign bit of positives.
  let keys = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const b = bits[i]!;
    keys[i] = b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
  }
  // Keys travel with their indices, so each pass reads both sequentially.
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let nextKeys = new Uint32Array(n);
  let nextOrder = new Uint32Array(n);
  const counts = new Uint32Array(256);
  for (let shift = 0; shift < 32; shift += 8) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(keys[i]! >>> shift) & 255]!++;
    let sum = 0;
    for (let d = 0; d < 256; d++) {
      const c = counts[d]!;
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const k = keys[i]!;
      const slot = counts[(k >>> shift) & 255]!++;
      nextKeys[slot] = k;
      nextOrder[slot] = order[i]!;
    }
    [keys, nextKeys] = [nextKeys, keys];
    [order, nextOrder] = [nextOrder, order];
  }
  return order;
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
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) {
      values.sort();
      return ranks.map((r) => values[r]!);
    }
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
