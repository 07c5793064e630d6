import { describe, expect, it } from "vitest";
import { glorotUniform } from "../src/model/init.js";
import { createLayout } from "../src/model/layout.js";
import { withDefaults } from "../src/train/config.js";
import { Network } from "../src/train/network.js";
import { Rng } from "../src/math/rng.js";
import { metricRow } from "../src/run/metrics.js";
import { Trainer } from "../src/train/trainer.js";
import { executeRun, type RunSink } from "../src/run/session.js";
import { loadKernels } from "../src/node/wasm.js";
import { nodePlatform } from "../src/node/platform.js";
import { makeDataset } from "./helpers/data.js";
import { mlpLossAndGrads, refLayersOf, type RefLayer } from "./helpers/reference.js";
import { worstError } from "./helpers/random.js";
import { freshKernels } from "./helpers/wasm.js";

const memorySink = (): RunSink & { files: Map<string, string | Uint8Array> } => {
  const files = new Map<string, string | Uint8Array>();
  return { files, write: (name, data) => void files.set(name, data) };
};

describe("training steps", () => {
  it("ten SGD steps in wasm track the float64 reference", () => {
    const ds = makeDataset({ train: 64, test: 8, side: 6, classes: 5 });
    const layout = createLayout(36, [13, 9], 5);
    const params = glorotUniform(layout, Rng.forStream(3, "init"));
    const net = new Network(freshKernels(), layout, 16, true);
    net.setParams(params);
    const ref: RefLayer[] = refLayersOf(layout, params);
    for (let step = 0; step < 10; step++) {
      const start = (step * 16) % 64;
      const px = ds.train.images.subarray(start * 36, (start + 16) * 36);
      const labels = Int32Array.from(ds.train.labels.subarray(start, start + 16));
      net.pixels().set(px);
      net.labels().set(labels);
      const got = net.trainStep(16, 0.1, 1e-7);
      const want = mlpLossAndGrads(
        ref,
        Float64Array.from(px, (v) => Math.fround(v / 255)),
        labels,
        16,
      );
      expect(got.lossSum / 16).toBeCloseTo(want.loss, 4);
      ref.forEach((L, l) => {
        want.grads[l]!.dW.forEach((g, i) => (L.W[i] = L.W[i]! - 0.1 * g));
        want.grads[l]!.db.forEach((g, i) => (L.b[i] = L.b[i]! - 0.1 * g));
      });
    }
    const p = net.params();
    for (const l of layout.layers) {
      expect(worstError(p.subarray(l.weightOffset, l.weightOffset + l.weightCount), ref[l.index]!.W, 1e-5, 1e-4)).toBeLessThanOrEqual(1);
      expect(worstError(p.subarray(l.biasOffset, l.biasOffset + l.fanOut), ref[l.index]!.b, 1e-5, 1e-4)).toBeLessThanOrEqual(1);
    }
  });

  it("an epoch reduces the loss on a learnable dataset", () => {
    const ds = makeDataset({ train: 512, test: 128 });
    const trainer = new Trainer(withDefaults({ dataset: "fixture", hiddenWidths: [32, 32], epochs: 3 }), ds, loadKernels().module, { sparseInput: "auto" });
    const before = metricRow(trainer.initialMeasures(), trainer);
    let row = before;
    for (let e = 0; e < 3; e++) row = metricRow(trainer.runEpoch(), trainer);
    expect(row.test_loss).toBeLessThan(before.test_loss * 0.8);
    expect(row.rmsd).toBeGreaterThan(0);
    expect(row.rmsd_by_layer).toHaveLength(3);
  });
});

describe("determinism", () => {
  const ds = makeDataset({ train: 300, test: 50 });
  const run = async (seed: number, sparseInput: "on" | "off") =>
    executeRun({
      config: withDefaults({ dataset: "fixture", hiddenWidths: [20, 17], epochs: 2, seed }),
      execution: { sparseInput },
      dataset: ds,
      kernels: loadKernels(),
      platform: nodePlatform(),
      sink: memorySink(),
    });

  it("the same config and seed give the same final_params_sha256", async () => {
    const [a, b] = [await run(5, "on"), await run(5, "on")];
    expect(a.manifest.final_params_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(a.manifest.final_params_sha256).toBe(b.manifest.final_params_sha256);
    expect(a.rows.map((r) => r.train_loss)).toEqual(b.rows.map((r) => r.train_loss));
  });

  it("another seed gives other parameters", async () => {
    expect((await run(5, "on")).manifest.final_params_sha256).not.toBe((await run(6, "on")).manifest.final_params_sha256);
  });

  it("the sparse first layer changes no bit of a whole run", async () => {
    expect((await run(9, "on")).manifest.final_params_sha256).toBe((await run(9, "off")).manifest.final_params_sha256);
  });
});
