import { describe, expect, it } from "vitest";
import { cOpt } from "../src/analysis/copt.js";
import { splitZeroSpike } from "../src/analysis/moments.js";
import { glyphMask } from "../src/mask/glyph.js";
import { INITIALIZERS, initialize } from "../src/model/init.js";
import { createLayout, weightsOf } from "../src/model/layout.js";
import { Rng } from "../src/math/rng.js";

/**
 * A ridge w_f = c w_i + N(0, 0.002) holding 70% of the weights, and a broad
 * skewed component w_f = (c + 0.5) w_i + 0.01 Exp(1) holding the rest: the
 * mode of w_f given w_i lies on slope c, the mean on slope c + 0.15, so a
 * least-squares slope is off by 0.15 while the ridge is not.
 */
function skewedCloud(n: number, c: number, seed: number) {
  const rng = Rng.forStream(seed, "copt");
  const wi = new Float64Array(n),
    wf = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    wi[j] = 0.1 * (2 * rng.uniform() - 1);
    wf[j] = rng.uniform() < 0.7 ? c * wi[j]! + 0.002 * rng.normal() : (c + 0.5) * wi[j]! - 0.01 * Math.log(1 - rng.uniform());
  }
  return { wi, wf };
}

function leastSquares(x: Float64Array, y: Float64Array): number {
  const mx = x.reduce((a, b) => a + b) / x.length,
    my = y.reduce((a, b) => a + b) / y.length;
  let sxy = 0,
    sxx = 0;
  x.forEach((v, i) => {
    sxy += (v - mx) * (y[i]! - my);
    sxx += (v - mx) ** 2;
  });
  return sxy / sxx;
}

describe("c_opt (Eqs. A5, A6)", () => {
  it.each([1, 0.9, 1.3, 0.5])("finds the ridge slope %f within 0.01 where the least-squares slope is off", (c) => {
    const { wi, wf } = skewedCloud(100_000, c, 5);
    // The test means something only if the mean slope is clearly off.
    expect(Math.abs(leastSquares(wi, wf) - c)).toBeGreaterThan(0.1);
    const r = cOpt(wi, wf);
    expect(Math.abs(r.cOpt - c)).toBeLessThan(0.01);
    expect(r.evaluations).toBeLessThanOrEqual(41 + 2 + 20 + 2);
  });

  it("finds slope 1 for weights that barely moved", () => {
    const rng = Rng.forStream(9, "moved");
    const wi = Float64Array.from({ length: 50_000 }, () => 0.05 * (2 * rng.uniform() - 1));
    const wf = wi.map((w) => w + 0.001 * rng.normal());
    expect(Math.abs(cOpt(wi, wf).cOpt - 1)).toBeLessThan(0.01);
  });

  it("finds exactly 1 for weights that have not moved at all (epoch 0)", () => {
    const rng = Rng.forStream(10, "still");
    const wi = Float32Array.from({ length: 10_000 }, () => 0.05 * (2 * rng.uniform() - 1));
    expect(Math.abs(cOpt(wi, wi).cOpt - 1)).toBeLessThan(1e-9);
  });

  // Epoch 0 skips the search (see cOpt): its answer must be the search's, bit
  // for bit, on every initialiser and layer shape a run can start from.
  it.each(INITIALIZERS.map((init) => [init]))("answers weights that have not moved (%s) exactly as the search does", (init) => {
    const layout = createLayout(784, [100, 30], 10);
    const params = initialize(layout, Rng.forStream(3, "init"), init);
    for (const layer of layout.layers) {
      const w = weightsOf(params, layer);
      const { evaluations: _skipped, ...known } = cOpt(w, w);
      const { evaluations, ...searched } = cOpt(w, w, { searchUnmoved: true });
      expect(known).toEqual(searched);
      expect(known.cOpt).toBe(1);
      expect(evaluations).toBeGreaterThan(40);
    }
  });

  it("answers a masked layer that has not moved exactly as the search does", () => {
    const layout = createLayout(784, [100, 100], 10);
    const W2 = weightsOf(initialize(layout, Rng.forStream(4, "init")), layout.layers[1]!);
    const mask = glyphMask("a", 100, 100);
    const masked = W2.map((w, i) => (mask[i] ? w : 0));
    const { initial, final } = splitZeroSpike(masked, masked);
    const { evaluations: _a, ...known } = cOpt(initial, final);
    const { evaluations: _b, ...searched } = cOpt(initial, final, { searchUnmoved: true });
    expect(known).toEqual(searched);
  });

  it("searches as soon as one weight has moved", () => {
    const rng = Rng.forStream(11, "one");
    const wi = Float64Array.from({ length: 10_000 }, () => 0.05 * (2 * rng.uniform() - 1));
    const wf = Float64Array.from(wi);
    wf[5000] = wf[5000]! + 0.01;
    expect(cOpt(wi, wf).evaluations).toBeGreaterThan(40);
  });

  it("refuses mismatched inputs", () => {
    expect(() => cOpt([1, 2], [1])).toThrow(/differ in length/);
  });
});
