import { describe, expect, it } from "vitest";
import { applyHessianPrinciple, curvatureGains } from "../src/model/hessianInit.js";
import { initialize } from "../src/model/init.js";
import { createLayout, type DenseLayerLayout, type ParamLayout, weightsOf } from "../src/model/layout.js";
import { Rng } from "../src/math/rng.js";
import type { Activation } from "../src/model/activation.js";

/**
 * --init hessian (src/model/hessianInit.ts): the Gauss-Newton trace chain,
 * checked against Jacobians taken by central differences of a float64
 * forward pass; the principle's scales for ReLU (He's on the hidden layers,
 * LeCun's on the linear output) and for tanh; the scaling law and the
 * determinism the bits rely on.
 */

/** u8 images: a blob of ink in the middle of a 28 x 28 frame, different per sample (MNIST-like: non-negative, mostly zero). */
function images(count: number, side = 28, seed = 3): Uint8Array {
  const rng = Rng.forStream(seed, "images");
  const out = new Uint8Array(count * side * side);
  for (let s = 0; s < count; s++)
    for (let i = 0; i < side * side; i++) {
      const r = Math.floor(i / side) - side / 2,
        c = (i % side) - side / 2;
      if (r * r + c * c < (side * side) / 10 && rng.uniform() < 0.6) out[s * side * side + i] = Math.floor(256 * rng.uniform());
    }
  return out;
}

const rms = (w: Float32Array): number => Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);

function principled(layout: ParamLayout, activation: Activation, seed = 1, count = 256): { params: Float32Array; rms: number[] } {
  const params = initialize(layout, Rng.forStream(seed, "init"), "hessian");
  const side = Math.sqrt(layout.inputSize);
  const sample = { images: images(count, side), count };
  return { params, rms: applyHessianPrinciple(layout, params, sample, activation) };
}

/** float64 logits of one sample (ReLU or tanh hidden layers), from any hidden layer's activations on. */
function logitsFrom(layout: ParamLayout, params: Float32Array, from: number, h: Float64Array, f: (z: number) => number): Float64Array {
  let x = h;
  for (const layer of layout.layers.slice(from)) {
    const w = weightsOf(params, layer);
    const z = Float64Array.from(params.subarray(layer.biasOffset, layer.biasOffset + layer.fanOut));
    for (let j = 0; j < layer.fanOut; j++) for (let i = 0; i < layer.fanIn; i++) z[j] = z[j]! + x[i]! * w[i * layer.fanOut + j]!;
    x = layer.hidden ? z.map(f) : z;
  }
  return x;
}

/** T(input of layer l) by brute force: J by central differences at that input, then tr(H_z J J^T) at the uniform prediction, averaged over samples. */
function bruteTrace(layout: ParamLayout, params: Float32Array, l: number, inputs: Float64Array[], f: (z: number) => number): number {
  const bias = (layer: DenseLayerLayout) => params.subarray(layer.biasOffset, layer.biasOffset + layer.fanOut);
  const C = layout.classes;
  let total = 0;
  for (const x0 of inputs) {
    // The activations entering layer l.
    let h = x0;
    for (const layer of layout.layers.slice(0, l)) {
      const w = weightsOf(params, layer);
      const z = Float64Array.from(bias(layer));
      for (let j = 0; j < layer.fanOut; j++) for (let i = 0; i < layer.fanIn; i++) z[j] = z[j]! + h[i]! * w[i * layer.fanOut + j]!;
      h = z.map(f);
    }
    const n = h.length,
      eps = 1e-6;
    const J = Array.from({ length: C }, () => new Float64Array(n));
    for (let i = 0; i < n; i++) {
      const plus = Float64Array.from(h),
        minus = Float64Array.from(h);
      plus[i] = plus[i]! + eps;
      minus[i] = minus[i]! - eps;
      const lp = logitsFrom(layout, params, l, plus, f),
        lm = logitsFrom(layout, params, l, minus, f);
      for (let c = 0; c < C; c++) J[c]![i] = (lp[c]! - lm[c]!) / (2 * eps);
    }
    // tr(H_z J J^T), H_z = (I - 11^T / C) / C.
    let t = 0;
    for (let a = 0; a < C; a++)
      for (let b = 0; b < C; b++) {
        const h_ab = ((a === b ? 1 : 0) - 1 / C) / C;
        let jj = 0;
        for (let i = 0; i < n; i++) jj += J[a]![i]! * J[b]![i]!;
        t += h_ab * jj;
      }
    total += t;
  }
  return total / inputs.length;
}

