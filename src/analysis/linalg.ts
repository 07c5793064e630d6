/**
 * Least squares for small polynomial fits: y ~ sum_k coef[k] * x^k, solved
 * through the normal equations in float64 after scaling x to [-1, 1] (which
 * keeps them well conditioned for degrees <= 3).
 */
export function polyfit(x: ArrayLike<number>, y: ArrayLike<number>, degree: number): number[] {
  const n = x.length;
  if (n <= degree) throw new RangeError(`polyfit needs more than ${degree} points, got ${n}`);
  const lo = least(x),
    hi = greatest(x);
  const mid = (lo + hi) / 2,
    half = (hi - lo) / 2 || 1;
  const m = degree + 1;
  // The normal equations' entries are power sums: A[r][c] = sum_i t_i^(r + c)
  // and A[r][m] = sum_i t_i^r y_i. Each sum is accumulated once, in point
  // order, and copied to every entry that shares it (the fits run over up to
  // a million weights).
  const powerSums = new Float64Array(2 * m - 1);
  const moments = new Float64Array(m);
  accumulatePowerSums(x, y, mid, half, powerSums, moments);
  const A = Array.from({ length: m }, (_, r) => {
    const row = new Float64Array(m + 1);
    for (let c = 0; c < m; c++) row[c] = powerSums[r + c]!;
    row[m] = moments[r]!;
    return row;
  });
  // Gaussian elimination with partial pivoting.
  for (let col = 0; col < m; col++) {
    let piv = col;
    for (let r = col + 1; r < m; r++) if (Math.abs(A[r]![col]!) > Math.abs(A[piv]![col]!)) piv = r;
    [A[col], A[piv]] = [A[piv]!, A[col]!];
    const p = A[col]![col]!;
    if (p === 0) throw new RangeError("polyfit: singular system (all x equal?)");
    for (let r = 0; r < m; r++) {
      if (r === col) continue;
      const f = A[r]![col]! / p;
      for (let c = col; c <= m; c++) A[r]![c]! -= f * A[col]![c]!;
    }
  }
  const scaled = A.map((row, r) => row[m]! / row[r]!);
  // Back from t = (x - mid) / half to x: expand sum_k s_k ((x - mid)/half)^k.
  const coef = new Array(m).fill(0);
  for (let k = 0; k < m; k++) {
    // Integer powers by repeated multiplication: ** is not specified to the bit.
    let halfK = 1;
    for (let i = 0; i < k; i++) halfK *= half;
    const s = scaled[k]! / halfK;
    // (x - mid)^k = sum_j C(k, j) x^j (-mid)^(k - j)
    let binom = 1;
    for (let j = 0; j <= k; j++) {
      let midPower = 1;
      for (let i = 0; i < k - j; i++) midPower *= -mid;
      coef[j] += s * binom * midPower;
      binom = (binom * (k - j)) / (j + 1);
    }
  }
  return coef;
}

// polyfit's passes over the points, each a function of its own that returns
// a number or nothing: see argsortF32.

function least(x: ArrayLike<number>): number {
  let lo = Infinity;
  for (let i = 0; i < x.length; i++) lo = Math.min(lo, x[i]!);
  return lo;
}

function greatest(x: ArrayLike<number>): number {
  let hi = -Infinity;
  for (let i = 0; i < x.length; i++) hi = Math.max(hi, x[i]!);
  return hi;
}

/** powerSums[k] += t^k and moments[r] += t^r y over the points, t = (x - mid) / half, in point order. */
function accumulatePowerSums(x: ArrayLike<number>, y: ArrayLike<number>, mid: number, half: number, powerSums: Float64Array, moments: Float64Array): void {
  const m = moments.length;
  const pw = new Float64Array(2 * m);
  pw[0] = 1;
  for (let i = 0; i < x.length; i++) {
    const t = (x[i]! - mid) / half;
    for (let k = 1; k < 2 * m; k++) pw[k] = pw[k - 1]! * t;
    for (let k = 0; k < 2 * m - 1; k++) powerSums[k]! += pw[k]!;
    const yi = y[i]!;
    for (let r = 0; r < m; r++) moments[r]! += pw[r]! * yi;
  }
}
