// npm run bench: kernel GFLOP/s (tinybench), whole training steps in samples/s
// beside TF.js's wasm backend, a full epoch with evaluation beside PyTorch
// (bench/epoch-vs-torch.mjs) with the GEMM's in-context GFLOP/s
// (bench/profile.mjs), seeds on one core vs all cores, a long narrow run's
// wall time against its epochs' own seconds, peak memory, and the analysis
// of a 1M-weight layer.
// Table to stdout, JSON to bench/results/latest.json. Run alone on a quiet
// machine; compare figures as ratios from the same run.
// Options: --quick (shorter timings), --skip-tfjs, --node PATH (the epoch
// table's initdrift runs on that Node binary; default: this one).
import { Bench } from "tinybench";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { loadNamedDataset } from "../dist/node/datasets.js";
import { loadKernels } from "../dist/node/wasm.js";
import { nodePlatform } from "../dist/node/platform.js";
import { SeedPool } from "../dist/node/pool.js";
import { Kernels } from "../dist/train/kernels.js";
import { Network } from "../dist/train/network.js";
import { createLayout } from "../dist/model/layout.js";
import { Rng } from "../dist/math/rng.js";
import { withDefaults } from "../dist/train/config.js";
import { analyzeLayer } from "../dist/analysis/layer.js";
import { analysedEpochCost } from "./analysis.mjs";
import { epochComparison, nodeVersion } from "./epoch-vs-torch.mjs";
import { minibatchStepper, pct, profileSteps, stepBreakdown } from "./profile.mjs";

const argv = process.argv.slice(2);
const args = new Set(argv);
const epochNode = argv.includes("--node") ? argv[argv.indexOf("--node") + 1] : process.execPath;
if (!epochNode) {
  console.error("bench: --node needs the path of a Node binary");
  process.exit(2);
}
const quick = args.has("--quick");
const B = 128;
const results = {
  date: new Date().toISOString(),
  platform: nodePlatform(),
  cores: availableParallelism(),
  kernels: [],
  steps: [],
  epochs: null,
  seeds: null,
  cli: null,
  memory: null,
  analysis: null,
};
const table = (rows) => {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  for (const [i, r] of rows.entries()) {
    console.log("| " + r.map((v, c) => String(v).padEnd(widths[c])).join(" | ") + " |");
    if (i === 0) console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  }
  console.log();
};
const fmt = (x) => Math.round(x).toLocaleString("en-US");

// 1. GEMM forms at the paper's shapes.
{
  const shapes = [
    [784, 100],
    [784, 300],
    [784, 1000],
    [1024, 100],
    [1024, 300],
    [1024, 1000],
    [100, 100],
    [300, 300],
    [1000, 1000],
  ];
  // The last column: the same product through gemmSkippingZeros with every other entry of A exactly zero (a
  // ReLU layer's share), counted as the dense product's multiply-adds: the speed a hidden layer's product sees.
  const rows = [["fanIn x fanOut (batch 128)", "form", "exact GFLOP/s", "fast GFLOP/s", "exact, A half zeros, dense-equivalent GFLOP/s"]];
  for (const [n, m] of shapes) {
    const byMode = {};
    for (const mode of ["exact", "fast"]) {
      const k = Kernels.instantiateSync(loadKernels(mode).module);
      const buf = (count) => {
        const p = k.alloc(count * 4);
        const v = k.f32(p, count);
        for (let i = 0; i < count; i++) v[i] = (i % 17) / 17 - 0.5;
        return p;
      };
      const X = buf(B * n),
        W = buf(n * m),
        Y = buf(B * m),
        dZ = buf(B * m),
        dX = buf(B * n),
        bias = buf(m);
      const ps = k.packSizes(Math.max(n, m), Math.max(B, n, m));
      const Epilogue = k.epilogue;
      const pa = k.alloc(ps.packedA * 4),
        pb = k.alloc(ps.packedB * 4);
      const e = k.exports;
      const bench = new Bench({ time: quick ? 100 : 300, warmupTime: 50 });
      bench.add("forward X W + b, ReLU", () => e.gemm(B, m, n, X, n, 1, W, m, 1, Y, m, Epilogue.biasRelu, bias, 0, 0, pa, pb));
      bench.add("input grad dZ W^T", () => e.gemm(B, n, m, dZ, m, 1, W, 1, m, dX, n, Epilogue.reluGrad, 0, X, 0, pa, pb));
      bench.add("weight grad + SGD", () => e.gemm(n, m, B, X, 1, n, dZ, m, 1, W, m, Epilogue.sgd, 0, 0, 1e-12, pa, pb));
      if (mode === "exact") {
        const half = (count) => {
          const p = buf(count);
          const v = k.f32(p, count);
          for (let i = 0; i < count; i += 2) v[i] = 0;
          return p;
        };
        const Xh = half(B * n),
          dZh = half(B * m),
          lists = k.alloc(Math.max(e.listScratchBytes(B, n), e.listScratchBytes(B, m), e.listScratchBytes(n, B)));
        bench.add("forward X W + b, ReLU|skip", () => e.gemmSkippingZeros(B, m, n, Xh, n, 1, W, m, 1, Y, m, Epilogue.biasRelu, bias, 0, 0, pa, pb, lists));
        bench.add("input grad dZ W^T|skip", () => e.gemmSkippingZeros(B, n, m, dZh, m, 1, W, 1, m, dX, n, Epilogue.reluGrad, 0, X, 0, pa, pb, lists));
        bench.add("weight grad + SGD|skip", () => e.gemmSkippingZeros(n, m, B, Xh, 1, n, dZ, m, 1, W, m, Epilogue.sgd, 0, 0, 1e-12, pa, pb, lists));
      }
      await bench.run();
      for (const t of bench.tasks) {
        const [form, skip] = t.name.split("|");
        byMode[`${form}|${skip ? "skip" : mode}`] = (2 * B * n * m) / (t.result.latency.mean / 1000) / 1e9;
      }
    }
    for (const form of ["forward X W + b, ReLU", "input grad dZ W^T", "weight grad + SGD"]) {
      const exact = byMode[`${form}|exact`],
        fast = byMode[`${form}|fast`],
        skip = byMode[`${form}|skip`];
      results.kernels.push({ fanIn: n, fanOut: m, form, exactGflops: exact, fastGflops: fast, halfZerosDenseEquivalentGflops: skip });
      rows.push([`${n} x ${m}`, form, exact.toFixed(1), fast.toFixed(1), skip.toFixed(1)]);
    }
  }
  console.log("## GEMM kernels, one core\n");
  table(rows);
}

