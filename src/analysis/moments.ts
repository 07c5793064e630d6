import { polyfit } from "./linalg.js";
import { argsortF32 } from "./sort.js";
import { crossDeviations, squaredDeviations, sumOf, sumOfSquares } from "./sums.js";

/**
 * Moments of the final weight as functions of the initial weight: the
 * paper's Appendix B quantities (Eqs. A2-A4)
 *   <w_f>(w_i)   = a0 + a1 w_i
 *   <w_f^2>(w_i) = b0 + b1 w_i + b2 w_i^2
 *   sigma(w_i)   = sqrt(<w_f^2> - <w_f>^2);  sigma0 = sigma(0) (Figure A2).
 *
 * Two estimators (docs/method.md, "Moments"):
 * - `conditionalMoments`, the one initdrift reports: least-squares regression
 *   of w_f on w_i, then of the squared residuals on (1, w_i, w_i^2). It
 *   estimates the conditional moments for ANY distribution of w_i (normal,
 *   orthogonal, scaled, masked), and when w_f = w_i it gives a0 = 0, a1 = 1,
 *   sigma0 = 0 exactly.
 * - `cumulativeMoments`, the paper's own (Eqs. A1-A4): fits to cumulative sums
 *   whose derivative is the conditional moment only if w_i is spread
 *   uniformly. Kept, and reported beside the other, where that holds.
 */
export interface Moments {
  a0: number;
  a1: number;
  b0: number;
  b1: number;
  b2: number;
  /** sigma(w_i = 0), Figure A2. NaN if the fitted variance at 0 is clearly negative. */
  sigma0: number;
}

/** Default number of points at which the cumulative sums are fitted. */
export const MOMENT_POINTS = 512;

/** Smallest layer the fits accept. */
export const MIN_MOMENT_WEIGHTS = 8;

function checkPair(initial: ArrayLike<number>, final: ArrayLike<number>): number {
  const n = initial.length;
  if (n !== final.length) throw new RangeError(`initial and final differ in length (${n} vs ${final.length})`);
  if (n < MIN_MOMENT_WEIGHTS) throw new RangeError(`moments need at least ${MIN_MOMENT_WEIGHTS} weights, got ${n}`);
  return n;
}

/**
 * Conditional moments by regression, right for any distribution of w_i.
 *   a0, a1: ordinary least squares of w_f on w_i (the best linear predictor
 *   of w_f; the conditional mean wherever it is linear, as A2 assumes).
 *   v(w) = c0 + c1 w + c2 w^2: least squares of r^2, r = w_f - a0 - a1 w_i
 *   (the conditional variance, quadratic as A3 with a linear A2 implies).
 *   b = (a0^2 + c0, 2 a0 a1 + c1, a1^2 + c2), so sigma0^2 = b0 - a0^2 = c0.
 * A fitted variance at 0 below zero by no more than float error (1e-12 of
 * the mean square w_f) is 0; further below, sigma0 is NaN.
 */
export function conditionalMoments(initial: ArrayLike<number>, final: ArrayLike<number>): Moments {
  const n = checkPair(initial, final);
  const mx = sumOf(initial) / n,
    my = sumOf(final) / n;
  const sxx = squaredDeviations(initial, mx),
    sxy = crossDeviations(initial, final, mx, my),
    syy = sumOfSquares(final);
  if (!(sxx > 0)) throw new RangeError("moments need initial weights that are not all equal");
  // Identical arithmetic on identical arrays: w_f = w_i gives sxy = sxx and my = mx, so a1 = 1 and a0 = 0 exactly.
  const a1 = sxy / sxx,
    a0 = my - a1 * mx;
  const r2 = new Float64Array(n);
  const anyResidual = squaredResiduals(initial, final, a0, a1, r2);
  const [c0, c1, c2] = anyResidual ? polyfit(initial, r2, 2) : [0, 0, 0];
  const floor = 1e-12 * (syy / n);
  const v0 = c0! >= 0 ? c0! : c0! >= -floor ? 0 : NaN;
  return { a0, a1, b0: a0 * a0 + c0!, b1: 2 * a0 * a1 + c1!, b2: a1 * a1 + c2!, sigma0: Math.sqrt(v0) };
}

