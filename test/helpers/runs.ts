import { expect } from "vitest";
import type { RunRecord } from "../../src/run/record.js";
import type { LayerAnalysis } from "../../src/analysis/layer.js";
import { regimes } from "../../src/analysis/regimes.js";
import { evaluateClaims } from "../../src/claims/evaluate.js";
import { PAPER_CLAIMS } from "../../src/claims/paper-claims.js";
import type { ClaimResult } from "../../src/claims/spec.js";
import { withDefaults } from "../../src/train/config.js";
import type { MetricRow } from "../../src/run/metrics.js";

/**
 * Synthetic runs for the claims' tests: a run's metric rows and analyses
 * from functions of the epoch, so each test states the behaviour a claim is
 * about and changes one thing to make it fail.
 */
export type Quantity = "c_opt" | "a0" | "a1" | "sigma0";

export interface Spec {
  dataset?: string;
  width: number;
  seed?: number;
  epochs?: number;
  loss?: (t: number) => number;
  testLoss?: (t: number) => number;
  rmsd?: (t: number) => number;
  contrast?: (t: number) => number;
  /** A mask's letter (W2); absent: unmasked. */
  mask?: string;
  /** Analysed epochs (default 0, 1, 10, 100, ... and the last). */
  analysed?: number[];
  /** A statistic of a layer at an analysed epoch >= 1 (defaults: c_opt 1, a0 0, a1 1.02, sigma0 0.001). */
  stat?: (q: Quantity, epoch: number, layer: string) => number | undefined;
  /** The quartiles of w_f in 4 bins of w_i over [-0.1, 0.1] (default: a tilted band around the diagonal). */
  bands?: { q25: number[]; median: number[]; q75: number[] };
  /** sigma at w_i = +-L/2 (default: sigma0, a flat spread). */
  sigmaHalf?: number;
  verified?: boolean;
  trainLimit?: number;
}

export const decaying = (floor: number) => (t: number) => 2.3 * Math.exp(-t / 10) + floor;

const DEFAULT_STATS: Record<Quantity, number> = { c_opt: 1, a0: 0, a1: 1.02, sigma0: 0.001 };
const EDGES = [-0.1, -0.05, 0, 0.05, 0.1];
/** Medians beyond the bin centres (+-0.075, +-0.025) and quartiles skewed outward at the ends: Figure 3's tilted band. */
const TILTED = {
  q25: [-0.09, -0.03, 0.02, 0.074],
  median: [-0.08, -0.025, 0.025, 0.08],
  q75: [-0.074, -0.02, 0.03, 0.09],
};

function logEpochs(epochs: number): number[] {
  const out = [0];
  for (let e = 1; e < epochs; e *= 10) out.push(e);
  return [...out, epochs];
}