// 2. Whole training steps on real MNIST minibatches.
const dataset = await loadNamedDataset("mnist");
{
  const { tfjsSamplesPerSecond } = args.has("--skip-tfjs") ? {} : await import("./tfjs.mjs");
  const seconds = quick ? 0.5 : 2;
  // One stepper per configuration, each on its own instance.
  const stepper = (width, mode, sparse, activation = "relu") => {
    const { step } = minibatchStepper(dataset, width, mode, sparse, activation);
    for (let i = 0; i < 5; i++) step();
    return step;
  };
  // The configurations of a width take turns in short slices (order reversed
  // every round) and each reports its median slice: a neighbour's burst on
  // this shared machine then lands on all of them alike instead of on
  // whichever happened to be running, so the columns compare as ratios.
  const rates = (steppers) => {
    const slices = steppers.map(() => []);
    const rounds = 8;
    for (let round = 0; round < rounds; round++) {
      const order = steppers.map((_, i) => i);
      if (round % 2) order.reverse();
      for (const i of order) {
        let steps = 0;
        const t0 = performance.now();
        while (performance.now() - t0 < (seconds * 1000) / rounds) {
          steppers[i]();
          steps++;
        }
        slices[i].push((steps * B) / ((performance.now() - t0) / 1000));
      }
    }
    return slices.map((xs) => xs.sort((a, b) => a - b)[xs.length >> 1]);
  };
  const rows = [["width", "exact, sparse L1", "exact, dense L1", "fast, sparse L1", "TF.js wasm", "exact / TF.js"]];
  for (const width of [10, 30, 100, 300, 1000]) {
    const [exactSparse, exactDense, fastSparse] = rates([stepper(width, "exact", true), stepper(width, "exact", false), stepper(width, "fast", true)]);
    const r = { width, exactSparse, exactDense, fastSparse };
    r.tfjs = tfjsSamplesPerSecond ? await tfjsSamplesPerSecond(dataset.train.images, dataset.train.labels, 784, width, seconds) : null;
    results.steps.push(r);
    rows.push([
      width,
      fmt(r.exactSparse),
      fmt(r.exactDense),
      fmt(r.fastSparse),
      r.tfjs ? fmt(r.tfjs) : "-",
      r.tfjs ? `${(r.exactSparse / r.tfjs).toFixed(1)}x` : "-",
    ]);
  }
  console.log("## Training step (MNIST, batch 128, one core), samples/s\n");
  table(rows);

  // What each hidden activation costs: ReLU's outputs are half exact zeros, which the hidden
  // products skip; the smooth ones are dense, and their epilogues compute tanh lane by lane.
  const activationRows = [["width", "relu", "tanh", "x tanh x", "x^2 tanh x", "tanh / relu"]];
  results.activations = [];
  for (const width of quick ? [100] : [100, 300]) {
    const [relu, tanh, xtanh, x2tanh] = rates(["relu", "tanh", "xtanh", "x2tanh"].map((a) => stepper(width, "exact", true, a)));
    results.activations.push({ width, relu, tanh, xtanh, x2tanh });
    activationRows.push([width, fmt(relu), fmt(tanh), fmt(xtanh), fmt(x2tanh), (tanh / relu).toFixed(2)]);
  }
  console.log("## Training step by activation (exact, sparse L1), samples/s\n");
  table(activationRows);
}

