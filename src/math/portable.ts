/**
 * Elementary functions built from +, -, *, / and Math.round, Math.abs and
 * Math.sqrt only: operations IEEE 754 and ECMAScript fix to the bit. Math.log,
 * Math.exp and Math.cos are not specified to the bit, and engines differ
 * (2 million Box-Muller draws in f64 differed between V8 and SpiderMonkey in
 * every block of 2,000). Everything that reaches parameters, hashes or
 * analysis.jsonl (normal initialisers, c_opt's kernel, the bandwidth rule)
 * uses these instead, so a run has the same bits in every engine.
 *
 * Accuracy: a few ulp over the ranges used (checked against Math.* in
 * test/portable-math.test.ts); not correctly rounded, but deterministic.
 */

// ln 2 split so that k * LN2_HI is exact for |k| < 2^11 (its low 32 bits are 0).
const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;
const SQRT_HALF = Math.SQRT1_2;
const SQRT_TWO = Math.SQRT2;
const TWO_PI = 6.283185307179586;

/** x * 2^k, by exact doublings and halvings (one rounding at most, where the result is subnormal). */
function scaleByPowerOfTwo(x: number, k: number): number {
  let y = x;
  for (; k > 0; k--) y *= 2;
  for (; k < 0; k++) y *= 0.5;
  return y;
}

/** Natural logarithm. */
export function log(x: number): number {
  if (Number.isNaN(x) || x < 0) return NaN;
  if (x === 0) return -Infinity;
  if (x === Infinity) return Infinity;
  // x = 2^k m with m in [sqrt(1/2), sqrt(2)): every step is exact.
  let m = x,
    k = 0;
  while (m < SQRT_HALF) {
    m *= 2;
    k--;
  }
  while (m >= SQRT_TWO) {
    m *= 0.5;
    k++;
  }
  // log(1 + f) = f - f^2/2 + s (f^2/2 + R), s = f / (2 + f), R = 2 s^2/3 + 2 s^4/5 + ... (|s| <= 0.172, so 9 terms reach 1e-18).
  const f = m - 1,
    s = f / (2 + f),
    z = s * s,
    hfsq = 0.5 * f * f;
  const R = z * (2 / 3 + z * (2 / 5 + z * (2 / 7 + z * (2 / 9 + z * (2 / 11 + z * (2 / 13 + z * (2 / 15 + z * (2 / 17 + z * (2 / 19)))))))));
  return k * LN2_HI - (hfsq - (s * (hfsq + R) + k * LN2_LO) - f);
}

/** e^x. */
export function exp(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x > 709.782712893384) return Infinity;
  if (x < -745.1332191019412) return 0;
  // x = k ln 2 + r, |r| <= ln(2) / 2; e^r by its Taylor series to r^16 (error below 1e-18).
  const k = Math.round(x / (LN2_HI + LN2_LO));
  const r = x - k * LN2_HI - k * LN2_LO;
  let p = 1;
  for (let n = 16; n >= 1; n--) p = 1 + (r / n) * p;
  return scaleByPowerOfTwo(p, k);
}

/** x^y for x > 0, as e^(y log x). */
export function pow(x: number, y: number): number {
  return exp(y * log(x));
}

/** cos(t) for |t| <= pi / 4, by its Taylor series to t^20. */
function cosSmall(t: number): number {
  const t2 = t * t;
  let p = 1;
  for (let n = 20; n >= 2; n -= 2) p = 1 - (t2 / (n * (n - 1))) * p;
  return p;
}

/** sin(t) for |t| <= pi / 4, by its Taylor series to t^21. */
function sinSmall(t: number): number {
  const t2 = t * t;
  let p = 1;
  for (let n = 21; n >= 3; n -= 2) p = 1 - (t2 / (n * (n - 1))) * p;
  return t * p;
}

/**
 * cos(2 pi u). Reduced in turns, where the reductions are exact: t = u -
 * round(u) in [-1/2, 1/2], a = |t|, then an octant: cos(2 pi a) for a <= 1/8,
 * sin(2 pi (1/4 - a)) up to 3/8, -cos(2 pi (1/2 - a)) beyond.
 */
export function cos2pi(u: number): number {
  if (!Number.isFinite(u)) return NaN;
  const a = Math.abs(u - Math.round(u));
  if (a <= 0.125) return cosSmall(TWO_PI * a);
  if (a <= 0.375) return sinSmall(TWO_PI * (0.25 - a));
  return -cosSmall(TWO_PI * (0.5 - a));
}
