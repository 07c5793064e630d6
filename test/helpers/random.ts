import { Rng } from "../../src/math/rng.js";

/** Deterministic test data: uniform floats in [lo, hi) rounded to f32. */
export function randomF32(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rng = Rng.forStream(seed, "test-data");
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng.uniform();
  return a;
}

/** Pixels with about `zeroFraction` exact zeros, like MNIST. */
export function randomPixels(n: number, seed: number, zeroFraction = 0.8): Uint8Array {
  const rng = Rng.forStream(seed, "test-pixels");
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform() < zeroFraction ? 0 : 1 + rng.below(255);
  return a;
}

export function randomLabels(n: number, classes: number, seed: number): Int32Array {
  const rng = Rng.forStream(seed, "test-labels");
  return Int32Array.from({ length: n }, () => rng.below(classes));
}

/** Largest |a - b| / (atol + rtol |b|); <= 1 means within tolerance. */
export function worstError(a: ArrayLike<number>, b: ArrayLike<number>, atol: number, rtol: number): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i]! - b[i]!) / (atol + rtol * Math.abs(b[i]!));
    if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : e;
  }
  return worst;
}
