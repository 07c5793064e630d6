import { exp, pow } from "../math/portable.js";
import { selectRanks } from "./sort.js";
import { crossDeviations, squaredDeviations, sumOf } from "./sums.js";
/**
 * c_opt, the slope of the ridge (mode) of the (w_i, w_f) cloud (Eqs. A5, A6).
 *
 * N_c(b) = #{j : w_f,j <= b + c w_i,j} counts points below a line of slope c;
 * dN_c/db is the density of the residuals r_j = w_f,j - c w_i,j at b. c_opt
 * maximises over c the peak of that density: lines of the right slope stack
 * the ridge's points on top of each other.
 *
 * Density estimator: a Gaussian kernel density of the residuals with one
 * bandwidth h for every c (so peaks compare fairly), evaluated on a grid of
 * spacing h / 4 by binning then convolving with the kernel truncated at 4h.
 * h is Silverman's rule, 0.9 min(sd, IQR / 1.34) N^(-1/5), of the residuals
 * at the least-squares slope, at least 1e-4 of the spread of w_f (so weights
 * that have not moved still give a finite peak), times `bandwidthScale`.
 *
 * Size: layers above `maxSamples` weights are analysed on a deterministic
 * stride subsample of that many (weight floor(k N / maxSamples) for k = 0,
 * 1, ...), which keeps a 1M-weight layer well under a second; the slope of a
 * ridge is resolved to far better than 0.01 by 200,000 points.
 *
 * Search: the peak density at c on a coarse grid over [cMin, cMax] (step
 * `coarseStep`), then golden-section refinement inside the bracket of one
 * step either side of the best grid point, to `tolerance`; the better of the
 * refined point and the best grid point is returned. The peak density
 * falls off monotonically on both sides of the ridge slope, so the best grid
 * point is the nearest one and the bracket holds the optimum. At most (cMax - cMin) / coarseStep + 1 +
 * ceil(log(2 coarseStep / tolerance) / log(1.618)) evaluations, each O(N).
 */
export interface CoptOptions {
  /** @default -1 */
  cMin?: number;
  /** @default 3 */
  cMax?: number;
  /** @default 0.1 */
  coarseStep?: number;
  /** @default 1e-4 */
  tolerance?: number;
  /** @default 1 */
  bandwidthScale?: number;
  /** @default 200000 */
  maxSamples?: number;
  /** Search even when no weight has moved, where the answer is known to be c = 1 (the tests compare the two). */
  searchUnmoved?: boolean;
}

export interface CoptResult {
  cOpt: number;
  /** Peak residual density at cOpt (per unit of w). */
  peakDensity: number;
  /** Ridge intercept: the residual b at the peak. */
  intercept: number;
  bandwidth: number;
  evaluations: number;
}

const MAX_BINS = 1 << 16;

function leastSquaresSlope(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  const mx = sumOf(x) / n,
    my = sumOf(y) / n;
  const sxy = crossDeviations(x, y, mx, my),
    sxx = squaredDeviations(x, mx);
  return sxx > 0 ? sxy / sxx : 1;
}

/** Silverman's bandwidth of r (r is reordered). */
function silverman(r: Float64Array): number {
  const n = r.length;
  const mean = sumOf(r) / n;
  const v2 = squaredDeviations(r, mean);
  const sd = Math.sqrt(v2 / Math.max(1, n - 1));
  const [q75, q25] = selectRanks(r, [Math.floor(0.75 * (n - 1)), Math.floor(0.25 * (n - 1))]);
  const iqr = q75! - q25!;
  const spread = Math.min(sd, iqr / 1.34) || sd || 1e-12;
  return 0.9 * spread * pow(n, -0.2);
}

function spreadOf(v: Float64Array): number {
  const mean = sumOf(v) / v.length;
  return Math.sqrt(squaredDeviations(v, mean) / v.length) || 1;
}

/**
 * The upper end of the range the last residualLo pass found (it returns
 * the lower end). Returning an object from the loop's function made V8
 * throw its compiled code away at every return, 140-360 times per worker
 * (see argsortF32); a module variable and a returned number need no type
 * feedback.
 */
let rangeHi = -Infinity;

