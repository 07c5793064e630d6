import { describe, expect, it } from "vitest";
import type { LayerAnalysis } from "../src/analysis/layer.js";
import { regimes } from "../src/analysis/regimes.js";
import { CONDENSATION_CLAIMS } from "../src/claims/condensation-claims.js";
import { evaluateClaims } from "../src/claims/evaluate.js";
import type { ClaimResult } from "../src/claims/spec.js";
import type { Activation } from "../src/model/activation.js";
import type { MetricRow } from "../src/run/metrics.js";
import type { RunRecord } from "../src/run/record.js";
import { withDefaults } from "../src/train/config.js";

/**
 * The condensation study's claims on synthetic runs: each test states the
 * first hidden layer's orientation clusters along a run (sizes of clusters of
 * two or more neurons, out of 100) and the train loss that marks its initial
 * stage, then changes one thing to make a claim fail or become untestable.
 */
interface Spec {
  activation?: Activation;
  scale?: number;
  seed?: number;
  /** Cluster sizes at each analysed epoch 1..epochs (epoch 0: none). */
  clusters?: (epoch: number) => number[] | undefined;
  /** The epoch the loss leaves the plateau (the initial stage ends before it). */
  leaves?: number;
  verified?: boolean;
}

function run(s: Spec): RunRecord {
  const epochs = 10;
  const leaves = s.leaves ?? 7;
  const rows: MetricRow[] = Array.from({ length: epochs + 1 }, (_, t) => ({
    epoch: t,
    train_loss: t < leaves ? 2.3 - 0.001 * t : 1.5 - 0.1 * (t - leaves),
    train_accuracy: 0.5,
    test_loss: 2,
    test_accuracy: 0.5,
    rmsd: 0.01 * t,
    rmsd_by_layer: [0.01 * t, 0.01 * t],
    seconds: 0.1,
  }));
  const analyses = rows.map((r) => {
    const clusters = r.epoch === 0 ? [] : (s.clusters ?? (() => [45, 40]))(r.epoch);
    const condensation = { threshold: 0.95, neurons: 100, orientations: 0, condensed_fraction: 0, largest_fraction: 0, dead: 0, mean_abs_cos: 0 };
    return { epoch: r.epoch, layer: "W1", condensation: clusters === undefined ? condensation : { ...condensation, clusters } } as unknown as LayerAnalysis;
  });
  const activation = s.activation ?? "relu";
  const config = withDefaults({
    dataset: "mnist",
    hiddenWidths: [100],
    epochs,
    seed: s.seed ?? 1,
    trainLimit: 6000,
    activation: activation === "relu" ? undefined : activation,
    initScale: s.scale === undefined || s.scale === 1 ? undefined : s.scale,
  });
  return {
    dir: `/runs/mnist-${activation}-${s.scale ?? 1}-s${s.seed ?? 1}`,
    dataset: "mnist",
    datasetVerified: s.verified ?? true,
    hiddenWidths: [100],
    variant: "",
    initScale: s.scale ?? 1,
    seed: s.seed ?? 1,
    status: "completed",
    config,
    rows,
    analyses,
    regimes: regimes(rows),
  };
}

const seeds = (s: Spec): RunRecord[] => [run({ ...s, seed: 1 }), run({ ...s, seed: 2 })];
const SMALL = 1e-9;
const verdicts = (runs: RunRecord[]): Record<string, ClaimResult> => Object.fromEntries(evaluateClaims(runs, CONDENSATION_CLAIMS).map((r) => [r.id, r]));
/** A study that holds: small starts condense on two orientations (45 and 40 of 100 neurons), standard ones not at all. */
const holding = (): RunRecord[] => [
  ...seeds({ scale: SMALL }),
  ...seeds({ scale: SMALL, activation: "tanh" }),
  ...seeds({ scale: 1, clusters: () => [] }),
  ...seeds({ scale: 1, activation: "tanh", clusters: () => [2, 2] }),
];

