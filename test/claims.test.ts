import { describe, expect, it } from "vitest";
import type { RunRecord } from "../src/analysis/aggregate.js";
import type { LayerAnalysis } from "../src/analysis/layer.js";
import { regimes } from "../src/analysis/regimes.js";
import { evaluateClaims, rankCorrelation } from "../src/claims/evaluate.js";
import { PAPER_CLAIMS } from "../src/claims/paper-claims.js";
import { withDefaults } from "../src/train/config.js";
import type { MetricRow } from "../src/train/trainer.js";

/**
 * Synthetic runs in which a claim holds, and the same runs changed so that it
 * fails: every verdict must flip with the data, never be written by hand.
 */
interface Spec {
  dataset?: string;
  width: number;
  seed?: number;
  epochs?: number;
  loss?: (t: number) => number;
  rmsd?: (t: number) => number;
  contrast?: (t: number) => number;
  masked?: boolean;
  copt?: number;
  a1?: number;
  trainLimit?: number;
}

const decaying = (floor: number) => (t: number) => 2.3 * Math.exp(-t / 10) + floor;

function run(s: Spec): RunRecord {
  const epochs = s.epochs ?? 200,
    dataset = s.dataset ?? "mnist",
    seed = s.seed ?? 1;
  const loss = s.loss ?? decaying(0.01 * (100 / s.width));
  const rmsd = s.rmsd ?? ((t: number) => (0.05 / Math.sqrt(s.width)) * Math.log1p(t));
  const rows: MetricRow[] = Array.from({ length: epochs + 1 }, (_, t) => ({
    epoch: t,
    train_loss: loss(t),
    train_accuracy: 0.9,
    test_loss: loss(t) + 0.05,
    test_accuracy: 0.9,
    rmsd: rmsd(t),
    rmsd_by_layer: [rmsd(t)],
    seconds: 0.1,
    ...(s.masked ? { mask_contrast: s.contrast ? s.contrast(t) : Math.min(0.3, t / 1000) } : {}),
  }));
  const edges = [-0.1, -0.05, 0, 0.05, 0.1];
  const analyses = [0, epochs].flatMap((epoch) =>
    ["W1", "W2"].map(
      (layer) =>
        ({
          epoch,
          layer,
          weights: 1000,
          rmsd: rmsd(epoch),
          c_opt: epoch === 0 ? 1 : (s.copt ?? 1),
          a0: 0,
          a1: epoch === 0 ? 1 : (s.a1 ?? 1.02),
          sigma0: epoch === 0 ? 0 : 0.001,
          b0: 0,
          b1: 0,
          b2: 1,
          c_opt_intercept: 0,
          c_opt_bandwidth: 0.001,
          moments_weights: 1000,
          init_uniform_distance: 0.01,
          // The outermost bins' bands skewed outward (Figure 3's tilt).
          bands: {
            edges,
            count: [100, 100, 100, 100],
            q25: [-0.095, -0.04, 0.01, 0.065],
            median: [-0.075, -0.025, 0.025, 0.075],
            q75: [-0.065, -0.01, 0.04, 0.095],
          },
          hist2d: { x_edges: [], y_edges: [], counts: [] },
        }) as unknown as LayerAnalysis,
    ),
  );
  const config = withDefaults({
    dataset,
    hiddenWidths: [s.width, s.width],
    epochs,
    seed,
    trainLimit: s.trainLimit,
    mask: s.masked ? ({ source: "a", layer: "W2", invert: false } as never) : undefined,
  });
  return {
    dir: `/runs/${dataset}-w${s.width}-s${seed}${s.masked ? "-m" : ""}`,
    dataset,
    hiddenWidths: [s.width, s.width],
    variant: "",
    initScale: 1,
    seed,
    status: "completed",
    config,
    rows,
    analyses,
    regimes: regimes(rows),
  };
}

const seeds = (spec: Spec, n = 3): RunRecord[] => Array.from({ length: n }, (_, k) => run({ ...spec, seed: k + 1 }));
const verdict = (id: string, runs: RunRecord[]) => {
  const claim = PAPER_CLAIMS.find((c) => c.id === id)!;
  expect(claim, id).toBeDefined();
  return evaluateClaims(runs, [claim])[0]!;
};

/** A loss that decays, then jumps at `at` to a plateau of 8 (the clip's plateau) and stays. */
const diverging =
  (at: number, floor = 0.001) =>
  (t: number) =>
    t >= at ? 8 : decaying(floor)(t);