export function run(s: Spec): RunRecord {
  const epochs = s.epochs ?? 200,
    dataset = s.dataset ?? "mnist",
    seed = s.seed ?? 1;
  const loss = s.loss ?? decaying(0.01 * (100 / s.width));
  const rmsd = s.rmsd ?? ((t: number) => (0.05 / Math.sqrt(s.width)) * Math.log1p(t));
  const rows: MetricRow[] = Array.from({ length: epochs + 1 }, (_, t) => ({
    epoch: t,
    train_loss: loss(t),
    train_accuracy: 0.9,
    test_loss: s.testLoss ? s.testLoss(t) : loss(t) + 0.05,
    test_accuracy: 0.9,
    rmsd: rmsd(t),
    rmsd_by_layer: [rmsd(t)],
    seconds: 0.1,
    ...(s.mask ? { mask_contrast: s.contrast ? s.contrast(t) : Math.min(0.3, t / 1000) } : {}),
  }));
  const analyses = (s.analysed ?? logEpochs(epochs)).flatMap((epoch) =>
    ["W1", "W2"].map((layer) => {
      const value = (q: Quantity): number => (epoch === 0 ? { c_opt: 1, a0: 0, a1: 1, sigma0: 0 }[q] : (s.stat?.(q, epoch, layer) ?? DEFAULT_STATS[q]));
      const a0 = value("a0"),
        a1 = value("a1"),
        sigma0 = value("sigma0");
      // <w_f^2>(w) = (a0 + a1 w)^2 + sigma(w)^2 with sigma(w)^2 = sigma0^2 + k w^2: sigma(+-L/2) = sigmaHalf.
      const half = epoch === 0 ? 0 : (s.sigmaHalf ?? sigma0);
      const k = (half * half - sigma0 * sigma0) / 0.05 ** 2;
      const bands =
        epoch === 0
          ? { q25: [-0.075, -0.025, 0.025, 0.075], median: [-0.075, -0.025, 0.025, 0.075], q75: [-0.075, -0.025, 0.025, 0.075] }
          : (s.bands ?? TILTED);
      return {
        epoch,
        layer,
        weights: 1000,
        rmsd: rmsd(epoch),
        c_opt: value("c_opt"),
        a0,
        a1,
        sigma0,
        b0: a0 * a0 + sigma0 * sigma0,
        b1: 2 * a0 * a1,
        b2: a1 * a1 + k,
        c_opt_intercept: 0,
        c_opt_bandwidth: 0.001,
        moments_weights: 1000,
        init_uniform_distance: 0.01,
        paper_moments: { a0, a1, sigma0 },
        bands: { edges: EDGES, count: [250, 250, 250, 250], ...bands },
        hist2d: { x_edges: [], y_edges: [], counts: [] },
      } as unknown as LayerAnalysis;
    }),
  );
  const config = withDefaults({
    dataset,
    hiddenWidths: [s.width, s.width],
    epochs,
    seed,
    trainLimit: s.trainLimit,
    mask: s.mask ? ({ source: s.mask, layer: "W2", invert: false } as never) : undefined,
  });
  return {
    dir: `/runs/${dataset}-w${s.width}-s${seed}${s.mask ? `-${s.mask}` : ""}`,
    dataset,
    datasetVerified: s.verified ?? true,
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

/** n seeds of one spec (seeds 1..n; `vary` changes a spec per seed). */
export const seeds = (spec: Spec, n = 3, vary?: (k: number) => Partial<Spec>): RunRecord[] =>
  Array.from({ length: n }, (_, k) => run({ ...spec, seed: k + 1, ...vary?.(k) }));

/** One claim's result on runs. */
export function claim(id: string, runs: RunRecord[]): ClaimResult {
  const spec = PAPER_CLAIMS.find((c) => c.id === id);
  expect(spec, id).toBeDefined();
  return evaluateClaims(runs, [spec!])[0]!;
}

/** A claim's paper verdict, with its reason in the failure message. */
export function expectVerdict(id: string, runs: RunRecord[], verdict: ClaimResult["verdict"]): ClaimResult {
  const r = claim(id, runs);
  expect(r.verdict, `${id}: ${r.reason}`).toBe(verdict);
  return r;
}

/** The claim fails on the named part (and only where that part is violated). */
export function expectFailsOn(id: string, runs: RunRecord[], partName: RegExp): ClaimResult {
  const r = expectVerdict(id, runs, "not reproduced");
  expect(r.margin?.holds).toBe(false);
  expect(r.reason).toMatch(partName);
  return r;
}

/** A loss that decays, then jumps at `at` to a plateau of 8 (the clip's plateau) and stays. */
export const diverging =
  (at: number, floor = 0.001) =>
  (t: number) =>
    t >= at ? 8 : decaying(floor)(t);

/** A loss that decays, then jumps to 3 over [from, to) and comes back: an excursion. */
export const spiking =
  (from: number, to: number, floor = 0.001) =>
  (t: number) =>
    t >= from && t < to ? 3 : decaying(floor)(t);

/** RMSD that grows slowly, jumps 5x at `at`, then stays. */
export const jumping = (at: number) => (t: number) => (t >= at ? 0.05 : 0.01 * Math.min(1, t / 50));
