import { describe, expect, it } from "vitest";
import { polyfit } from "../src/analysis/linalg.js";
import { conditionalMoments, cumulativeMoments, fittable, layerMoments, splitZeroSpike, uniformDistance, uniformTolerance } from "../src/analysis/moments.js";
import { Rng } from "../src/math/rng.js";

describe("polyfit", () => {
  it("recovers an exact cubic", () => {
    const x = Array.from({ length: 50 }, (_, i) => -2 + i * 0.1);
    const y = x.map((v) => 1.5 - 2 * v + 0.25 * v * v + 3 * v ** 3);
    const c = polyfit(x, y, 3);
    [1.5, -2, 0.25, 3].forEach((want, k) => expect(c[k]).toBeCloseTo(want, 9));
  });
});

type Draw = (rng: Rng) => number;
const uniform: Draw = (rng) => 0.08 * (2 * rng.uniform() - 1);
const normal: Draw = (rng) => 0.05 * rng.normal();
/** A mask's structure: 40% of the weights exactly 0, the rest uniform. */
const spikeAndUniform: Draw = (rng) => (rng.uniform() < 0.4 ? 0 : uniform(rng));

/**
 * w_f = a0 + a1 w_i + noise of variance s0^2 + (s1 w_i)^2 (quadratic, as A3
 * with a linear A2 implies): the conditional mean is a0 + a1 w_i and
 * sigma(0) = s0, for any w_i distribution.
 */
function cloud(n: number, draw: Draw, a0: number, a1: number, s0: number, s1: number, seed: number) {
  const rng = Rng.forStream(seed, "cloud");
  const wi = new Float32Array(n),
    wf = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    wi[j] = draw(rng);
    wf[j] = a0 + a1 * wi[j]! + Math.sqrt(s0 * s0 + (s1 * wi[j]!) ** 2) * rng.normal();
  }
  return { wi, wf };
}

