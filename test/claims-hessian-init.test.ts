import { describe, expect, it } from "vitest";
import type { LayerAnalysis } from "../src/analysis/layer.js";
import { regimes } from "../src/analysis/regimes.js";
import { evaluateClaims } from "../src/claims/evaluate.js";
import { HESSIAN_INIT_CLAIMS } from "../src/claims/hessian-init-claims.js";
import type { ClaimResult } from "../src/claims/spec.js";
import type { Initializer } from "../src/model/init.js";
import type { MetricRow } from "../src/run/metrics.js";
import type { RunRecord } from "../src/run/record.js";
import { withDefaults } from "../src/train/config.js";

/**
 * The Hessian-initialisation study's claims on synthetic runs of two ReLU
 * layers of 100 on MNIST: each run states its layers' initial RMS, their
 * curvature gains at epoch 0 and the loss it ends at; each test changes one
 * of them to make a claim fail or become untestable.
 */
interface Spec {
  init?: Initializer;
  scale?: number;
  seed?: number;
  /** Each layer's initial RMS over He's sqrt(2 / fan-in) (hidden layers). */
  heRatio?: number;
  /** Each layer's curvature gain at epoch 0 (default: scale^2, the principle at scale 1). */
  gain?: number;
  /** The train loss at the last epoch (default: grows with the distance from the principle). */
  finalLoss?: number;
  status?: RunRecord["status"];
  recorded?: boolean;
}

const UNITS = [784, 100, 100, 10];

function run(s: Spec): RunRecord {
  const scale = s.scale ?? 1,
    epochs = 10;
  const gain = s.gain ?? scale * scale;
  const deviation = 3 * Math.abs(Math.log(gain));
  const last = s.finalLoss ?? 0.1 + 0.1 * deviation;
  const rows: MetricRow[] = Array.from({ length: epochs + 1 }, (_, t) => ({
    epoch: t,
    train_loss: 2.3 + (t / epochs) * (last - 2.3),
    train_accuracy: 0.5,
    test_loss: 2,
    test_accuracy: 0.5,
    rmsd: 0.01 * t,
    rmsd_by_layer: [0.01 * t, 0.01 * t, 0.01 * t],
    seconds: 0.1,
  }));
  const analyses = ["W1", "W2", "W3"].map(
    (layer) => ({ epoch: 0, layer, ...(s.recorded === false ? {} : { hessian_gain: gain, hessian_top_network: gain }) }) as unknown as LayerAnalysis,
  );
  const he = (l: number) => (s.heRatio ?? 1) * Math.sqrt(2 / UNITS[l]!);
  const config = withDefaults({
    dataset: "mnist",
    hiddenWidths: [100, 100],
    epochs,
    seed: s.seed ?? 1,
    trainLimit: 6000,
    init: s.init ?? "glorot-uniform",
    initScale: scale === 1 ? undefined : scale,
  });
  return {
    dir: `/runs/mnist-${s.init}-${scale}-s${s.seed ?? 1}`,
    dataset: "mnist",
    datasetVerified: true,
    hiddenWidths: [100, 100],
    variant: "",
    initScale: scale,
    units: UNITS,
    ...(s.recorded === false ? {} : { initialWeightRms: [he(0), he(1), Math.sqrt(1 / 100)] }),
    seed: s.seed ?? 1,
    status: s.status ?? "completed",
    config,
    rows,
    analyses,
    regimes: regimes(rows),
  };
}

const SCALES = [0.125, 0.25, 0.5, 1, 2, 4, 8];
const INITS: Initializer[] = ["glorot-uniform", "he-normal", "hessian"];
const seeds = (s: Spec): RunRecord[] => [run({ ...s, seed: 1 }), run({ ...s, seed: 2 })];
const study = (spec: (init: Initializer, scale: number) => Spec = () => ({})): RunRecord[] =>
  INITS.flatMap((init) => SCALES.flatMap((scale) => seeds({ init, scale, ...spec(init, scale) })));
const verdicts = (runs: RunRecord[]): Record<string, ClaimResult> => Object.fromEntries(evaluateClaims(runs, HESSIAN_INIT_CLAIMS).map((r) => [r.id, r]));

describe("the Hessian-initialisation study's claims", () => {
  it("hold where the principle gives He's scale and the loss grows with the distance from it", () => {
    const v = verdicts(study());
    expect(v["hessian-principle-recovers-he"]!.verdict).toBe("reproduced");
    expect(v["hessian-norm-diagnoses-training"]!.verdict).toBe("reproduced");
    expect(v["hessian-norm-diagnoses-training"]!.reason).toMatch(/Spearman's rho, deviation from the principle against final train loss 1/);
    expect(v["hessian-norm-diagnoses-training"]!.stability).toBe(1);
  });

  it("a run that diverged ranks worst: a large scale that diverges keeps the ranking", () => {
    const runs = study((_, scale) => (scale === 8 ? { status: "diverged", finalLoss: Number.NaN } : {}));
    expect(verdicts(runs)["hessian-norm-diagnoses-training"]!.verdict).toBe("reproduced");
  });

  it("fail where the principle's ReLU scale is not He's, or the loss does not follow the distance", () => {
    const lecun = study((init) => (init === "hessian" ? { heRatio: Math.SQRT1_2 } : {}));
    const v = verdicts(lecun);
    expect(v["hessian-principle-recovers-he"]!.verdict).toBe("not reproduced");
    expect(v["hessian-principle-recovers-he"]!.reason).toMatch(/largest \|RMS \/ He's - 1\| over hidden layers and runs 0\.29\d* \(needs <= 0\.1\)/);
    // Larger is better throughout: the loss falls with the scale, whatever the distance from the principle.
    const monotone = study((_, scale) => ({ finalLoss: 1 / scale }));
    const m = verdicts(monotone)["hessian-norm-diagnoses-training"]!;
    expect(m.verdict).toBe("not reproduced");
    expect(m.margin!.value).toBeLessThan(0.5);
  });

  it("say what is missing: no --init hessian run, no curvature recorded, too few settings", () => {
    const noPrinciple = verdicts(study().filter((r) => r.config.init !== "hessian"));
    expect(noPrinciple["hessian-principle-recovers-he"]!.verdict).toBe("not testable");
    expect(noPrinciple["hessian-principle-recovers-he"]!.reason).toMatch(/0 ReLU runs with --init hessian at scale 1/);
    const unrecorded = verdicts(study(() => ({ recorded: false })));
    expect(unrecorded["hessian-norm-diagnoses-training"]!.verdict).toBe("not testable");
    expect(unrecorded["hessian-norm-diagnoses-training"]!.reason).toMatch(/train with --hessian/);
    expect(unrecorded["hessian-principle-recovers-he"]!.reason).toMatch(/initial weight RMS/);
    const few = verdicts(study().filter((r) => r.initScale === 1 || r.initScale === 2));
    expect(few["hessian-norm-diagnoses-training"]!.verdict).toBe("not testable");
    expect(few["hessian-norm-diagnoses-training"]!.reason).toMatch(/6 settings of initialiser and scale; the claim needs at least 10/);
  });
});
