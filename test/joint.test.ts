import { describe, expect, it } from "vitest";
import { analyzeLayer } from "../src/analysis/layer.js";
import { histogram2d, quantileBands } from "../src/analysis/joint.js";
import { argsortF32, selectRanks } from "../src/analysis/sort.js";
import { Rng } from "../src/math/rng.js";

describe("argsortF32", () => {
  it("orders negatives, zeros and positives like a comparison sort, stably", () => {
    const v = [0.5, -1, 0, -0.25, 3, -1, 1e-30, -1e-30, 2];
    const order = Array.from(argsortF32(v));
    const want = v
      .map((x, i) => [x, i] as const)
      .sort((a, b) => a[0] - b[0] || a[1] - b[1])
      .map(([, i]) => i);
    expect(order).toEqual(want);
  });
});

describe("selectRanks", () => {
  const rng = Rng.forStream(12, "select");
  const inputs: [string, number[]][] = [
    ["uniform", Array.from({ length: 1001 }, () => rng.uniform() - 0.5)],
    ["few distinct values", Array.from({ length: 500 }, () => rng.below(4) - 1)],
    ["ascending", Array.from({ length: 300 }, (_, i) => i / 7)],
    ["descending", Array.from({ length: 300 }, (_, i) => -i / 7)],
    ["all equal", new Array(64).fill(0.25)],
    ["one value", [3]],
    ["two values", [2, -2]],
  ];
  it.each(inputs)("gives the sorted array's values at any ranks (%s)", (_, v) => {
    const sorted = Float64Array.from(v).sort();
    const n = v.length;
    const ranks = [n - 1, 0, Math.floor(0.75 * (n - 1)), Math.floor(0.25 * (n - 1)), Math.floor(n / 2), Math.floor(n / 2), Math.min(n - 1, 1)];
    expect(selectRanks(Float64Array.from(v), ranks)).toEqual(ranks.map((r) => sorted[r]));
  });

  it("gives every rank of many small random arrays", () => {
    for (let t = 0; t < 40; t++) {
      const n = 1 + rng.below(60);
      const v = Array.from({ length: n }, () => rng.below(8) * (rng.uniform() < 0.5 ? 1 : 0.5));
      const sorted = Float64Array.from(v).sort();
      for (let r = 0; r < n; r++) expect(selectRanks(Float64Array.from(v), [r]), `n ${n} rank ${r}`).toEqual([sorted[r]]);
    }
  });

  it("with a NaN, falls back to the sort (NaNs last)", () => {
    const v = Float64Array.from([3, Number.NaN, 1, 2]);
    expect(selectRanks(v, [0, 2, 3])).toEqual([1, 3, Number.NaN]);
  });
});

describe("Figure 3 data", () => {
  it("quantile bands: hand-computed medians and quartiles per w_i bin", () => {
    // Two bins over w_i in [0, 2]: {0, 0.5} -> w_f {1, 2, 3, 4}; {1.5, 2} -> w_f {10, 20}.
    const wi = [0, 0.5, 0.5, 0, 1.5, 2];
    const wf = [1, 2, 3, 4, 10, 20];
    const b = quantileBands(wi, wf, argsortF32(wi), 2);
    expect(b.edges).toEqual([0, 1, 2]);
    expect(b.count).toEqual([4, 2]);
    expect(b.median).toEqual([2.5, 15]);
    expect(b.q25).toEqual([1.75, 12.5]);
    expect(b.q75).toEqual([3.25, 17.5]);
  });

  it("2-D histogram counts every pair once, with numpy's edges", () => {
    const h = histogram2d([0, 1, 1, 2], [0, 0, 2, 2], 2, 2);
    expect(h.x_edges).toEqual([0, 1, 2]);
    expect(h.counts).toEqual([
      [1, 0],
      [1, 2],
    ]);
  });
});

describe("analyzeLayer", () => {
  it("reports RMSD, moments and c_opt of a layer that drifted by a known amount", () => {
    const rng = Rng.forStream(1, "layer");
    const wi = Float32Array.from({ length: 100_000 }, () => 0.05 * (2 * rng.uniform() - 1));
    const wf = wi.map((w) => w + 0.002 * rng.normal());
    const a = analyzeLayer("W2", 7, wi, wf);
    expect(a).toMatchObject({ layer: "W2", epoch: 7, weights: 100_000 });
    expect(a.rmsd).toBeCloseTo(0.002, 4);
    expect(Math.abs(a.c_opt - 1)).toBeLessThan(0.01);
    expect(Math.abs(a.a1 - 1)).toBeLessThan(0.02);
    // sigma0 by regression (what the analysis reports): within 5%, as test/moments.test.ts holds it.
    expect(Math.abs(a.sigma0 - 0.002) / 0.002).toBeLessThan(0.05);
    // The paper's cumulative fit, reported beside it, is coarse when sigma is small next to the w_i range
    // (0.002 against 0.1): the empirical w_i density's deviation from uniform dominates. Within a factor of 1.5:
    expect(a.paper_moments!.sigma0).toBeGreaterThan(0.002 / 1.5);
    expect(a.paper_moments!.sigma0).toBeLessThan(0.002 * 1.5);
    expect(a.bands.count.reduce((x, y) => x + y)).toBe(100_000);
    expect(a.hist2d.counts.flat().reduce((x, y) => x + y)).toBe(100_000);
  });
});
