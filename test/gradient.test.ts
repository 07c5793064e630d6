import { describe, expect, it } from "vitest";
import { ACTIVATIONS, type Activation } from "../src/model/activation.js";
import { createLayout } from "../src/model/layout.js";
import { Network } from "../src/train/network.js";
import { mlpLossAndGrads, refLayersOf, type RefLayer } from "./helpers/reference.js";
import { randomF32, randomLabels, randomPixels } from "./helpers/random.js";
import { freshKernels } from "./helpers/wasm.js";

const layout = createLayout(7, [5, 6], 4);
const rows = 3;

const refLayers = (params: ArrayLike<number>): RefLayer[] => refLayersOf(layout, params);

function lossAt(params: Float64Array, X: Float64Array, labels: Int32Array, activation: Activation = "relu"): number {
  return mlpLossAndGrads(refLayers(params), X, labels, rows, 1e-7, activation).loss;
}

describe.each(ACTIVATIONS.flatMap((a) => [false, true].map((sparse) => [a, sparse] as const)))("backward pass (%s, sparse input %s)", (activation, sparse) => {
  it("the wasm gradient of every parameter matches float64 central differences", () => {
    const params = randomF32(layout.paramCount, 31, -0.6, 0.6);
    const pixels = randomPixels(rows * 7, 32, 0.3);
    const labels = randomLabels(rows, 4, 33);
    const net = new Network(freshKernels(), layout, rows, sparse, activation);
    net.setParams(params);
    net.pixels().set(pixels);
    net.labels().set(labels);
    // With lr = 1 the step leaves params - grad; the difference is the gradient
    // up to one f32 rounding of the subtraction.
    net.trainStep(rows, 1, 1e-7);
    const after = net.params();
    const X = Float64Array.from(pixels, (v) => Math.fround(v / 255));
    const p64 = Float64Array.from(params);
    const h = 1e-6;
    let checked = 0;
    for (let i = 0; i < layout.paramCount; i++) {
      const saved = p64[i]!;
      p64[i] = saved + h;
      const up = lossAt(p64, X, labels, activation);
      p64[i] = saved - h;
      const down = lossAt(p64, X, labels, activation);
      p64[i] = saved;
      const fd = (up - down) / (2 * h);
      const wasm = params[i]! - after[i]!;
      expect(Math.abs(wasm - fd), `param ${i}: wasm ${wasm} fd ${fd}`).toBeLessThan(2e-6 + 1e-4 * Math.abs(fd));
      checked++;
    }
    expect(checked).toBe(layout.paramCount);
  });
});

describe.each(ACTIVATIONS)("float64 reference backprop (%s)", (activation) => {
  it("agrees with central differences (the oracle checks itself)", () => {
    const params = Float64Array.from(randomF32(layout.paramCount, 34, -0.6, 0.6));
    const X = Float64Array.from(randomF32(rows * 7, 35, 0, 1));
    const labels = randomLabels(rows, 4, 36);
    const { grads } = mlpLossAndGrads(refLayers(params), X, labels, rows, 1e-7, activation);
    const h = 1e-6;
    for (const l of layout.layers) {
      for (const [offset, g] of [
        [l.weightOffset, grads[l.index]!.dW],
        [l.biasOffset, grads[l.index]!.db],
      ] as const) {
        for (let i = 0; i < g.length; i++) {
          const saved = params[offset + i]!;
          params[offset + i] = saved + h;
          const up = lossAt(params, X, labels, activation);
          params[offset + i] = saved - h;
          const down = lossAt(params, X, labels, activation);
          params[offset + i] = saved;
          expect(Math.abs(g[i]! - (up - down) / (2 * h))).toBeLessThan(1e-7);
        }
      }
    }
  });
});
