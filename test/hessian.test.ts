import { describe, expect, it } from "vitest";
import { hessianTopEigenvalues } from "../src/analysis/hessian.js";
import { createLayout } from "../src/model/layout.js";
import { Network } from "../src/train/network.js";
import { mlpLossAndGrads, refLayersOf, type RefLayer } from "./helpers/reference.js";
import { randomF32, randomLabels, randomPixels } from "./helpers/random.js";
import { freshKernels } from "./helpers/wasm.js";

const layout = createLayout(6, [5, 4], 3);
const N = 16;

const refLayers = (params: ArrayLike<number>): RefLayer[] => refLayersOf(layout, params);

/** The analytic float64 gradient in layout order. */
function gradient(p: Float64Array, X: Float64Array, labels: Int32Array): Float64Array {
  const { grads } = mlpLossAndGrads(refLayers(p), X, labels, N);
  const g = new Float64Array(layout.paramCount);
  layout.layers.forEach((l) => {
    g.set(grads[l.index]!.dW, l.weightOffset);
    g.set(grads[l.index]!.db, l.biasOffset);
  });
  return g;
}

/** All eigenvalues of a symmetric matrix (cyclic Jacobi rotations). */
function eigenvalues(A: Float64Array[]): number[] {
  const n = A.length;
  const a = A.map((r) => Float64Array.from(r));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p]![q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(a[p]![q]!) < 1e-300) continue;
        const theta = (a[q]![q]! - a[p]![p]!) / (2 * a[p]![q]!);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1),
          s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k]![p]!,
            akq = a[k]![q]!;
          a[k]![p] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p]![k]!,
            aqk = a[q]![k]!;
          a[p]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
      }
  }
  return a.map((r, i) => r[i]!);
}

const largest = (values: number[]) => values.reduce((best, v) => (Math.abs(v) > Math.abs(best) ? v : best), 0);

describe("Hessian top eigenvalue", () => {
  const params = randomF32(layout.paramCount, 41, -0.8, 0.8);
  const pixels = randomPixels(N * 6, 42, 0.2);
  const labels = randomLabels(N, 3, 43);
  const X = Float64Array.from(pixels, (v) => Math.fround(v / 255));

  // Exact Hessian in float64: central differences of the analytic gradient.
  const p64 = Float64Array.from(params);
  const H: Float64Array[] = [];
  for (let i = 0; i < layout.paramCount; i++) {
    const h = 1e-5,
      saved = p64[i]!;
    p64[i] = saved + h;
    const gp = gradient(p64, X, labels);
    p64[i] = saved - h;
    const gm = gradient(p64, X, labels);
    p64[i] = saved;
    H.push(gp.map((v, j) => (v - gm[j]!) / (2 * h)));
  }
  for (let i = 0; i < H.length; i++)
    for (let j = 0; j < i; j++) {
      const m = (H[i]![j]! + H[j]![i]!) / 2;
      H[i]![j] = m;
      H[j]![i] = m;
    }

  const net = new Network(freshKernels(), layout, N, false);
  net.setParams(params);
  const split = { count: N, images: pixels, labels: Uint8Array.from(labels) };
  const result = hessianTopEigenvalues(net, split, { iterations: 300, tolerance: 1e-7 });

  it("matches the exact float64 Hessian's eigenvalue of largest magnitude, whole network", () => {
    const exact = largest(eigenvalues(H));
    expect(Math.abs(result.network - exact) / Math.abs(exact)).toBeLessThan(0.01);
  });

  it("matches each layer block's", () => {
    for (const [k, l] of layout.layers.entries()) {
      const from = l.weightOffset,
        to = l.biasOffset + l.fanOut;
      const block = H.slice(from, to).map((r) => r.slice(from, to));
      const exact = largest(eigenvalues(block));
      expect(result.blocks[k]!.layer).toBe(l.name);
      expect(Math.abs(result.blocks[k]!.value - exact) / Math.abs(exact), l.name).toBeLessThan(0.01);
    }
  });

  it("leaves the parameters exactly as they were", () => {
    expect(Array.from(net.params())).toEqual(Array.from(params));
  });
});
