import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { glorotUniform } from "../src/model/init.js";
import { createLayout, weightsOf, biasesOf } from "../src/model/layout.js";
import { Rng } from "../src/math/rng.js";
import { TOOL_VERSION } from "../src/version.js";

describe("parameter layout", () => {
  it("places W1, b1, W2, b2, W3, b3 back to back for the paper's network", () => {
    const l = createLayout(784, [100, 100], 10);
    expect(l.layers.map((x) => [x.name, x.fanIn, x.fanOut, x.weightOffset, x.biasOffset, x.hidden])).toEqual([
      ["W1", 784, 100, 0, 78400, true],
      ["W2", 100, 100, 78500, 88500, true],
      ["W3", 100, 10, 88600, 89600, false],
    ]);
    expect(l.paramCount).toBe(89610);
    expect(l.weightCount).toBe(78400 + 10000 + 1000);
  });

  it("takes any list of hidden widths", () => {
    const l = createLayout(10, [7, 5, 3], 2);
    expect(l.units).toEqual([10, 7, 5, 3, 2]);
    expect(l.layers.map((x) => x.hidden)).toEqual([true, true, true, false]);
  });

  it("refuses non-positive sizes", () => {
    expect(() => createLayout(784, [0], 10)).toThrow(/positive integers/);
  });
});

describe("Glorot uniform initialisation", () => {
  it("draws weights within +-sqrt(6 / (fanIn + fanOut)) with the uniform variance, and zero biases", () => {
    const layout = createLayout(784, [300, 300], 10);
    const p = glorotUniform(layout, Rng.forStream(1, "init"));
    for (const layer of layout.layers) {
      const limit = Math.sqrt(6 / (layer.fanIn + layer.fanOut));
      const w = weightsOf(p, layer);
      let max = 0,
        sumSq = 0,
        sum = 0;
      for (const v of w) {
        max = Math.max(max, Math.abs(v));
        sumSq += v * v;
        sum += v;
      }
      expect(max).toBeLessThanOrEqual(limit);
      expect(max).toBeGreaterThan(0.99 * limit);
      expect(Math.abs(sum / w.length)).toBeLessThan(0.05 * limit);
      // Relative: an absolute tolerance of 0.005 let a zero variance pass for W1 and W2 (limit^2 / 3 is 0.002 there).
      expect(Math.abs(sumSq / w.length / ((limit * limit) / 3) - 1)).toBeLessThan(0.05);
      expect(biasesOf(p, layer).every((b) => b === 0)).toBe(true);
    }
  });

  it("is a function of the seed alone", () => {
    const layout = createLayout(20, [8], 3);
    expect(glorotUniform(layout, Rng.forStream(4, "init"))).toEqual(glorotUniform(layout, Rng.forStream(4, "init")));
  });
});

describe("version", () => {
  it("equals package.json's", () => {
    expect(TOOL_VERSION).toBe(JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version);
  });
});
