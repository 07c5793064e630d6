import { describe, expect, it } from "vitest";
import { estimatePlan } from "../src/node/estimate.js";
import type { PlannedJob } from "../src/node/jobService.js";
import { loadKernels } from "../src/node/wasm.js";
import { withDefaults } from "../src/train/config.js";
import { makeDataset } from "./helpers/data.js";

/**
 * reproduce --dry-run's estimate: what a job records costs time too. The
 * Hessian-initialisation study's --hessian measurements were left out and
 * its estimate was 24 s for a 107 s study.
 */
describe("the plan's estimate", () => {
  const data = makeDataset({ train: 300, test: 60, side: 28, classes: 10, name: "mnist" });
  const job = (extra: Partial<PlannedJob["record"]>, init?: "hessian"): PlannedJob => ({
    config: withDefaults({ dataset: "mnist", hiddenWidths: [16, 16], epochs: 2, trainLimit: 300, testLimit: 60, ...(init ? { init } : {}) }),
    dir: "unused",
    record: { snapshots: [0, 2], analysis: [0, 2], thetas: [1], ...extra },
  });

  it("adds one measured --hessian per analysed epoch, and --init hessian's scales once", () => {
    const plan = estimatePlan([job({}), job({ hessianSamples: 64 }), job({}, "hessian")], loadKernels("exact"), () => data, 1);
    const speed = plan.speeds.get("mnist w16x16")!;
    const curvature = speed.curvatureSeconds!.get(64)!;
    expect(curvature).toBeGreaterThan(0);
    const [plain, measured, principled] = plan.jobs.map((j) => j.seconds);
    expect(measured! - plain!).toBeCloseTo(2 * curvature, 9);
    expect(principled! - plain!).toBeCloseTo(speed.principleSeconds!, 9);
  });
});
