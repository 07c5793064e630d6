import { describe, expect, it } from "vitest";
import { CENSOR_EPOCHS, divergence, divergenceEpoch, lossEvents, regimes, type LossRow } from "../src/analysis/regimes.js";
import { Rng } from "../src/math/rng.js";

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

describe("t_div: a jump that stays up", () => {
  it("finds the epoch of a jump to a plateau that lasts to the end", () => {
    expect(divergenceEpoch(curve(200, 1, 137))).toBe(137);
    expect(divergenceEpoch(curve(120, 2, 70))).toBe(70);
  });

  it("finds none in noisy curves without a jump", () => {
    for (let seed = 0; seed < 50; seed++) expect(divergenceEpoch(curve(300, seed, undefined, 0.2))).toBeNull();
  });

  it("ignores a lone spike that comes straight back down, and records it as an excursion", () => {
    const rows = curve(100, 3);
    rows[50]!.train_loss = 5;
    const e = lossEvents(rows);
    expect(e.divergence).toBeNull();
    expect(e.excursions.map((x) => [x.onset, x.end, x.length])).toEqual([[50, 51, 1]]);
  });

  it("takes a non-finite loss as divergence at once", () => {
    const rows = curve(10, 4);
    rows[7]!.train_loss = NaN;
    expect(divergenceEpoch(rows)).toBe(7);
  });
});

describe("excursions, censoring and slow drifts", () => {
  /** A curve at a floor of 0.002 with the train loss set to `level` over [from, to). */
  const withSpell = (epochs: number, from: number, to: number, level: number): LossRow[] => {
    const rows = curve(epochs, 11, undefined, 0.02);
    for (let t = from; t < Math.min(to, epochs + 1); t++) rows[t]!.train_loss = level;
    return rows;
  };

  it("a spike that stays up for seven epochs and comes back is an excursion, never a divergence", () => {
    // The case: a real run's loss set to 3.0 for epochs 20-26 only.
    const rows = withSpell(40, 20, 27, 3.0);
    const r = regimes(rows);
    expect(r.t_div).toBeNull();
    expect(r.t_div_censored).toBeNull();
    expect(r.excursions).toHaveLength(1);
    const x = r.excursions[0]!;
    expect([x.onset, x.end, x.length]).toEqual([20, 27, 7]);
    expect(x.peak_loss).toBe(3.0);
    expect(x.height).toBeCloseTo(3.0 / x.best_before, 12);
    expect(x.rmsd_moved).toBe(false);
  });

  it("a loss that jumps to 3.0 and stays there for the rest of the run diverges", () => {
    const r = regimes(withSpell(120, 20, 121, 3.0));
    expect(r.t_div).toBe(20);
    expect(r.t_div_plateau).toBe(20);
    expect(r.div_plateau_loss).toBe(3.0);
    expect(r.excursions).toHaveLength(0);
  });

  it("a long excursion that comes back just before the end is still an excursion", () => {
    const r = regimes(withSpell(300, 100, 290, 8));
    expect(r.t_div).toBeNull();
    expect(r.excursions.map((x) => x.length)).toEqual([190]);
  });

  it(`a jump fewer than ${CENSOR_EPOCHS} epochs before the horizon is censored, not a divergence`, () => {
    const late = regimes(withSpell(200, 170, 201, 8));
    expect(late.t_div).toBeNull();
    expect(late.t_div_censored).toBe(170);
    // The same jump with the run continued long enough to see it stay up is a divergence.
    expect(regimes(withSpell(300, 170, 301, 8)).t_div).toBe(170);
  });

  it("a slow drift upward, even by two orders of magnitude, is no jump", () => {
    const rows = curve(400, 12, undefined, 0);
    for (let t = 100; t <= 400; t++) rows[t]!.train_loss = rows[99]!.train_loss * 1.02 ** (t - 99);
    const e = lossEvents(rows);
    expect(rows[400]!.train_loss / rows[99]!.train_loss).toBeGreaterThan(100);
    expect([e.divergence, e.censored, e.excursions.length]).toEqual([null, null, 0]);
  });

  it("records whether the RMSD moved across an excursion", () => {
    const rows = withSpell(100, 50, 55, 5);
    for (let t = 50; t <= 100; t++) rows[t]!.rmsd *= 3;
    const x = lossEvents(rows).excursions[0]!;
    expect(x.rmsd_ratio).toBeCloseTo((0.001 * 55 * 3) / (0.001 * 49), 9);
    expect(x.rmsd_moved).toBe(true);
  });

  it("finds a divergence after an excursion", () => {
    const rows = withSpell(300, 50, 55, 5);
    for (let t = 150; t <= 300; t++) rows[t]!.train_loss = 8;
    const r = regimes(rows);
    expect(r.excursions.map((x) => x.onset)).toEqual([50]);
    expect(r.t_div).toBe(150);
  });
});

describe("t_div onset and plateau", () => {
  it("dates an abrupt jump's onset and plateau to the jump's epoch", () => {
    const d = divergence(curve(200, 1, 137))!;
    expect([d.onset, d.detected, d.plateau]).toEqual([137, 137, 137]);
    expect(d.plateauLoss).toBeGreaterThan(7);
    expect(d.plateauLoss).toBeLessThan(9);
  });

  it("dates a ramp's onset to where the loss left its minimum, and its plateau to where the ramp ends", () => {
    const rows = curve(200, 7, undefined, 0);
    // A minimum of 0.02, then the loss doubles every epoch from epoch 100 up to a plateau at 8.
    for (let t = 90; t <= 200; t++) rows[t]!.train_loss = t < 100 ? 0.02 : Math.min(8, 0.02 * 2 ** (t - 99));
    const d = divergence(rows)!;
    // 0.04 at epoch 100 is within 2x the minimum; 0.08 at 101 has left it; 0.32 at 103 is the 10x jump.
    expect([d.onset, d.detected, d.plateau]).toEqual([101, 103, 108]);
  });

  it("catches a collapse to a plateau below 10x the best loss (every ReLU dead, the loss at the label entropy)", () => {
    const rows = curve(300, 8).map((r) => ({ ...r, train_loss: Math.max(r.train_loss, 0.4) }));
    for (let t = 150; t <= 300; t++) rows[t]!.train_loss = Math.log(10);
    const d = divergence(rows)!;
    expect(d.onset).toBe(150);
    expect(d.plateauLoss).toBeCloseTo(Math.log(10), 12);
    const r = regimes(rows);
    expect([r.t_div, r.t_div_plateau, r.horizon]).toEqual([150, 150, 300]);
  });

  it("does not take a slow rise of a few percent for a collapse", () => {
    const rows = curve(300, 9).map((r) => ({ ...r, train_loss: Math.max(r.train_loss, 0.4) }));
    for (let t = 150; t <= 300; t++) rows[t]!.train_loss = 0.4 * (1 + (t - 150) / 1000);
    expect(divergence(rows)).toBeNull();
  });
});

describe("regimes and t_theta", () => {
  it("reports minima, their epochs, and t_theta with RMSD(t_theta)", () => {
    const rows = curve(100, 5);
    const r = regimes(rows, [1, 0.01, 1e-9]);
    expect(r.t_min_test).toBe(40);
    expect(r.min_test_loss).toBeCloseTo(0.1, 12);
    // The train minimum: the first epoch of the lowest train loss, and that loss.
    const lowest = Math.min(...rows.map((x) => x.train_loss));
    expect(r.min_train_loss).toBe(lowest);
    expect(r.t_min_train).toBe(rows.findIndex((x) => x.train_loss === lowest));
    expect(r.t_min_train).toBeGreaterThan(50);
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
