import { describe, expect, it } from "vitest";
import { polyfit } from "../src/analysis/linalg.js";
import { cumulativeMoments } from "../src/analysis/moments.js";
import { Rng } from "../src/train/rng.js";

describe("polyfit", () => {
  it("recovers an exact cubic", () => {
    const x = Array.from({ length: 50 }, (_, i) => -2 + i * 0.1);
    const y = x.map((v) => 1.5 - 2 * v + 0.25 * v * v + 3 * v ** 3);
    const c = polyfit(x, y, 3);
    [1.5, -2, 0.25, 3].forEach((want, k) => expect(c[k]).toBeCloseTo(want, 9));
  });
});

describe("moments by cumulative fits (Appendix B)", () => {
  const cloud = (n: number, a0: number, a1: number, sigma: number, seed: number) => {
    const rng = Rng.forStream(seed, "cloud");
    const L = 0.08;
    const wi = new Float64Array(n), wf = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      wi[j] = L * (2 * rng.uniform() - 1);
      wf[j] = a0 + a1 * wi[j]! + sigma * rng.normal();
    }
    return { wi, wf };
  };

  it.each([
    [0, 1, 0.01],
    [0.002, 1.2, 0.005],
    [-0.001, 0.8, 0.02],
  ])("recovers a0=%f a1=%f sigma=%f from w_f = a0 + a1 w_i + noise", (a0, a1, sigma) => {
    const { wi, wf } = cloud(200_000, a0, a1, sigma, 11);
    const m = cumulativeMoments(wi, wf);
    // Tolerances: a few standard errors of each estimate at N = 200,000.
    expect(Math.abs(m.a0 - a0)).toBeLessThan(3e-4);
    expect(Math.abs(m.a1 - a1)).toBeLessThan(0.02);
    expect(Math.abs(m.sigma0 - sigma) / sigma).toBeLessThan(0.05);
    expect(m.b0).toBeCloseTo(a0 * a0 + sigma * sigma, 5);
  });

  it("refuses mismatched or tiny inputs", () => {
    expect(() => cumulativeMoments([1, 2, 3], [1, 2])).toThrow(/differ in length/);
    expect(() => cumulativeMoments([1, 2, 3], [1, 2, 3])).toThrow(/at least 8/);
  });
});