describe("the condensation study's claims", () => {
  it("hold where small starts condense on at most twice the multiplicity and standard starts do not", () => {
    const v = verdicts(holding());
    expect(v["condensation-relu-small"]!.verdict).toBe("reproduced");
    expect(v["condensation-twice-multiplicity"]!.verdict).toBe("reproduced");
    expect(v["condensation-needs-small-scale"]!.verdict).toBe("reproduced");
    expect(v["condensation-twice-multiplicity"]!.reason).toMatch(/mnist \(6000-sample training subset\)/);
  });

  it("x tanh x may condense on four orientations (multiplicity 2), ReLU not on three", () => {
    const four = () => [25, 25, 20, 20];
    expect(verdicts([...holding(), ...seeds({ scale: SMALL, activation: "xtanh", clusters: four })])["condensation-twice-multiplicity"]!.verdict).toBe(
      "reproduced",
    );
    const v = verdicts([
      ...holding().filter((r) => r.config.activation !== undefined || r.initScale === 1),
      ...seeds({ scale: SMALL, clusters: () => [40, 25, 20] }),
    ]);
    expect(v["condensation-twice-multiplicity"]!.verdict).toBe("not reproduced");
    expect(v["condensation-twice-multiplicity"]!.reason).toMatch(/most condensed orientations over twice the multiplicity 1\.5 \(needs <= 1\)/);
  });

  it("counts orientations over the whole initial stage, not after it: a split once the loss falls is not counted", () => {
    // Three clusters from epoch 7 on, when the loss has left its plateau.
    const late = (e: number) => (e >= 7 ? [40, 25, 20] : [45, 40]);
    expect(verdicts([...holding(), ...seeds({ scale: SMALL, clusters: late })])["condensation-twice-multiplicity"]!.verdict).toBe("reproduced");
    expect(verdicts([...holding(), ...seeds({ scale: SMALL, clusters: late, leaves: 9 })])["condensation-twice-multiplicity"]!.verdict).toBe("not reproduced");
  });

  it("fail where a small ReLU start has not condensed, or a standard start has", () => {
    const v = verdicts([...seeds({ scale: SMALL, clusters: () => [12, 10, 3] }), ...seeds({ scale: 1, clusters: () => [60] })]);
    expect(v["condensation-relu-small"]!.verdict).toBe("not reproduced");
    expect(v["condensation-relu-small"]!.reason).toMatch(/smallest share of neurons in condensed orientations 0\.22 \(needs >= 0\.5\)/);
    expect(v["condensation-needs-small-scale"]!.verdict).toBe("not reproduced");
  });

  it("say what is missing: cluster sizes not recorded, no small start, no layer that condensed, files not verified", () => {
    const unrecorded = verdicts(seeds({ scale: SMALL, clusters: () => undefined }));
    expect(unrecorded["condensation-relu-small"]!.verdict).toBe("not testable");
    expect(unrecorded["condensation-relu-small"]!.reason).toMatch(/--clusters/);
    const standardOnly = verdicts(seeds({ scale: 1, clusters: () => [] }));
    expect(standardOnly["condensation-relu-small"]!.verdict).toBe("not testable");
    expect(standardOnly["condensation-twice-multiplicity"]!.verdict).toBe("not testable");
    // x tanh x that never left its start: no condensed orientations to count, so nothing is claimed about it.
    const stuck = verdicts(seeds({ scale: SMALL, activation: "xtanh", clusters: () => [], leaves: 99 }));
    expect(stuck["condensation-twice-multiplicity"]!.verdict).toBe("not testable");
    expect(stuck["condensation-twice-multiplicity"]!.reason).toMatch(/0 small-scale runs whose first hidden layer condensed/);
    const unverified = verdicts(holding().map((r) => ({ ...r, datasetVerified: false })));
    expect(unverified["condensation-relu-small"]!.verdict).toBe("not testable");
    expect(unverified["condensation-relu-small"]!.extensions[0]!.verdict).toBe("reproduced");
  });
});
