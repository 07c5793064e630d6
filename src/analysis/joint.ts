import { selectRanks } from "./sort.js";

/**
 * The data of Figure 3: the joint distribution of (w_i, w_f) for one layer.
 * - quantileBands: w_i cut into equal-width bins over its range; in each bin
 *   the 25th, 50th and 75th percentile of w_f (linear interpolation between
 *   order statistics, numpy's default) and the count.
 * - histogram2d: counts on an nx x ny grid over [min, max] of each (the last
 *   bin closed on the right, as numpy.histogram2d).
 * Both take the order that sorts w_i (argsortF32) so a layer is sorted once.
 */
export interface QuantileBands {
  edges: number[];
  count: number[];
  q25: (number | null)[];
  median: (number | null)[];
  q75: (number | null)[];
}

export interface Histogram2d {
  x_edges: number[];
  y_edges: number[];
  /** counts[ix][iy] */
  counts: number[][];
}

/** Default bins of the bands and the 2-D histogram. */
export const BAND_BINS = 20;
export const HIST_BINS = 50;

function range(values: ArrayLike<number>): [number, number] {
  const lo = lowest(values),
    hi = highest(values);
  return lo < hi ? [lo, hi] : [lo - 0.5, lo + 0.5];
}

// The loops of this module are functions of their own that return a
// number or nothing: see argsortF32 for why.

/** The least value, NaN skipped (Infinity when there is none). */
function lowest(values: ArrayLike<number>): number {
  let lo = Infinity;
  for (let i = 0; i < values.length; i++) if (values[i]! < lo) lo = values[i]!;
  return lo;
}

/** The greatest value, NaN skipped (-Infinity when there is none). */
function highest(values: ArrayLike<number>): number {
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i]! > hi) hi = values[i]!;
  return hi;
}

function edges(lo: number, hi: number, bins: number): number[] {
  return Array.from({ length: bins + 1 }, (_, k) => lo + ((hi - lo) * k) / bins);
}

function binOf(v: number, lo: number, hi: number, bins: number): number {
  return Math.min(bins - 1, Math.max(0, Math.floor(((v - lo) / (hi - lo)) * bins)));
}

/**
 * The quantiles qs of `values`, linearly interpolated between order
 * statistics (numpy's default method), selecting only the order statistics
 * they need instead of sorting (values is reordered). Empty: no quantiles.
 */
function quantiles(values: Float64Array, qs: readonly number[]): number[] {
  const n = values.length;
  if (n === 0) return [];
  const at = qs.map((q) => {
    const pos = q * (n - 1);
    const lo = Math.floor(pos);
    return { pos, lo, hi: Math.min(lo + 1, n - 1) };
  });
  const v = selectRanks(
    values,
    at.flatMap(({ lo, hi }) => [lo, hi]),
  );
  return at.map(({ pos, lo }, i) => v[2 * i]! + (v[2 * i + 1]! - v[2 * i]!) * (pos - lo));
}

export function quantileBands(initial: ArrayLike<number>, final: ArrayLike<number>, order: Uint32Array, bins = BAND_BINS): QuantileBands {
  const [lo, hi] = [initial[order[0]!]!, initial[order[order.length - 1]!]!];
  const e = edges(lo, hi === lo ? lo + 1 : hi, bins);
  const out: QuantileBands = { edges: e, count: [], q25: [], median: [], q75: [] };
  const wf = new Float64Array(order.length);
  let start = 0;
  for (let b = 0; b < bins; b++) {
    const end = gatherBin(initial, final, order, start, e[0]!, e[bins]!, bins, b, wf);
    const inBin = wf.subarray(start, end);
    const [q25, median, q75] = quantiles(inBin, [0.25, 0.5, 0.75]);
    out.count.push(inBin.length);
    out.q25.push(q25 ?? null);
    out.median.push(median ?? null);
    out.q75.push(q75 ?? null);
    start = end;
  }
  return out;
}

/**
 * From sorted position `start` on, the final weights of the pairs whose w_i
 * falls in bin b, into wf at their positions; returns where the bin ends.
 * A function of its own, returning a number: see argsortF32.
 */
function gatherBin(
  initial: ArrayLike<number>,
  final: ArrayLike<number>,
  order: Uint32Array,
  start: number,
  lo: number,
  hi: number,
  bins: number,
  b: number,
  wf: Float64Array,
): number {
  let end = start;
  while (end < order.length && binOf(initial[order[end]!]!, lo, hi, bins) === b) {
    wf[end] = final[order[end]!]!;
    end++;
  }
  return end;
}

export function histogram2d(initial: ArrayLike<number>, final: ArrayLike<number>, nx = HIST_BINS, ny = HIST_BINS): Histogram2d {
  const [xl, xh] = range(initial),
    [yl, yh] = range(final);
  const counts = Array.from({ length: nx }, () => new Array<number>(ny).fill(0));
  countPairs(initial, final, xl, xh, nx, yl, yh, ny, counts);
  return { x_edges: edges(xl, xh, nx), y_edges: edges(yl, yh, ny), counts };
}

/** counts[ix][iy] += 1 for every pair. */
function countPairs(
  initial: ArrayLike<number>,
  final: ArrayLike<number>,
  xl: number,
  xh: number,
  nx: number,
  yl: number,
  yh: number,
  ny: number,
  counts: number[][],
): void {
  for (let j = 0; j < initial.length; j++) counts[binOf(initial[j]!, xl, xh, nx)]![binOf(final[j]!, yl, yh, ny)]!++;
}