/** RMSD that grows slowly, jumps 5x at `at`, then stays. */
const jumping = (at: number) => (t: number) => (t >= at ? 0.05 : 0.01 * Math.min(1, t / 50));

describe("claims are computed from runs, and flip with them", () => {
  it("MNIST has no unstable learners: holds without divergence, fails when a width diverges", () => {
    const stable = [10, 100, 300].flatMap((w) => seeds({ width: w }));
    expect(verdict("mnist-no-unstable-learners", stable).verdict).toBe("reproduced");
    const broken = [...stable.slice(0, -1), run({ width: 300, seed: 3, loss: diverging(150) })];
    const v = verdict("mnist-no-unstable-learners", broken);
    expect(v.verdict).toBe("not reproduced");
    expect((v.evidence.mnist as { diverged_by_width: Record<string, string> }).diverged_by_width["300"]).toBe("1/3");
  });

  it("HASYv2's threshold: t_div grows towards ~300 and wider networks never diverge", () => {
    const unstable = (w: number, at: number) => seeds({ dataset: "hasyv2", width: w, epochs: 1000, loss: diverging(at) });
    const wide = (w: number) => seeds({ dataset: "hasyv2", width: w, epochs: 1000 });
    const holds = [...unstable(100, 200), ...unstable(200, 500), ...unstable(256, 800), ...wide(300), ...wide(512)];
    const v = verdict("hasy-divergence-threshold", holds);
    expect(v.verdict, v.reason).toBe("reproduced");
    // Divergence earlier in wider networks: the times shrink towards the threshold.
    const shrinking = [...unstable(100, 800), ...unstable(200, 500), ...unstable(256, 200), ...wide(300), ...wide(512)];
    expect(verdict("hasy-divergence-threshold", shrinking).verdict).toBe("not reproduced");
    // The widest width diverges too: no width beyond the threshold stays trainable.
    expect(verdict("hasy-divergence-threshold", [...holds.filter((r) => r.hiddenWidths[0] !== 512), ...unstable(512, 900)]).verdict).toBe("not reproduced");
  });

  it("RMSD jumps with the loss: holds when the RMSD jump sits at t_div, fails when it sits elsewhere", () => {
    const together = seeds({ width: 100, loss: diverging(120), rmsd: jumping(120) });
    expect(verdict("rmsd-jumps-with-loss", together).verdict).toBe("reproduced");
    const apart = seeds({ width: 100, loss: diverging(120), rmsd: jumping(40) });
    expect(verdict("rmsd-jumps-with-loss", apart).verdict).toBe("not reproduced");
    expect(verdict("rmsd-jumps-with-loss", seeds({ width: 100 })).verdict).toBe("not testable");
  });

  it("no recovery after divergence: holds on a plateau, fails when the loss comes back down", () => {
    expect(verdict("no-recovery-after-divergence", seeds({ width: 100, loss: diverging(100) })).verdict).toBe("reproduced");
    const recovers = (t: number) => (t >= 100 && t < 130 ? 8 : t >= 130 ? 0.01 : decaying(0.001)(t));
    expect(verdict("no-recovery-after-divergence", seeds({ width: 100, loss: recovers })).verdict).toBe("not reproduced");
  });

  it("larger networks reach lower minimum losses, or the claim fails", () => {
    const good = [10, 30, 100, 300].flatMap((w) => seeds({ width: w, loss: decaying(1 / w) }));
    expect(verdict("wider-lower-minimum-loss", good).verdict).toBe("reproduced");
    const reversed = [10, 30, 100, 300].flatMap((w) => seeds({ width: w, loss: decaying(w / 1000) }));
    const v = verdict("wider-lower-minimum-loss", reversed);
    expect(v.verdict).toBe("not reproduced");
    expect((v.evidence.mnist as { rank_correlation: number }).rank_correlation).toBe(1);
  });

  it("c_opt near 1 in wide networks: 1.01 holds, 1.2 does not, and a short horizon is not testable", () => {
    expect(verdict("copt-wide-near-one", seeds({ width: 300, copt: 1.01 })).verdict).toBe("reproduced");
    expect(verdict("copt-wide-near-one", seeds({ width: 300, copt: 1.2 })).verdict).toBe("not reproduced");
    const short = verdict("copt-wide-near-one", seeds({ width: 300, epochs: 3 }));
    expect(short.verdict).toBe("not testable");
    expect(short.reason).toMatch(/horizon too short/);
  });

  it("a mask keeps the loss: holds when masked runs match unmasked ones, fails when they train worse", () => {
    const plain = seeds({ width: 300 });
    expect(verdict("mask-keeps-loss", [...plain, ...seeds({ width: 300, masked: true })]).verdict).toBe("reproduced");
    const worse = seeds({ width: 300, masked: true, loss: decaying(0.2) });
    expect(verdict("mask-keeps-loss", [...plain, ...worse]).verdict).toBe("not reproduced");
  });

  it("the letter stays visible in a wide network for 1000 epochs, or it does not", () => {
    expect(verdict("mask-visible-wide", seeds({ width: 512, epochs: 1000, masked: true })).verdict).toBe("reproduced");
    expect(verdict("mask-visible-wide", seeds({ width: 512, epochs: 1000, masked: true, contrast: (t) => t / 1000 })).verdict).toBe("not reproduced");
    expect(verdict("mask-visible-wide", seeds({ width: 512, epochs: 200, masked: true })).verdict).toBe("not testable");
  });

  it("the mask is lost at divergence: holds when the contrast jumps there, fails when it crept up before", () => {
    const base = { width: 256, masked: true, loss: diverging(100) };
    expect(verdict("mask-lost-at-divergence", seeds({ ...base, contrast: (t: number) => (t >= 100 ? 0.95 : 0.05) })).verdict).toBe("reproduced");
    expect(verdict("mask-lost-at-divergence", seeds({ ...base, contrast: (t: number) => Math.min(0.95, t / 80) })).verdict).toBe("not reproduced");
  });

  it("weak learners drift furthest; the claim fails if the narrowest width trains best", () => {
    const holds = [10, 100, 300].flatMap((w) => seeds({ width: w, loss: decaying(1 / w), rmsd: (t) => t / (w * 100) }));
    expect(verdict("weak-learners-drift", holds).verdict).toBe("reproduced");
    const fails = [10, 100, 300].flatMap((w) => seeds({ width: w, loss: decaying(w / 1000), rmsd: (t) => t / (w * 100) }));
    expect(verdict("weak-learners-drift", fails).verdict).toBe("not reproduced");
  });

  it("large initial weights grow keeping their sign: holds with a1 > 1 and outward bands, fails with a1 < 1", () => {
    expect(verdict("large-weights-grow", seeds({ width: 300 })).verdict).toBe("reproduced");
    expect(verdict("large-weights-grow", seeds({ width: 300, a1: 0.9 })).verdict).toBe("not reproduced");
  });

  it("claims quoting full-data losses are not testable on a subset, and say why", () => {
    const runs = [10, 100].flatMap((w) => seeds({ dataset: "fashion-mnist", width: w, epochs: 1000, trainLimit: 6000 }));
    const v = verdict("fashion-width-10-vs-100", runs);
    expect(v.verdict).toBe("not testable");
    expect(v.reason).toMatch(/--train-limit/);
  });

  it("claims about a dataset with no runs are not testable, with that reason", () => {
    const v = verdict("hasy-divergence-threshold", seeds({ width: 100 }));
    expect(v.verdict).toBe("not testable");
    expect(v.reason).toMatch(/no runs of hasyv2/);
  });

  it("every claim gets a verdict, a reason, its source and its evidence", () => {
    const runs = [10, 30, 100, 300].flatMap((w) => seeds({ width: w }));
    const all = evaluateClaims(runs);
    expect(all.map((c) => c.id)).toEqual(PAPER_CLAIMS.map((c) => c.id));
    for (const c of all) {
      expect(["reproduced", "not reproduced", "not testable"]).toContain(c.verdict);
      expect(c.source.length).toBeGreaterThan(0);
      expect(c.reason.length).toBeGreaterThan(0);
      expect(typeof c.evidence).toBe("object");
      expect(c.predicate.length).toBeGreaterThan(0);
    }
  });

  it("rank correlation is Spearman's, ties averaged", () => {
    expect(rankCorrelation([1, 2, 3, 4], [10, 20, 30, 40])).toBe(1);
    expect(rankCorrelation([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
    expect(rankCorrelation([1, 2, 3], [1, 1, 2])).toBeCloseTo(Math.sqrt(3) / 2, 12);
  });
});
