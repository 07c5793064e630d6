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
export function minibatchStepper(dataset, width, mode = "exact", sparse = true, activation = "relu") {
  const layout = createLayout(784, [width, width], 10);
  const kernels = Kernels.instantiateSync(loadKernels(mode).module);
  const net = new Network(kernels, layout, B, sparse, activation);
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
 *
 * A second pass of as many steps splits each GEMM form: before every real
 * call it times the same call with M = 0 (gemm packs all of B and stops;
 * gemmSkippingZeros packs its panels and stops: `packSeconds`) and, for
 * gemm, with K = 0 (every tile is called with no multiply-add and every
 * epilogue runs: `overheadSeconds`), so what is left of the first pass's time
 * is the multiply-adds and the packing of A (or the lists of A's nonzeros).
 * `flops` counts the multiply-adds done (gemmSkippingZeros skips A's zeros),
 * `denseFlops` those of the same products done densely. Both extra calls
 * leave the parameters' bits alone (K = 0 subtracts lr * 0 from the
 * weights; the other epilogues' outputs are rewritten by the real call).
 * `evalSeconds` is one forward pass with the loss on a 128-row minibatch,
 * the test evaluation's unit.
 */
export async function profileSteps(dataset, width, steps = 100) {
  const { kernels, net, step } = minibatchStepper(dataset, width);
  const real = kernels.exports;
  const times = new Map();
  let split = false;
  const wrapped = Object.create(null);
  for (const [name, value] of Object.entries(real)) {
    if (typeof value !== "function") {
      wrapped[name] = value;
      continue;
    }
    const product = name === "gemm" || name === "gemmSkippingZeros";
    wrapped[name] = (...args) => {
      // One entry per kernel and shape; a product's name says whether it skipped A's zeros, which its first call tells.
      const key = product ? `${name}: ${gemmName(args, kernels.epilogue)}` : name;
      const entry = times.get(key) ?? { name: key, seconds: 0, calls: 0, flops: 0, denseFlops: 0, packSeconds: 0, overheadSeconds: 0 };
      times.set(key, entry);
      if (split) {
        if (product) {
          // M = 0 packs B and stops (gemm's blocks or the list walk's panels).
          const pack = [...args];
          pack[0] = 0;
          const t0 = performance.now();
          value(...pack);
          entry.packSeconds += (performance.now() - t0) / 1000;
          if (name === "gemm") {
            const tiles = [...args];
            tiles[2] = 0;
            const t1 = performance.now();
            value(...tiles);
            entry.overheadSeconds += (performance.now() - t1) / 1000;
          }
        }
        return value(...args);
      }
      const t0 = performance.now();
      const out = value(...args);
      const dt = performance.now() - t0;
      entry.seconds += dt / 1000;
      if (product && entry.calls === 0) entry.name = gemmName(args, kernels.epilogue) + (name === "gemm" || out < 0 ? "" : ", skipping A's zeros");
      entry.calls++;
      if (product) {
        const [M, N, K] = args;
        // gemmSkippingZeros returns the nonzeros of A it walked (-1: it ran gemm): the multiply-adds done.
        entry.flops += name === "gemm" || out < 0 ? 2 * M * N * K : 2 * out * N;
        entry.denseFlops += 2 * M * N * K;
      }
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
  split = true;
  for (let i = 0; i < steps; i++) step();
  kernels.exports = real;
  const evalRuns = Math.max(5, steps >> 1);
  for (let i = 0; i < 5; i++) net.evaluateStep(B, 1e-7);
  const e0 = performance.now();
  for (let i = 0; i < evalRuns; i++) net.evaluateStep(B, 1e-7);
  const evalSeconds = (performance.now() - e0) / 1000 / evalRuns;
  const rows = [...times.values()].sort((x, y) => y.seconds - x.seconds);
  const gemm = rows.filter((r) => r.denseFlops > 0);
  const gemmSeconds = gemm.reduce((s, r) => s + r.seconds, 0);
  const gemmFlops = gemm.reduce((s, r) => s + r.flops, 0);
  const denseFlops = gemm.reduce((s, r) => s + r.denseFlops, 0);
  return {
    width,
    steps,
    total,
    rows,
    evalSeconds,
    gemmGflops: gemmFlops / gemmSeconds / 1e9,
    gemmShare: gemmSeconds / total,
    skippedShare: 1 - gemmFlops / denseFlops,
  };
}

/**
 * One epoch's time by part, from a profile: MNIST's 469 training steps and
 * the 79 test minibatches of its evaluation (60,000 and 10,000 samples).
 */
export function epochShares(p) {
  const stepSeconds = p.total / p.steps;
  const train = 469 * stepSeconds;
  const evaluation = 79 * p.evalSeconds;
  return { train, evaluation, evaluationShare: evaluation / (train + evaluation) };
}

/** A share as a percentage with one decimal, as the step tables print it. */
export const pct = (x) => `${(x * 100).toFixed(1)}%`;

/** The sparse first layer's kernels: its forward pass walks buildLists's row lists, its weight step the column lists. */
const FIRST_LAYER = ["gemmOverLists", "sparseWeightStep"];

/**
 * A profile summed by part of the step: the GEMMs (with the shares of their
 * time spent packing B and in tile calls with epilogues), the sparse first
 * layer, building its lists, and the rest (softmax, bias steps); plus the
 * test evaluation's share of an epoch. Shares of the step's time.
 */
export function stepBreakdown(p) {
  const sum = (f) => p.rows.filter(f).reduce((s, r) => s + r.seconds, 0);
  const gemm = p.rows.filter((r) => r.flops > 0);
  const gemmSeconds = gemm.reduce((s, r) => s + r.seconds, 0);
  return {
    stepMs: (p.total / p.steps) * 1000,
    gemm: gemmSeconds / p.total,
    gemmPackB: gemm.reduce((s, r) => s + r.packSeconds, 0) / p.total,
    gemmTilesEpilogue: gemm.reduce((s, r) => s + r.overheadSeconds, 0) / p.total,
    sparse: sum((r) => FIRST_LAYER.includes(r.name)) / p.total,
    lists: sum((r) => r.name === "buildLists") / p.total,
    rest: sum((r) => r.flops === 0 && !FIRST_LAYER.includes(r.name) && r.name !== "buildLists") / p.total,
    evaluationOfEpoch: epochShares(p).evaluationShare,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dataset = await loadNamedDataset("mnist");
  const widths = process.argv.slice(2).map(Number);
  for (const width of widths.length ? widths : [100, 300, 1000]) {
    const p = await profileSteps(dataset, width, width >= 1000 ? 40 : 150);
    const e = epochShares(p);
    console.log(
      `\n## width ${width}: ${((p.total / p.steps) * 1000).toFixed(2)} ms a step, GEMMs ${(p.gemmShare * 100).toFixed(0)}% at ${p.gemmGflops.toFixed(1)} GFLOP/s in context (multiply-adds done; ${pct(p.skippedShare)} of the dense ones skipped as zeros of A); the test evaluation ${pct(e.evaluationShare)} of an epoch\n`,
    );
    const b = stepBreakdown(p);
    console.log(
      `GEMMs ${pct(b.gemm)} (packing B ${pct(b.gemmPackB)}, tile calls + epilogue ${pct(b.gemmTilesEpilogue)}), sparse first layer ${pct(b.sparse)}, its lists ${pct(b.lists)}, softmax and bias ${pct(b.rest)}\n`,
    );
    console.log(`${"kernel".padEnd(60)} ${"ms/step".padStart(8)}  ${"share".padStart(6)}  GFLOP/s  of it: packing B, tile calls + epilogue (gemm only)`);
    for (const r of p.rows) {
      const gemm = r.flops > 0;
      const gf = gemm ? (r.flops / r.seconds / 1e9).toFixed(1).padStart(7) : "".padStart(7);
      const parts = gemm ? `  ${pct(r.packSeconds / r.seconds).padStart(6)}, ${pct(r.overheadSeconds / r.seconds).padStart(6)}` : "";
      console.log(`${r.name.padEnd(60)} ${((r.seconds / p.steps) * 1000).toFixed(3).padStart(8)}  ${pct(r.seconds / p.total).padStart(6)}  ${gf}${parts}`);
    }
  }
}