describe("moments by regression (right for any initial distribution)", () => {
  it.each([
    ["uniform", uniform],
    ["normal", normal],
    ["a spike at 0 plus uniform", spikeAndUniform],
  ] as const)("recovers a0, a1 and sigma(0) from a %s cloud", (_name, draw) => {
    for (const [a0, a1, s0] of [
      [0, 1, 0.01],
      [0.002, 1.2, 0.005],
      [-0.001, 0.8, 0.02],
    ] as const) {
      const { wi, wf } = cloud(200_000, draw, a0, a1, s0, 0.2, 11);
      const m = layerMoments(splitZeroSpike(wi, wf));
      // Tolerances: a few standard errors at N = 200,000 (120,000 outside the spike).
      expect(Math.abs(m.a0 - a0)).toBeLessThan(3e-4);
      expect(Math.abs(m.a1 - a1)).toBeLessThan(0.01);
      expect(Math.abs(m.sigma0 - s0) / s0).toBeLessThan(0.05);
      expect(m.b0).toBeCloseTo(m.a0 ** 2 + m.sigma0 ** 2, 12);
      // The second moment against the cloud's truth: <w_f^2>(w) = (a0 + a1 w)^2 + s0^2 + (s1 w)^2.
      expect(Math.abs(m.b1 - 2 * a0 * a1), "b1").toBeLessThan(1e-3);
      expect(Math.abs(m.b2 - (a1 * a1 + 0.2 * 0.2)) / (a1 * a1 + 0.2 * 0.2), "b2").toBeLessThan(0.02);
    }
  });

  it.each([
    ["uniform", uniform],
    ["normal", normal],
    ["a spike at 0 plus uniform", spikeAndUniform],
  ] as const)("gives a0 = 0, a1 = 1, sigma0 = 0 exactly when nothing moved (%s)", (_name, draw) => {
    for (const n of [8, 1000, 100_003]) {
      const { wi } = cloud(n, draw, 0, 1, 0, 0, n);
      const split = splitZeroSpike(wi, Float32Array.from(wi));
      if (!fittable(split.initial)) continue;
      const m = layerMoments(split);
      expect([m.a0, m.a1, m.sigma0, m.b0, m.b1, m.b2]).toEqual([0, 1, 0, 0, 0, 1]);
    }
  });

  it("scales with the initial weights: the same cloud times 1000 gives the same a1 and 1000 x a0, sigma0", () => {
    const { wi, wf } = cloud(50_000, normal, 0.001, 1.1, 0.004, 0, 5);
    const m = conditionalMoments(wi, wf);
    const big = conditionalMoments(
      wi.map((v) => v * 1000),
      wf.map((v) => v * 1000),
    );
    expect(big.a1).toBeCloseTo(m.a1, 3);
    expect(big.a0 / 1000).toBeCloseTo(m.a0, 6);
    expect(big.sigma0 / 1000).toBeCloseTo(m.sigma0, 6);
  });

  it("gives NaN moments, not an error, where a mask leaves too few weights to fit", () => {
    const wi = new Float32Array(100);
    wi[3] = 0.5;
    wi[7] = -0.5;
    const m = layerMoments(splitZeroSpike(wi, wi));
    expect(m.a1).toBeNaN();
    expect(m.zero_init).toEqual({ n: 98, mean: 0, std: 0 });
  });

  it("takes a mask's exact zeros apart and reports their drift", () => {
    const { wi, wf } = cloud(100_000, spikeAndUniform, 0, 1, 0.01, 0, 3);
    const split = splitZeroSpike(wi, wf);
    const m = layerMoments(split);
    expect(m.zero_init!.n).toBeGreaterThan(35_000);
    expect(m.moments_weights + m.zero_init!.n).toBe(100_000);
    expect(m.zero_init!.std).toBeCloseTo(0.01, 3);
    // Without the split, the spike at 0 drags the fitted slope's standard error but not a1's value: sigma0 is what it biases.
    expect(Math.abs(m.sigma0 - 0.01)).toBeLessThan(5e-4);
  });

  it("keeps the paper's cumulative estimator only where w_i is uniform", () => {
    const u = cloud(100_000, uniform, 0, 1, 0.01, 0, 4),
      g = cloud(100_000, normal, 0, 1, 0.01, 0, 4);
    const mu = layerMoments(splitZeroSpike(u.wi, u.wf)),
      mg = layerMoments(splitZeroSpike(g.wi, g.wf));
    expect(mu.init_uniform_distance).toBeLessThan(uniformTolerance(100_000));
    expect(mu.paper_moments!.a1).toBeCloseTo(1, 1);
    expect(mg.init_uniform_distance).toBeGreaterThan(0.05);
    expect(mg.paper_moments).toBeUndefined();
  });

  it("measures the distance from uniform as Kolmogorov-Smirnov does", () => {
    expect(uniformDistance([0, 1, 2, 3])).toBeCloseTo(0.25, 12);
    expect(uniformDistance([0, 0, 0, 1])).toBeCloseTo(0.75, 12);
  });

  it("the paper's estimator is biased off the uniform case, where regression is not", () => {
    const { wi, wf } = cloud(200_000, normal, 0, 1, 0.005, 0, 9);
    const paper = cumulativeMoments(wi, wf);
    const mine = conditionalMoments(wi, wf);
    expect(Math.abs(mine.a1 - 1)).toBeLessThan(0.01);
    expect(Math.abs(paper.a1 - 1)).toBeGreaterThan(0.05);
  });

  it("refuses mismatched, tiny or constant inputs", () => {
    expect(() => conditionalMoments([1, 2, 3], [1, 2])).toThrow(/differ in length/);
    expect(() => conditionalMoments([1, 2, 3], [1, 2, 3])).toThrow(/at least 8/);
    expect(() => conditionalMoments(new Array(10).fill(1), new Array(10).fill(1))).toThrow(/not all equal/);
  });
});
