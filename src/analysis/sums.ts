/**
 * The plain sums the analysis's estimators are built from, each one pass in
 * index order. Each is a function of its own that returns a number, so V8
 * compiles its loop once (see argsortF32); passes that used to share a loop
 * give the same sums apart.
 */

export function sumOf(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  return s;
}

/** sum v^2 */
export function sumOfSquares(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return s;
}

/** sum (v - mean)^2 */
export function squaredDeviations(v: ArrayLike<number>, mean: number): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) {
    const d = v[i]! - mean;
    s += d * d;
  }
  return s;
}

/** sum (y - x)^2 */
export function squaredDistance(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (y[i]! - x[i]!) * (y[i]! - x[i]!);
  return s;
}

/** sum (x - mx)(y - my) */
export function crossDeviations(x: ArrayLike<number>, y: ArrayLike<number>, mx: number, my: number): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i]! - mx) * (y[i]! - my);
  return s;
}
