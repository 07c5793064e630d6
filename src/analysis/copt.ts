import { exp, pow } from "../math/portable.js";
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

function leastSquaresSlope(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  let mx = 0,
    my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0,
    sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) * (x[i]! - mx);
  }
  return sxx > 0 ? sxy / sxx : 1;
}

function silverman(r: Float64Array): number {
  const n = r.length;
  let mean = 0;
  for (const v of r) mean += v;
  mean /= n;
  let v2 = 0;
  for (const v of r) v2 += (v - mean) * (v - mean);
  const sd = Math.sqrt(v2 / Math.max(1, n - 1));
  const sorted = Float64Array.from(r).sort();
  const iqr = sorted[Math.floor(0.75 * (n - 1))]! - sorted[Math.floor(0.25 * (n - 1))]!;
  const spread = Math.min(sd, iqr / 1.34) || sd || 1e-12;
  return 0.9 * spread * pow(n, -0.2);
}

function spreadOf(v: Float64Array): number {
  let mean = 0;
  for (const x of v) mean += x;
  mean /= v.length;
  let s = 0;
  for (const x of v) s += (x - mean) * (x - mean);
  return Math.sqrt(s / v.length) || 1;
}

/** Peak of the Gaussian KDE (bandwidth h) of r, and where it is. */
export function peakDensity(r: Float64Array, h: number): { density: number; at: number } {
  let lo = Infinity,
    hi = -Infinity;
  for (const v of r) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return peakDensityWithin(r, h, lo, hi);
}

// peakDensity for residuals whose range [lo, hi] is already known (c_opt
// finds it while computing them, saving a pass per evaluation).
function peakDensityWithin(r: Float64Array, h: number, lo: number, hi: number): { density: number; at: number } {
  const pad = 4 * h;
  const step = Math.max(h / 4, (hi - lo + 2 * pad) / MAX_BINS);
  const bins = Math.ceil((hi - lo + 2 * pad) / step) + 1;
  const counts = new Float64Array(bins);
  const origin = lo - pad;
  for (let j = 0; j < r.length; j++) {
    // Linear binning: split each point between its two nearest grid nodes.
    const t = (r[j]! - origin) / step;
    const k = Math.floor(t);
    const f = t - k;
    counts[k]! += 1 - f;
    if (k + 1 < bins) counts[k + 1]! += f;
  }
  const half = Math.ceil((4 * h) / step);
  const kernel = Float64Array.from({ length: 2 * half + 1 }, (_, i) => exp(-0.5 * (((i - half) * step) / h) * (((i - half) * step) / h)));
  const norm = 1 / (r.length * h * Math.sqrt(2 * Math.PI));
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
  return { density: best * norm, at: bestAt };
}

/** Every (N / m)-th pair when N > m, as Float64Arrays. */
function strideSample(initial: ArrayLike<number>, final: ArrayLike<number>, m: number): { initial: Float64Array; final: Float64Array } {
  const n = initial.length;
  const k = Math.min(n, m);
  const wi = new Float64Array(k),
    wf = new Float64Array(k);
  for (let s = 0; s < k; s++) {
    const j = k === n ? s : Math.floor((s * n) / k);
    wi[s] = initial[j]!;
    wf[s] = final[j]!;
  }
  return { initial: wi, final: wf };
}

export function cOpt(allInitial: ArrayLike<number>, allFinal: ArrayLike<number>, options: CoptOptions = {}): CoptResult {
  if (allInitial.length !== allFinal.length) throw new RangeError(`initial and final differ in length (${allInitial.length} vs ${allFinal.length})`);
  if (allInitial.length < 8) throw new RangeError(`c_opt needs at least 8 weights, got ${allInitial.length}`);
  const { cMin = -1, cMax = 3, coarseStep = 0.1, tolerance = 1e-4, bandwidthScale = 1, maxSamples = 200_000 } = options;
  const { initial, final } = strideSample(allInitial, allFinal, maxSamples);
  const n = initial.length;
  const r = new Float64Array(n);
  let lo = 0,
    hi = 0;
  const residuals = (c: number): Float64Array => {
    lo = Infinity;
    hi = -Infinity;
    for (let j = 0; j < n; j++) {
      const v = final[j]! - c * initial[j]!;
      r[j] = v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return r;
  };
  const peakAt = (c: number): { density: number; at: number } => peakDensityWithin(residuals(c), h, lo, hi);
  // Floor: with weights that have not moved the residual spread is 0 at the
  // ridge slope, and a zero bandwidth would make every density infinite.
  const h = Math.max(silverman(residuals(leastSquaresSlope(initial, final))), 1e-4 * spreadOf(final)) * bandwidthScale;
  let evaluations = 0;
  const score = (c: number): number => {
    evaluations++;
    return peakAt(c).density;
  };

  let bestC = cMin,
    bestS = -Infinity;
  const steps = Math.round((cMax - cMin) / coarseStep);
  for (let k = 0; k <= steps; k++) {
    const c = cMin + k * coarseStep; // not accumulated: 1 is exactly 1
    const s = score(c);
    if (s > bestS) {
      bestS = s;
      bestC = c;
    }
  }
  // Golden-section search on [bestC - step, bestC + step].
  const phi = (Math.sqrt(5) - 1) / 2;
  let a = bestC - coarseStep,
    b = bestC + coarseStep;
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
  // A ridge sharper than the golden-section probes (weights that barely
  // moved) can leave the refinement on a flank: keep the better of the two.
  const refined = (a + b) / 2;
  const c = score(refined) >= bestS ? refined : bestC;
  const peak = peakAt(c);
  evaluations++;
  return { cOpt: c, peakDensity: peak.density, intercept: peak.at, bandwidth: h, evaluations };
}
