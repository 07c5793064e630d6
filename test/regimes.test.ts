import { describe, expect, it } from "vitest";
import { divergenceEpoch, regimes, type LossRow } from "../src/analysis/regimes.js";
import { Rng } from "../src/train/rng.js";

/** A decaying train loss with multiplicative SGD-like noise, optionally jumping to a plateau at `jumpAt`. */
function curve(epochs: number, seed: number, jumpAt?: number, noise = 0.05): LossRow[] {
  const rng = Rng.forStream(seed, "curve");
  return Array.from({ length: epochs + 1 }, (_, t) => {
    let train = 2.3 * Math.exp(-t / 20) + 0.002;
    train *= 1 + noise * rng.normal();
    if (jumpAt !== undefined && t >= jumpAt) train = 8 + 0.3 * rng.normal();
    return { epoch: t, train_loss: train, test_loss: 0.1 + Math.abs(t - 40) / 400, rmsd: 0.001 * t };
  });
}

describe("t_div", () => {
  it("finds the epoch of a jump to a plateau", () => {
    expect(divergenceEpoch(curve(200, 1, 137))).toBe(137);
    expect(divergenceEpoch(curve(60, 2, 58))).toBe(58);
  });

  it("finds none in noisy curves without a jump", () => {
    for (let seed = 0; seed < 50; seed++) expect(divergenceEpoch(curve(300, seed, undefined, 0.2))).toBeNull();
  });

  it("ignores a lone spike that comes straight back down", () => {
    const rows = curve(100, 3);
    rows[50]!.train_loss = 5;
    expect(divergenceEpoch(rows)).toBeNull();
  });

  it("takes a non-finite loss as divergence at once", () => {
    const rows = curve(10, 4);
    rows[7]!.train_loss = NaN;
    expect(divergenceEpoch(rows)).toBe(7);
  });
});

describe("regimes and t_theta", () => {
  it("reports minima, their epochs, and t_theta with RMSD(t_theta)", () => {
    const r = regimes(curve(100, 5), [1, 0.01, 1e-9]);
    expect(r.t_min_test).toBe(40);
    expect(r.min_test_loss).toBeCloseTo(0.1, 12);
    expect(r.t_div).toBeNull();
    const reached = r.t_theta[0]!;
    expect(reached.epoch).toBeGreaterThan(0);
    expect(reached.rmsd).toBeCloseTo(0.001 * reached.epoch!, 12);
    expect(r.t_theta[2]).toEqual({ theta: 1e-9, epoch: null, rmsd: null });
  });

  it("counts a theta reached at epoch 0", () => {
    const r = regimes(curve(5, 6), [10]);
    expect(r.t_theta[0]).toEqual({ theta: 10, epoch: 0, rmsd: 0 });
  });
});