describe("the Hessian principle (--init hessian)", () => {
  // 6-5-4-3 takes the first layer's trace through its Jacobian at the input; 12-3-4-3 (a layer narrower than its input) through W^T W.
  it.each([
    [6, 5],
    [12, 3],
  ])("measures each layer's curvature gain as the brute-force Gauss-Newton trace does (%i-%i-4-3, tanh and ReLU)", (d, first) => {
    const layout = createLayout(d, [first, 4], 3);
    const sample = { images: Uint8Array.from({ length: d * 5 }, (_, i) => (i * 97 + 13) % 256), count: 5 };
    const inputs = Array.from({ length: 5 }, (_, s) => Float64Array.from(sample.images.subarray(s * d, s * d + d), (p) => p / 255));
    for (const [activation, f] of [
      ["tanh", Math.tanh],
      ["relu", (z: number) => Math.max(z, 0)],
    ] as const) {
      // Biases keep every pre-activation off ReLU's kink, where a central difference would see half a slope.
      const params = initialize(layout, Rng.forStream(2, "init"), "glorot-normal", 1, 0.05);
      const gains = curvatureGains(layout, params, sample, activation);
      const traces = [0, 1, 2, 3].map((l) => (l === 3 ? 2 / 3 : bruteTrace(layout, params, l, inputs, f)));
      // gain_l = T(input of layer l) / T(output of layer l) = trace[l] / trace[l + 1] (the logits' T is (C - 1) / C).
      for (let l = 0; l < 3; l++) expect(gains[l]! / (traces[l]! / traces[l + 1]!), `${activation} layer ${l + 1}`).toBeCloseTo(1, 5);
    }
  });

  it("gives ReLU's hidden layers He's scale sqrt(2 / fan-in) within 10%, and the linear output layer LeCun's sqrt(1 / fan-in)", () => {
    const layout = createLayout(784, [100, 100], 10);
    for (const seed of [1, 2]) {
      const { rms: r } = principled(layout, "relu", seed);
      const fanIn = layout.layers.map((l: DenseLayerLayout) => l.fanIn);
      expect(r[0]! / Math.sqrt(2 / fanIn[0]!)).toBeGreaterThan(0.9);
      expect(r[0]! / Math.sqrt(2 / fanIn[0]!)).toBeLessThan(1.1);
      expect(r[1]! / Math.sqrt(2 / fanIn[1]!)).toBeGreaterThan(0.9);
      expect(r[1]! / Math.sqrt(2 / fanIn[1]!)).toBeLessThan(1.1);
      expect(r[2]! / Math.sqrt(1 / fanIn[2]!)).toBeGreaterThan(0.9);
      expect(r[2]! / Math.sqrt(1 / fanIn[2]!)).toBeLessThan(1.1);
    }
  });

  it("leaves every layer's gain at 1, and the returned RMS is the weights'", () => {
    const layout = createLayout(784, [60, 40], 10);
    const { params, rms: r } = principled(layout, "relu");
    const sample = { images: images(256), count: 256 };
    for (const g of curvatureGains(layout, params, sample, "relu")) expect(g).toBeCloseTo(1, 5);
    layout.layers.forEach((layer, l) => expect(r[l]).toBeCloseTo(rms(weightsOf(params, layer)), 12));
  });

  it("for ReLU with zero biases does not depend on the shape's starting scale (its masks are scale-free)", () => {
    const layout = createLayout(784, [50, 50], 10);
    const sample = { images: images(128), count: 128 };
    const a = initialize(layout, Rng.forStream(4, "init"), "hessian");
    const b = a.map((v) => v * 8);
    const ra = applyHessianPrinciple(layout, a, sample, "relu");
    const rb = applyHessianPrinciple(layout, b, sample, "relu");
    ra.forEach((x, l) => expect(rb[l]! / x).toBeCloseTo(1, 5));
  });

  it("scales each gain by gamma^2 when every weight is scaled by gamma (ReLU)", () => {
    const layout = createLayout(784, [30, 30], 10);
    const sample = { images: images(64), count: 64 };
    const p = initialize(layout, Rng.forStream(6, "init"), "he-normal");
    const g1 = curvatureGains(layout, p, sample, "relu");
    const g4 = curvatureGains(
      layout,
      p.map((v) => v * 4),
      sample,
      "relu",
    );
    g1.forEach((g, l) => expect(g4[l]! / g).toBeCloseTo(16, 6));
  });

  it("gives tanh layers LeCun's scale or a little more (tanh' <= 1): not He's", () => {
    const layout = createLayout(784, [100, 100], 10);
    const { rms: r } = principled(layout, "tanh");
    for (const l of [0, 1]) {
      const lecun = Math.sqrt(1 / layout.layers[l]!.fanIn);
      expect(r[l]! / lecun).toBeGreaterThanOrEqual(1);
      expect(r[l]! / lecun).toBeLessThan(1.25);
    }
  });

  it("is a function of the weights and the sample: the same bits twice", () => {
    const layout = createLayout(784, [40, 40], 10);
    const one = principled(layout, "tanh", 9, 100).params;
    const two = principled(layout, "tanh", 9, 100).params;
    expect(Buffer.from(one.buffer).equals(Buffer.from(two.buffer))).toBe(true);
  });
});
