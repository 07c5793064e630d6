// Where a training step's time goes: every kernel call of real MNIST
// minibatches timed by a wrapper around the instance's exports, GEMMs split
// by form (forward, input gradient, weight gradient) and layer. Used by
// bench/run.mjs; alone: node bench/profile.mjs [width ...].
import { loadNamedDataset } from "../dist/node/datasets.js";
import { loadKernels } from "../dist/node/wasm.js";
import { Kernels } from "../dist/train/kernels.js";
import { Network } from "../dist/train/network.js";
import { createLayout } from "../dist/model/layout.js";
import { glorotUniform } from "../dist/model/init.js";
import { Rng } from "../dist/math/rng.js";

const B = 128;

/** The form of a gemm call from its epilogue and shapes. */
function gemmName(args, epi) {
  const [M, N, K] = args;
  const e = args[11];
  if (e === epi.sgd) return `gemm weight grad ${M}x${N} (K ${K})`;
  if (e === epi.reluGrad) return `gemm input grad ${M}x${N} (K ${K})`;
  return `gemm forward ${M}x${N} (K ${K})`;
}

/**
 * A network of width `width` on its own wasm instance, and a step function
 * that trains it on the next MNIST minibatch of 128 (the first 400 in turn).
 * Shared by this profile and bench/run.mjs's step table.
 */
export function minibatchStepper(dataset, width, mode = "exact", sparse = true) {
  const layout = createLayout(784, [width, width], 10);
  const kernels = Kernels.instantiateSync(loadKernels(mode).module);
  const net = new Network(kernels, layout, B, sparse);
  net.setParams(glorotUniform(layout, Rng.forStream(1, "init")));
  let b = 0;
  const step = () => {
    net.pixels().set(dataset.train.images.subarray(b * B * 784, (b + 1) * B * 784));
    net.labels().set(dataset.train.labels.subarray(b * B, (b + 1) * B));
    net.trainStep(B, 0.1, 1e-7);
    b = (b + 1) % 400;
  };
  return { kernels, net, layout, step };
}

/**
 * Runs `steps` training steps of width `width` (after a warm-up) and returns
 * each kernel's share: [{ name, seconds, calls, flops }], plus the step's
 * total seconds and the GEMMs' in-context GFLOP/s.
 */
export async function profileSteps(dataset, width, steps = 100) {
  const { kernels, step } = minibatchStepper(dataset, width);
  const real = kernels.exports;
  const times = new Map();
  const wrapped = Object.create(null);
  for (const [name, value] of Object.entries(real)) {
    if (typeof value !== "function") {
      wrapped[name] = value;
      continue;
    }
    wrapped[name] = (...args) => {
      const label = name === "gemm" ? gemmName(args, kernels.epilogue) : name;
      const t0 = performance.now();
      const out = value(...args);
      const dt = performance.now() - t0;
      const entry = times.get(label) ?? { name: label, seconds: 0, calls: 0, flops: 0 };
      entry.seconds += dt / 1000;
      entry.calls++;
      if (name === "gemm") entry.flops += 2 * args[0] * args[1] * args[2];
      times.set(label, entry);
      return out;
    };
  }
  // The network reads kernels.exports at every call, so the wrappers see every kernel it runs.
  kernels.exports = wrapped;
  for (let i = 0; i < 10; i++) step();
  times.clear();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  const total = (performance.now() - t0) / 1000;
  const rows = [...times.values()].sort((x, y) => y.seconds - x.seconds);
  const gemm = rows.filter((r) => r.name.startsWith("gemm"));
  const gemmSeconds = gemm.reduce((s, r) => s + r.seconds, 0);
  const gemmFlops = gemm.reduce((s, r) => s + r.flops, 0);
  return { width, steps, total, rows, gemmGflops: gemmFlops / gemmSeconds / 1e9, gemmShare: gemmSeconds / total };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dataset = await loadNamedDataset("mnist");
  const widths = process.argv.slice(2).map(Number);
  for (const width of widths.length ? widths : [100, 300, 1000]) {
    const p = await profileSteps(dataset, width, width >= 1000 ? 40 : 150);
    console.log(
      `\n## width ${width}: ${((p.total / p.steps) * 1000).toFixed(2)} ms a step, GEMMs ${(p.gemmShare * 100).toFixed(0)}% at ${p.gemmGflops.toFixed(1)} GFLOP/s in context`,
    );
    for (const r of p.rows) {
      const gf = r.flops ? `  ${(r.flops / r.seconds / 1e9).toFixed(1)} GFLOP/s` : "";
      console.log(
        `${r.name.padEnd(40)} ${((r.seconds / p.steps) * 1000).toFixed(3).padStart(8)} ms  ${((r.seconds / p.total) * 100).toFixed(1).padStart(5)}%${gf}`,
      );
    }
  }
}
