import { describe, expect, it } from "vitest";
import { cos2pi, exp, log, pow } from "../src/math/portable.js";
import { snapshotEpochs } from "../src/run/schedule.js";
import { Rng } from "../src/math/rng.js";

/** Relative error in units of 2^-52. */
const ulps = (got: number, want: number): number => (want === 0 ? Math.abs(got) : Math.abs(got - want) / Math.abs(want)) / Number.EPSILON;

describe("portable elementary functions (IEEE basic operations only)", () => {
  const rng = Rng.forStream(1, "portable-math");

  it("log is within 2 ulp of Math.log from 1e-300 to 1e300, and exact at 1", () => {
    let worst = 0;
    for (let i = 0; i < 20_000; i++) {
      const x = 10 ** (600 * rng.uniform() - 300);
      worst = Math.max(worst, ulps(log(x), Math.log(x)));
    }
    for (let i = 0; i < 20_000; i++) {
      const u = 1 - rng.uniform();
      worst = Math.max(worst, ulps(log(u), Math.log(u)));
    }
    expect(worst).toBeLessThan(2);
    expect(log(1)).toBe(0);
    expect([log(0), log(-1), log(Infinity), log(NaN)]).toEqual([-Infinity, NaN, Infinity, NaN]);
  });

  it("exp is within 2 ulp of Math.exp over [-700, 700], and exact at 0", () => {
    let worst = 0;
    for (let i = 0; i < 20_000; i++) {
      const x = 1400 * rng.uniform() - 700;
      worst = Math.max(worst, ulps(exp(x), Math.exp(x)));
    }
    for (let i = 0; i < 20_000; i++) {
      const x = -8 * rng.uniform();
      worst = Math.max(worst, ulps(exp(x), Math.exp(x)));
    }
    expect(worst).toBeLessThan(2);
    expect(exp(0)).toBe(1);
    expect([exp(800), exp(-800), exp(NaN)]).toEqual([Infinity, 0, NaN]);
  });

  it("cos2pi(u) is within 2e-15 of Math.cos(2 pi u) and exact at the quarter turns", () => {
    let worst = 0;
    for (let i = 0; i < 50_000; i++) {
      const u = 4 * rng.uniform() - 2;
      worst = Math.max(worst, Math.abs(cos2pi(u) - Math.cos(2 * Math.PI * u)));
    }
    // Most of the gap is the reference's own rounding of 2 pi u (up to 1e-15 at |u| = 2).
    expect(worst).toBeLessThan(2e-15);
    expect([cos2pi(0), cos2pi(0.5), cos2pi(1), cos2pi(-0.5)]).toEqual([1, -1, 1, -1]);
    expect(cos2pi(0.25)).toBe(0);
  });

  it("pow(n, -0.2), Silverman's factor, is within 4 ulp of Math.pow", () => {
    for (const n of [1, 7, 1000, 199_999, 200_000, 785_000]) expect(ulps(pow(n, -0.2), n ** -0.2)).toBeLessThan(4);
  });

  it("the log snapshot schedule keeps its epochs", () => {
    expect(snapshotEpochs("log", 1000)).toEqual([0, 1, 2, 3, 6, 10, 18, 32, 56, 100, 178, 316, 562, 1000]);
  });
});