/** r2[j] = (final_j - a0 - a1 initial_j)^2; whether any residual is not 0. */
function squaredResiduals(initial: ArrayLike<number>, final: ArrayLike<number>, a0: number, a1: number, r2: Float64Array): boolean {
  let any = false;
  for (let j = 0; j < initial.length; j++) {
    const r = final[j]! - a0 - a1 * initial[j]!;
    r2[j] = r * r;
    if (r !== 0) any = true;
  }
  return any;
}

/**
 * The paper's estimator (Appendix B, Eqs. A1-A4), valid for w_i uniform on
 * its range. Sort the N pairs by w_i; R = max w_i - min w_i.
 *   W1(w) = (R / N) sum_{w_i,j <= w} w_f,j    fitted by C + a0 w + (a1 / 2) w^2
 *   W2(w) = (R / N) sum_{w_i,j <= w} w_f,j^2  fitted by C + b0 w + b1 w^2 / 2 + b2 w^3 / 3
 * For uniform w_i, dW1/dw = <w_f>(w) and dW2/dw = <w_f^2>(w). The sums are
 * evaluated at `points` values of w spread evenly over the sorted w_i (every
 * N / points-th pair) and fitted by least squares.
 */
export function cumulativeMoments(initial: ArrayLike<number>, final: ArrayLike<number>, points = MOMENT_POINTS, order?: Uint32Array): Moments {
  const n = checkPair(initial, final);
  const idx = order ?? argsortF32(initial);
  const lo = initial[idx[0]!]!,
    hi = initial[idx[n - 1]!]!;
  const scale = (hi - lo) / n;
  const samples = Math.min(points, n);
  const w = new Float64Array(samples),
    s1 = new Float64Array(samples),
    s2 = new Float64Array(samples);
  cumulativeSums(initial, final, idx, scale, w, s1, s2);
  const q = polyfit(w, s1, 2);
  const c = polyfit(w, s2, 3);
  const a0 = q[1]!,
    a1 = 2 * q[2]!;
  const b0 = c[1]!,
    b1 = 2 * c[2]!,
    b2 = 3 * c[3]!;
  const v = b0 - a0 * a0;
  return { a0, a1, b0, b1, b2, sigma0: v >= 0 ? Math.sqrt(v) : NaN };
}

/**
 * W1 and W2 at w.length points spread evenly over the sorted pairs, into
 * s1, s2 and their w_i into w. A loop of its own: see argsortF32.
 */
function cumulativeSums(
  initial: ArrayLike<number>,
  final: ArrayLike<number>,
  idx: Uint32Array,
  scale: number,
  w: Float64Array,
  s1: Float64Array,
  s2: Float64Array,
): void {
  const n = initial.length,
    samples = w.length;
  let sum1 = 0,
    sum2 = 0,
    next = 0;
  for (let j = 0; j < n && next < samples; j++) {
    const f = final[idx[j]!]!;
    sum1 += f;
    sum2 += f * f;
    // The sample after pair j sits at its w_i (sum over w_i,j' <= w_i,j).
    if (j === Math.floor(((next + 1) * n) / samples) - 1) {
      w[next] = initial[idx[j]!]!;
      s1[next] = sum1 * scale;
      s2[next] = sum2 * scale;
      next++;
    }
  }
}

/**
 * Kolmogorov-Smirnov distance between the sorted values and the uniform
 * distribution on [min, max]: how far the paper's uniform assumption is off.
 */
export function uniformDistance(sorted: ArrayLike<number>, order?: Uint32Array): number {
  const n = sorted.length;
  const at = (k: number): number => sorted[order ? order[k]! : k]!;
  const lo = at(0),
    span = at(n - 1) - lo;
  if (!(span > 0)) return 1;
  let d = 0;
  for (let k = 0; k < n; k++) {
    const u = (at(k) - lo) / span;
    d = Math.max(d, Math.abs(u - k / n), Math.abs(u - (k + 1) / n));
  }
  return d;
}

/**
 * The largest KS distance still called uniform: the 1% critical value
 * 1.63 / sqrt(N), and never below 0.01 (f32 rounding and the deterministic
 * generator keep Glorot-uniform layers well inside it).
 */
export function uniformTolerance(n: number): number {
  return Math.max(0.01, 1.63 / Math.sqrt(n));
}

/** Initial weights that are exactly 0 on at least this share of a layer are a structural spike (a mask), fitted apart. */
export const ZERO_SPIKE_FRACTION = 0.01;