// 2b. The comparison: a full epoch with its test evaluation, initdrift
// vs PyTorch (alternating, medians), TF.js's step rate beside them, and the
// GEMM's in-context GFLOP/s (from a profile of real steps) against the
// micro-kernel's ceiling (the micro-kernel alone on data in L1).
{
  const widths = quick ? [100, 300] : [100, 300, 1000];
  const cmp = epochComparison(dataset, widths, quick ? 1 : 3, epochNode);
  const ceiling = await new Promise((resolve, reject) => {
    const w = new Worker(new URL("./tile-worker.mjs", import.meta.url), { workerData: { seconds: quick ? 0.5 : 2 } });
    w.once("message", resolve);
    w.once("error", reject);
  });
  const rows = [
    [
      "width",
      "initdrift samples/s",
      "PyTorch samples/s",
      "ratio (each pair)",
      "TF.js step samples/s",
      "initdrift step / TF.js",
      "GEMM in context GFLOP/s",
      "of the micro-kernel's",
      "multiply-adds skipped (A's zeros)",
    ],
  ];
  const breakdown = [
    [
      "width",
      "step ms",
      "GEMMs",
      "in them: packing B",
      "in them: tile calls + epilogues",
      "sparse first layer",
      "its lists",
      "softmax, bias",
      "evaluation (of an epoch)",
    ],
  ];
  console.log(`(initdrift's epochs on Node ${nodeVersion(epochNode)})\n`);
  results.epochs = {
    node: nodeVersion(epochNode),
    pytorch: cmp.missing ? null : { torch: cmp.torch, blas: cmp.blas },
    missing: cmp.missing ?? null,
    microKernelGflops: ceiling,
    rows: [],
  };
  for (const r of cmp.rows) {
    const step = results.steps.find((s) => s.width === r.width);
    const prof = await profileSteps(dataset, r.width, r.width >= 1000 ? 20 : 80);
    const parts = stepBreakdown(prof);
    breakdown.push([
      r.width,
      parts.stepMs.toFixed(2),
      pct(parts.gemm),
      pct(parts.gemmPackB),
      pct(parts.gemmTilesEpilogue),
      pct(parts.sparse),
      pct(parts.lists),
      pct(parts.rest),
      pct(parts.evaluationOfEpoch),
    ]);
    results.epochs.rows.push({
      ...r,
      tfjsStep: step?.tfjs ?? null,
      gemmInContextGflops: prof.gemmGflops,
      gemmShare: prof.gemmShare,
      gemmSkippedShare: prof.skippedShare,
      stepParts: parts,
    });
    rows.push([
      r.width,
      fmt(r.initdrift),
      r.pytorch ? fmt(r.pytorch) : "-",
      r.ratio ? `${r.ratio.toFixed(2)}x (${r.ratios.map((v) => v.toFixed(2)).join(", ")})` : "-",
      step?.tfjs ? fmt(step.tfjs) : "-",
      step?.tfjs ? `${(step.exactSparse / step.tfjs).toFixed(1)}x` : "-",
      prof.gemmGflops.toFixed(1),
      `${((prof.gemmGflops / ceiling) * 100).toFixed(0)}%`,
      pct(prof.skippedShare),
    ]);
  }
  console.log(`## One epoch with its test evaluation (MNIST, batch 128, one core), samples/s; ${quick ? "1 pair" : "medians of 3 alternating pairs"}\n`);
  if (cmp.missing) console.log(`PyTorch column skipped: ${cmp.missing}\n`);
  else console.log(`PyTorch ${cmp.torch} (${cmp.blas}), OPENBLAS_NUM_THREADS=1\n`);
  table(rows);
  console.log(
    `Micro-kernel ceiling: ${ceiling.toFixed(1)} GFLOP/s (tile5x8 alone on data in L1). The GEMMs' GFLOP/s count the multiply-adds they did: the hidden layers' products skip A's exact zeros (the last column's share of the dense ones).\n`,
  );
  console.log("## Where a training step's time goes (bench/profile.mjs: every kernel call of real steps timed; shares of the step)\n");
  table(breakdown);
  console.log(
    "Packing B and tile calls + epilogue are parts of the GEMMs' share (timed by the same calls with M = 0 and with K = 0); the last column is the test evaluation's share of an epoch.\n",
  );
}

