import { describe, expect, it } from "vitest";
import { glorotUniform } from "../src/model/init.js";
import { ACTIVATIONS } from "../src/model/activation.js";
import { createLayout } from "../src/model/layout.js";
import { Rng } from "../src/math/rng.js";
import { Network } from "../src/train/network.js";
import { makeDataset } from "./helpers/data.js";
import { freshKernels, put } from "./helpers/wasm.js";

/**
 * The SGD update is fused into the weight-gradient GEMM's epilogue and into
 * the bias step. Unfused, a step is: the plain gradient (gradientStep, which
 * leaves the parameters alone), then w -= lr * g over the whole block
 * (sgdUpdate, the kernel kept as this reference). Both must give the same
 * bits, with and without the sparse first layer.
 */
describe("the fused SGD step", () => {
  it.each(ACTIVATIONS.flatMap((a) => [[a, "sparse first layer", true] as const, [a, "dense first layer", false] as const]))(
    "equals the plain gradient followed by sgdUpdate, bit for bit (%s, %s)",
    (activation, _name, sparse) => {
      const ds = makeDataset({ train: 64, test: 8, side: 6, classes: 5, seed: 4 });
      const layout = createLayout(36, [13, 9], 5);
      const params = glorotUniform(layout, Rng.forStream(3, "init"));
      const fused = new Network(freshKernels(), layout, 32, sparse, activation);
      const plain = new Network(freshKernels(), layout, 32, sparse, activation);
      fused.setParams(params);
      plain.setParams(params);
      for (let step = 0; step < 5; step++) {
        const start = (step * 32) % 64;
        for (const net of [fused, plain]) {
          net.pixels().set(ds.train.images.subarray(start * 36, (start + 32) * 36));
          net.labels().set(Int32Array.from(ds.train.labels.subarray(start, start + 32)));
        }
        const a = fused.trainStep(32, 0.1, 1e-7);
        const b = plain.gradientStep(32, 1e-7);
        expect(b.lossSum).toBe(a.lossSum);
        const k = plain.kernels;
        const g = put(k, plain.gradient().slice());
        k.exports.sgdUpdate(plain.paramsPtr, g, layout.paramCount, 0.1);
        expect(
          Buffer.from(plain.params().buffer, plain.params().byteOffset, layout.paramCount * 4).equals(
            Buffer.from(fused.params().buffer, fused.params().byteOffset, layout.paramCount * 4),
          ),
          `step ${step}`,
        ).toBe(true);
      }
    },
  );

  it.each([
    ["sparse first layer", true],
    ["dense first layer", false],
  ])("gradientStep stores the gradient afresh and leaves the parameters alone (%s)", (_name, sparse) => {
    const ds = makeDataset({ train: 64, test: 8, side: 6, classes: 5, seed: 5 });
    const layout = createLayout(36, [13, 9], 5);
    const params = glorotUniform(layout, Rng.forStream(4, "init"));
    const net = new Network(freshKernels(), layout, 32, sparse);
    net.setParams(params);
    const stage = (start: number) => {
      net.pixels().set(ds.train.images.subarray(start * 36, (start + 32) * 36));
      net.labels().set(Int32Array.from(ds.train.labels.subarray(start, start + 32)));
    };
    stage(0);
    net.gradientStep(32, 1e-7);
    const first = net.gradient().slice();
    // Another minibatch in between: a kernel that added to the block instead of storing would carry it over.
    stage(32);
    net.gradientStep(32, 1e-7);
    stage(0);
    net.gradientStep(32, 1e-7);
    expect(Buffer.from(net.gradient().slice().buffer).equals(Buffer.from(first.buffer))).toBe(true);
    expect(Buffer.from(net.params().slice().buffer).equals(Buffer.from(params.buffer))).toBe(true);
    expect(first.some((g) => g !== 0)).toBe(true);
  });
});
