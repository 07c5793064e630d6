import { describe, expect, it } from "vitest";
import { initialize, INITIALIZERS } from "../src/model/init.js";
import { biasesOf, createLayout, weightsOf } from "../src/model/layout.js";
import { Rng } from "../src/math/rng.js";

const layout = createLayout(400, [300], 200);
const W1 = layout.layers[0]!;

function moments(w: Float32Array) {
  let mean = 0,
    sq = 0,
    max = 0;
  for (const v of w) {
    mean += v;
    sq += v * v;
    max = Math.max(max, Math.abs(v));
  }
  mean /= w.length;
  return { mean, variance: sq / w.length - mean * mean, max };
}

describe("initialisers", () => {
  // Nominal variance of each scheme for W1 (fanIn 400, fanOut 300), and its bound.
  const cases: [string, number, number][] = [
    ["glorot-uniform", 2 / 700, Math.sqrt(6 / 700)],
    ["glorot-normal", 2 / 700, (2 * Math.sqrt(2 / 700)) / 0.8796],
    ["he-uniform", 2 / 400, Math.sqrt(6 / 400)],
    ["he-normal", 2 / 400, (2 * Math.sqrt(2 / 400)) / 0.8796],
    ["lecun-uniform", 1 / 400, Math.sqrt(3 / 400)],
    ["lecun-normal", 1 / 400, (2 * Math.sqrt(1 / 400)) / 0.8796],
  ];
  it.each(cases)("%s has mean 0, the nominal variance and its bound", (init, variance, bound) => {
    const w = weightsOf(initialize(layout, Rng.forStream(1, "init"), init as never), W1);
    const m = moments(w);
    expect(Math.abs(m.mean)).toBeLessThan(0.01 * Math.sqrt(variance));
    expect(m.variance / variance).toBeGreaterThan(0.98);
    expect(m.variance / variance).toBeLessThan(1.02);
    expect(m.max).toBeLessThanOrEqual(bound * 1.0000001);
    expect(m.max).toBeGreaterThan(bound * 0.95);
  });

  it("orthogonal gives orthonormal columns (fanIn >= fanOut) and rows (fanIn < fanOut)", () => {
    const p = initialize(layout, Rng.forStream(2, "init"), "orthogonal");
    for (const layer of layout.layers) {
      const w = weightsOf(p, layer);
      const { fanIn: r, fanOut: c } = layer;
      const k = Math.min(r, c);
      for (let a = 0; a < k; a += 37)
        for (let b = a; b < k; b += 41) {
          let dot = 0;
          for (let i = 0; i < Math.max(r, c); i++) dot += r >= c ? w[i * c + a]! * w[i * c + b]! : w[a * c + i]! * w[b * c + i]!;
          expect(dot).toBeCloseTo(a === b ? 1 : 0, 5);
        }
    }
  });

  it("scale multiplies the weights and bias sets every bias", () => {
    const base = initialize(layout, Rng.forStream(3, "init"), "he-normal");
    const scaled = initialize(layout, Rng.forStream(3, "init"), "he-normal", 0.25, 0.5);
    const wb = weightsOf(base, W1),
      ws = weightsOf(scaled, W1);
    // Scaling by a power of two is exact, so the bits must match.
    for (let i = 0; i < wb.length; i++) if (ws[i] !== 0.25 * wb[i]!) expect(ws[i]).toBe(0.25 * wb[i]!);
    expect(biasesOf(scaled, W1).every((b) => b === 0.5)).toBe(true);
    expect(biasesOf(base, W1).every((b) => b === 0)).toBe(true);
  });

  it("every scheme is a function of the seed alone", () => {
    for (const init of INITIALIZERS) {
      const [a, b] = [initialize(layout, Rng.forStream(5, "init"), init), initialize(layout, Rng.forStream(5, "init"), init)];
      // Byte comparison: toEqual walks typed arrays element by element and takes minutes on these.
      expect(Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength)), init).toBe(true);
    }
  });
});