// 3. Seeds on one core vs all cores (the same jobs, the pool at 1 and T threads).
{
  const T = availableParallelism();
  const width = 300,
    trainLimit = quick ? 3000 : 60000;
  const jobs = (dir) =>
    Array.from({ length: T }, (_, i) => ({
      config: withDefaults({ dataset: "mnist", hiddenWidths: [width, width], epochs: 1, seed: 1 + i, trainLimit, testLimit: 1000 }),
      execution: { sparseInput: "auto" },
      record: { snapshots: [], analysis: [], thetas: [] },
      dir: join(dir, `s${i}`),
    }));
  const time = async (threads) => {
    const dir = mkdtempSync(join(tmpdir(), "initdrift-bench-"));
    const t0 = performance.now();
    const out = await new SeedPool(threads).run(jobs(dir), dataset, loadKernels(), nodePlatform());
    const wall = (performance.now() - t0) / 1000;
    rmSync(dir, { recursive: true, force: true });
    return { wall, hashes: out.map((o) => o.manifest.final_params_sha256) };
  };
  const one = await time(1),
    all = await time(T);
  const samples = T * (trainLimit + trainLimit + 1000 + 1000); // epoch 0 evaluation, one epoch, two test passes
  // The ceiling: T workers running only the micro-kernel, at once vs alone.
  const tile = (seconds) =>
    new Promise((resolve, reject) => {
      const w = new Worker(new URL("./tile-worker.mjs", import.meta.url), { workerData: { seconds } });
      w.once("message", resolve);
      w.once("error", reject);
    });
  const tileSeconds = quick ? 0.5 : 2;
  const tileOne = await tile(tileSeconds);
  const tileAll = (await Promise.all(Array.from({ length: T }, () => tile(tileSeconds)))).reduce((s, x) => s + x, 0);
  results.seeds = {
    seeds: T,
    width,
    trainLimit,
    oneCoreSeconds: one.wall,
    allCoresSeconds: all.wall,
    speedup: one.wall / all.wall,
    sameBits: JSON.stringify(one.hashes) === JSON.stringify(all.hashes),
    microKernelOneGflops: tileOne,
    microKernelAllGflops: tileAll,
  };
  console.log(`## ${T} seeds of width ${width} (${trainLimit} training samples, 1 epoch each, worker start-up included): 1 thread vs ${T} threads\n`);
  table([
    ["threads", "wall s", "samples/s", "speedup", "same hashes"],
    [1, one.wall.toFixed(2), fmt(samples / one.wall), "1.00x", ""],
    [T, all.wall.toFixed(2), fmt(samples / all.wall), `${(one.wall / all.wall).toFixed(2)}x`, String(results.seeds.sameBits)],
  ]);
  console.log(
    `The machine's ceiling: the micro-kernel alone in 1 worker ${tileOne.toFixed(1)} GFLOP/s, in ${T} at once ${tileAll.toFixed(1)} GFLOP/s in all (${(tileAll / tileOne).toFixed(2)}x).\n`,
  );
}