/** The weights whose initial value is exactly 0 (a mask's outside), summarised apart from the rest. */
export interface ZeroInitSummary {
  /** How many initial weights are exactly 0. */
  n: number;
  /** Mean and standard deviation of their current values. */
  mean: number;
  std: number;
}

/** Everything the analysis reports about the (w_i, w_f) moments of one layer. */
export interface LayerMoments extends Moments {
  /** How many pairs the moments were fitted on (the layer less a zero spike). */
  moments_weights: number;
  /** Present when ZERO_SPIKE_FRACTION or more of the initial weights are exactly 0. */
  zero_init?: ZeroInitSummary;
  /** KS distance of the fitted w_i from uniform. */
  init_uniform_distance: number;
  /** The paper's cumulative estimator, only where w_i passes as uniform (its assumption). */
  paper_moments?: Pick<Moments, "a0" | "a1" | "sigma0">;
}

/** A layer's pairs with a structural zero spike taken out, and the spike's summary (if any). */
export interface SpikeSplit {
  initial: ArrayLike<number>;
  final: ArrayLike<number>;
  zero?: ZeroInitSummary;
}

/** Splits off a structural zero spike: the pairs to fit, and the summary of the spike (if any). */
export function splitZeroSpike(initial: ArrayLike<number>, final: ArrayLike<number>): SpikeSplit {
  const n = initial.length;
  const zeros = zeroCount(initial);
  if (zeros === 0 || zeros < ZERO_SPIKE_FRACTION * n) return { initial, final };
  const keptI = new Float32Array(n - zeros),
    keptF = new Float32Array(n - zeros);
  let k = 0,
    sum = 0,
    sum2 = 0;
  for (let j = 0; j < n; j++) {
    if (initial[j] === 0) {
      sum += final[j]!;
      sum2 += final[j]! * final[j]!;
      continue;
    }
    keptI[k] = initial[j]!;
    keptF[k] = final[j]!;
    k++;
  }
  const mean = sum / zeros;
  return { initial: keptI, final: keptF, zero: { n: zeros, mean, std: Math.sqrt(Math.max(0, sum2 / zeros - mean * mean)) } };
}

/** How many values are exactly 0. A loop of its own: see argsortF32. */
function zeroCount(values: ArrayLike<number>): number {
  let zeros = 0;
  for (let j = 0; j < values.length; j++) if (values[j] === 0) zeros++;
  return zeros;
}

/** What a layer with too few distinct initial weights to fit reports: NaN moments. */
const NO_MOMENTS: Moments = { a0: NaN, a1: NaN, b0: NaN, b1: NaN, b2: NaN, sigma0: NaN };

/** Whether the pairs can be fitted: at least MIN_MOMENT_WEIGHTS of them, and initial weights that are not all equal. */
export function fittable(initial: ArrayLike<number>): boolean {
  if (initial.length < MIN_MOMENT_WEIGHTS) return false;
  for (let j = 1; j < initial.length; j++) if (initial[j] !== initial[0]) return true;
  return false;
}

/**
 * The moments of one layer (split by splitZeroSpike): regression on the
 * non-spike pairs, the spike apart, the paper's estimator where w_i is
 * uniform. A layer left with too few pairs to fit (a mask covering almost
 * all of it) gets NaN moments (null in JSON), never an error mid-run.
 * `sorted`, when the caller has it, is argsortF32 of the split's initial weights.
 */
export function layerMoments({ initial: wi, final: wf, zero }: SpikeSplit, sorted?: Uint32Array): LayerMoments {
  if (!fittable(wi)) return { ...NO_MOMENTS, moments_weights: wi.length, init_uniform_distance: NaN, ...(zero ? { zero_init: zero } : {}) };
  const m = conditionalMoments(wi, wf);
  const order = sorted ?? argsortF32(wi);
  const distance = uniformDistance(wi, order);
  const out: LayerMoments = { ...m, moments_weights: wi.length, init_uniform_distance: distance };
  if (zero) out.zero_init = zero;
  if (distance <= uniformTolerance(wi.length)) {
    const p = cumulativeMoments(wi, wf, undefined, order);
    out.paper_moments = { a0: p.a0, a1: p.a1, sigma0: p.sigma0 };
  }
  return out;
}