/** The least residual final - c initial; the greatest into rangeHi. */
function residualLo(initial: Float64Array, final: Float64Array, c: number): number {
  let lo = Infinity,
    hi = -Infinity;
  for (let j = 0; j < initial.length; j++) {
    const v = final[j]! - c * initial[j]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  rangeHi = hi;
  return lo;
}

/**
 * What the last residualPeak call found besides the density it returns:
 * where its peak lies, and the range of slope `next`'s residuals when it
 * was given one. Module variables for the reason rangeHi is one: built
 * after the loops, its returned objects made V8 throw the function's
 * compiled code away 40-80 times per worker.
 */
let peakResidual = 0,
  nextLo = Infinity,
  nextHi = -Infinity;

/** The Gaussian kernel exp(-x^2 / 2h^2) at x = (i - half) step for i = 0 .. 2 half. */
function gaussianKernel(half: number, step: number, h: number): Float64Array {
  const kernel = new Float64Array(2 * half + 1);
  for (let i = 0; i < kernel.length; i++) kernel[i] = exp(-0.5 * (((i - half) * step) / h) * (((i - half) * step) / h));
  return kernel;
}

/**
 * The peak of the Gaussian KDE (bandwidth h) of the residuals
 * r_j = final_j - c initial_j, whose range is [lo, hi]; where it is goes to
 * peakResidual. The pass that bins them also finds the range of slope
 * `next`'s residuals (NaN: none) into nextLo and nextHi (the coarse grid
 * knows its next slope), so that each slope costs one pass over the pairs
 * rather than two. Every r_j is computed by the same expression, so with
 * the same bits, wherever it is computed. `scratch` holds the bin counts,
 * reused across slopes (a larger array is made if it is too small). All
 * that does not depend on the bins comes before the loops: V8 compiles a
 * loop together with the code after it, before that code has run.
 */
function residualPeak(initial: Float64Array, final: Float64Array, c: number, lo: number, hi: number, h: number, scratch: Float64Array, next: number): number {
  const n = initial.length;
  const pad = 4 * h;
  const step = Math.max(h / 4, (hi - lo + 2 * pad) / MAX_BINS);
  const bins = Math.ceil((hi - lo + 2 * pad) / step) + 1;
  // One slot past the grid takes the share of a point on its last node: never read.
  const counts = scratch.length > bins ? scratch : new Float64Array(bins + 1);
  counts.fill(0, 0, bins + 1);
  const origin = lo - pad;
  const half = Math.ceil((4 * h) / step);
  const kernel = gaussianKernel(half, step, h);
  const norm = 1 / (n * h * Math.sqrt(2 * Math.PI));
  let rLo = Infinity,
    rHi = -Infinity;
  // Two loops on purpose: one loop testing `next` per pair made an analysed
  // epoch 6-15% slower (width 300, bench/analysis.mjs).
  if (Number.isNaN(next)) {
    for (let j = 0; j < n; j++) {
      // Linear binning: split each point between its two nearest grid nodes.
      const t = (final[j]! - c * initial[j]! - origin) / step;
      const k = Math.floor(t);
      const f = t - k;
      counts[k]! += 1 - f;
      counts[k + 1]! += f;
    }
  } else {
    for (let j = 0; j < n; j++) {
      const wi = initial[j]!,
        wf = final[j]!;
      const t = (wf - c * wi - origin) / step;
      const k = Math.floor(t);
      const f = t - k;
      counts[k]! += 1 - f;
      counts[k + 1]! += f;
      const v = wf - next * wi;
      if (v < rLo) rLo = v;
      if (v > rHi) rHi = v;
    }
  }
  nextLo = rLo;
  nextHi = rHi;
  let best = -1,
    bestAt = 0;
  for (let g = 0; g < bins; g++) {
    if (counts[g] === 0 && (g === 0 || counts[g - 1] === 0) && (g + 1 >= bins || counts[g + 1] === 0)) continue;
    let s = 0;
    const a = Math.max(0, g - half),
      b = Math.min(bins - 1, g + half);
    for (let k = a; k <= b; k++) s += counts[k]! * kernel[k - g + half]!;
    if (s > best) {
      best = s;
      bestAt = origin + g * step;
    }
  }
  peakResidual = bestAt;
  return best * norm;
}

/** final - c initial, element by element. */
function residualsAt(c: number, initial: Float64Array, final: Float64Array): Float64Array {
  const r = new Float64Array(initial.length);
  for (let j = 0; j < r.length; j++) r[j] = final[j]! - c * initial[j]!;
  return r;
}

/** True when every final weight equals its initial one. */
function unmoved(initial: Float64Array, final: Float64Array): boolean {
  for (let j = 0; j < initial.length; j++) if (final[j] !== initial[j]) return false;
  return true;
}

/** Every (N / m)-th pair when N > m, as Float64Arrays. */
function strideSample(initial: ArrayLike<number>, final: ArrayLike<number>, m: number): { initial: Float64Array; final: Float64Array } {
  const n = initial.length;
  const k = Math.min(n, m);
  const wi = new Float64Array(k),
    wf = new Float64Array(k);
  sampleInto(initial, final, wi, wf);
  return { initial: wi, final: wf };
}

/** The pairs of weight floor(s N / k) for s = 0 .. k - 1 into wi, wf (of length k): every pair when k = N. A loop of its own: see argsortF32. */
function sampleInto(initial: ArrayLike<number>, final: ArrayLike<number>, wi: Float64Array, wf: Float64Array): void {
  const n = initial.length,
    k = wi.length;
  for (let s = 0; s < k; s++) {
    const j = k === n ? s : Math.floor((s * n) / k);
    wi[s] = initial[j]!;
    wf[s] = final[j]!;
  }
}

/** The middle of the last bracket of a golden-section search for the maximum of `score` on [a, b], narrowed to `tolerance`. */
function goldenSectionMax(score: (c: number) => number, a: number, b: number, tolerance: number): number {
  const phi = (Math.sqrt(5) - 1) / 2;
  let x1 = b - phi * (b - a),
    x2 = a + phi * (b - a);
  let f1 = score(x1),
    f2 = score(x2);
  while (b - a > tolerance) {
    if (f1 >= f2) {
      b = x2;
      x2 = x1;
      f2 = f1;
      x1 = b - phi * (b - a);
      f1 = score(x1);
    } else {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = a + phi * (b - a);
      f2 = score(x2);
    }
  }
  return (a + b) / 2;
}

export function cOpt(allInitial: ArrayLike<number>, allFinal: ArrayLike<number>, options: CoptOptions = {}): CoptResult {
  if (allInitial.length !== allFinal.length) throw new RangeError(`initial and final differ in length (${allInitial.length} vs ${allFinal.length})`);
  if (allInitial.length < 8) throw new RangeError(`c_opt needs at least 8 weights, got ${allInitial.length}`);
  const { cMin = -1, cMax = 3, coarseStep = 0.1, tolerance = 1e-4, bandwidthScale = 1, maxSamples = 200_000 } = options;
  const { initial, final } = strideSample(allInitial, allFinal, maxSamples);
  // Floor: with weights that have not moved the residual spread is 0 at the
  // ridge slope, and a zero bandwidth would make every density infinite.
  const h = Math.max(silverman(residualsAt(leastSquaresSlope(initial, final), initial, final)), 1e-4 * spreadOf(final)) * bandwidthScale;
  const counts = new Float64Array(MAX_BINS + 3);
  const peakAt = (c: number): { density: number; at: number } => {
    const lo = residualLo(initial, final, c);
    const density = residualPeak(initial, final, c, lo, rangeHi, h, counts, Number.NaN);
    return { density, at: peakResidual };
  };
  // Weights that have not moved (epoch 0) lie exactly on the identity line:
  // at c = 1 every residual is 0 and the density peak is the highest any
  // slope can reach, so c = 1 is the maximum the search looks for. Its 60
  // slopes would be a third of a one-epoch run's time; test/copt.test.ts
  // checks this answer against the search's on real initial weights.
  if (!options.searchUnmoved && cMin <= 1 && 1 <= cMax && unmoved(initial, final)) {
    const peak = peakAt(1);
    return { cOpt: 1, peakDensity: peak.density, intercept: peak.at, bandwidth: h, evaluations: 1 };
  }
  let evaluations = 0;
  const score = (c: number): number => {
    evaluations++;
    return peakAt(c).density;
  };

  let bestC = cMin,
    bestPeak: { density: number; at: number } | undefined;
  const steps = Math.round((cMax - cMin) / coarseStep);
  const slope = (k: number): number => cMin + k * coarseStep; // not accumulated: 1 is exactly 1
  let lo = residualLo(initial, final, slope(0)),
    hi = rangeHi;
  for (let k = 0; k <= steps; k++) {
    const c = slope(k);
    evaluations++;
    const peak = { density: residualPeak(initial, final, c, lo, hi, h, counts, k < steps ? slope(k + 1) : Number.NaN), at: peakResidual };
    lo = nextLo;
    hi = nextHi;
    if (peak.density > (bestPeak?.density ?? -Infinity)) {
      bestPeak = peak;
      bestC = c;
    }
  }
  // Golden-section search on [bestC - step, bestC + step].
  const refined = goldenSectionMax(score, bestC - coarseStep, bestC + coarseStep, tolerance);
  // A ridge sharper than the golden-section probes (weights that barely
  // moved) can leave the refinement on a flank: keep the better of the two.
  evaluations++;
  const refinedPeak = peakAt(refined);
  if (refinedPeak.density >= (bestPeak?.density ?? -Infinity)) {
    return { cOpt: refined, peakDensity: refinedPeak.density, intercept: refinedPeak.at, bandwidth: h, evaluations };
  }
  // No coarse slope had a density (non-finite weights): the first one's peak, as found.
  if (bestPeak === undefined) {
    evaluations++;
    bestPeak = peakAt(bestC);
  }
  return { cOpt: bestC, peakDensity: bestPeak.density, intercept: bestPeak.at, bandwidth: h, evaluations };
}