// 3b. The same through the CLI, as users run it (dataset loading, worker
// start-up, recording and analysis included): 2 seeds of width 300 for 3
// epochs on 1 thread and on 2, alternating, median of the pairs' ratios. And
// a long narrow run: width 10 for 300 epochs with default recording, the
// whole command's wall time against the sum of its epochs' own seconds.
{
  const cli = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
  const wall = (args) => {
    const out = mkdtempSync(join(tmpdir(), "initdrift-cli-"));
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [cli, "train", ...args, "--out", join(out, "r"), "--quiet", "--no-report"], { encoding: "utf8" });
    const seconds = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`train ${args.join(" ")} failed: ${r.stderr}`);
    return { seconds, out };
  };
  const T = Math.min(2, availableParallelism());
  const epochs = quick ? "1" : "3";
  const ratios = [];
  for (let p = 0; p < (quick ? 1 : 3); p++) {
    const runs = (threads) => {
      const w = wall(["--width", "300", "--epochs", epochs, "--runs", "2", "--threads", String(threads)]);
      rmSync(w.out, { recursive: true, force: true });
      return w.seconds;
    };
    const [one, two] = p % 2 === 0 ? [runs(1), runs(T)] : [runs(T), runs(1)].reverse();
    ratios.push(one / two);
  }
  const median = [...ratios].sort((a, b) => a - b)[ratios.length >> 1];
  const longEpochs = quick ? 30 : 300;
  const long = wall(["--width", "10", "--epochs", String(longEpochs)]);
  const rows = readFileSync(join(long.out, "r", "metrics.jsonl"), "utf8")
    .trim()
    .split("\n");
  const epochSeconds = rows.reduce((s, l) => s + JSON.parse(l).seconds, 0);
  rmSync(long.out, { recursive: true, force: true });
  results.cli = {
    seedsWidth: 300,
    seedsEpochs: Number(epochs),
    threads: T,
    ratios,
    medianSpeedup: median,
    longEpochs,
    longWallSeconds: long.seconds,
    longEpochSeconds: epochSeconds,
  };
  console.log(`## Through the CLI\n`);
  table([
    ["what", "figure"],
    [
      `2 seeds of width 300, ${epochs} epochs: 1 thread / ${T} threads (median of ${ratios.length})`,
      `${median.toFixed(2)}x (${ratios.map((r) => r.toFixed(2)).join(", ")})`,
    ],
    [
      `width 10, ${longEpochs} epochs, default recording: wall / sum of epoch seconds`,
      `${(long.seconds / epochSeconds).toFixed(3)} (${long.seconds.toFixed(1)} s / ${epochSeconds.toFixed(1)} s)`,
    ],
  ]);
}

// 4. Peak memory of 2 seeds at width 1000, against the budget.
{
  const child = spawnSync(process.execPath, [fileURLToPath(new URL("./memory-child.mjs", import.meta.url)), "1000", "2", quick ? "1280" : "5120"], {
    encoding: "utf8",
  });
  if (child.status !== 0) throw new Error(`memory child failed: ${child.stderr}`);
  const { maxRssBytes, datasetBytes } = JSON.parse(child.stdout.trim().split("\n").pop());
  const layout = createLayout(784, [1000, 1000], 10);
  const modelBytes = new Network(Kernels.instantiateSync(loadKernels().module), layout, B, true).kernels.memoryBytes;
  const budget = datasetBytes + 2 * modelBytes + 150e6;
  results.memory = { maxRssBytes, datasetBytes, modelBytes, budgetBytes: budget, withinBudget: maxRssBytes <= budget };
  const mb = (x) => `${(x / 1e6).toFixed(0)} MB`;
  console.log("## Peak memory, 2 seeds of width 1000 on MNIST\n");
  table([
    ["peak RSS", "u8 dataset", "model buffers (each)", "budget: dataset + 2 x model + 150 MB", "within"],
    [mb(maxRssBytes), mb(datasetBytes), mb(modelBytes), mb(budget), String(maxRssBytes <= budget)],
  ]);
}

// 5. Analysis of a 1,000,000-weight layer (moments, c_opt, bands, 2-D histogram).
{
  const rng = Rng.forStream(1, "bench-analysis");
  const n = 1_000_000;
  const wi = Float32Array.from({ length: n }, () => 0.05 * (2 * rng.uniform() - 1));
  const wf = wi.map((w) => w + 0.002 * rng.normal());
  const bench = new Bench({ time: quick ? 1000 : 5000, iterations: 3, warmupIterations: 1 });
  bench.add("analyzeLayer, 1M weights", () => analyzeLayer("W2", 1, wi, wf));
  await bench.run();
  const seconds = bench.tasks[0].result.latency.mean / 1000;
  results.analysis = { weights: n, seconds, epochs: [] };
  console.log(`## Analysis of one layer of 1,000,000 weights: ${seconds.toFixed(3)} s (target < 1 s)\n`);

  const mnist = await loadNamedDataset("mnist");
  const rows = [["width", "epoch 0 (ms)", "after 100 steps (ms)", "a training epoch (ms, from its steps)"]];
  for (const width of quick ? [300] : [300, 1000]) {
    const cost = analysedEpochCost(mnist, width);
    results.analysis.epochs.push({ width, ...cost });
    rows.push([width, cost.epoch0Ms.toFixed(0), cost.movedMs.toFixed(0), cost.epochMs.toFixed(0)]);
  }
  console.log("## One analysed epoch, every layer (MNIST network, medians of 3)\n");
  table(rows);
}

const dir = fileURLToPath(new URL("./results/", import.meta.url));
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, "latest.json"), JSON.stringify(results, null, 2) + "\n");
console.log(`JSON: bench/results/latest.json (${cpus()[0]?.model.trim()}, Node ${process.versions.node})`);
