import { polyfit } from "./linalg.js";
import { argsortF32 } from "./sort.js";

/**
 * Moments of the final weight as functions of the initial weight, by
 * cumulative sums (the paper's Appendix B, Eqs. A1-A4), which are less noisy
 * than binning.
 *
 * Sort the N pairs (w_i, w_f) of a layer by w_i; R = max w_i - min w_i.
 *   W1(w) = (R / N) sum_{w_i,j <= w} w_f,j    fitted by C + a0 w + (a1 / 2) w^2
 *   W2(w) = (R / N) sum_{w_i,j <= w} w_f,j^2  fitted by C + b0 w + b1 w^2 / 2 + b2 w^3 / 3
 * For w_i uniform on its range (Glorot uniform), dW1/dw = <w_f>(w) and
 * dW2/dw = <w_f^2>(w), so
 *   <w_f>(w_i)   = a0 + a1 w_i                  (A2)
 *   <w_f^2>(w_i) = b0 + b1 w_i + b2 w_i^2       (A3)
 *   sigma(w_i)   = sqrt(<w_f^2> - <w_f>^2)      (A4); sigma0 = sigma(0).
 * The cumulative sums are evaluated at `points` values of w spread evenly
 * over the sorted w_i (every N / points-th pair) and fitted by least squares.
 */
export interface Moments {
  a0: number;
  a1: number;
  b0: number;
  b1: number;
  b2: number;
  /** sigma(w_i = 0) = sqrt(b0 - a0^2), Figure A2. NaN if negative through noise. */
  sigma0: number;
}

/** Default number of points at which the cumulative sums are fitted. */
export const MOMENT_POINTS = 512;

export function cumulativeMoments(initial: ArrayLike<number>, final: ArrayLike<number>, points = MOMENT_POINTS, order?: Uint32Array): Moments {
  const n = initial.length;
  if (n !== final.length) throw new RangeError(`initial and final differ in length (${n} vs ${final.length})`);
  if (n < 8) throw new RangeError(`cumulative moments need at least 8 weights, got ${n}`);
  const idx = order ?? argsortF32(initial);
  const lo = initial[idx[0]!]!, hi = initial[idx[n - 1]!]!;
  const scale = (hi - lo) / n;
  const samples = Math.min(points, n);
  const w = new Float64Array(samples), s1 = new Float64Array(samples), s2 = new Float64Array(samples);
  let sum1 = 0, sum2 = 0, next = 0;
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
  const q = polyfit(w, s1, 2);
  const c = polyfit(w, s2, 3);
  const a0 = q[1]!, a1 = 2 * q[2]!;
  const b0 = c[1]!, b1 = 2 * c[2]!, b2 = 3 * c[3]!;
  const v = b0 - a0 * a0;
  return { a0, a1, b0, b1, b2, sigma0: v >= 0 ? Math.sqrt(v) : NaN };
}
