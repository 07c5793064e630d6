import { availableParallelism } from "node:os";
import { hessianTopEigenvalues } from "../analysis/hessian.js";
import { analyzeLayer } from "../analysis/layer.js";
import { parseDatasetName } from "../data/catalog.js";
import type { Dataset, Split } from "../data/dataset.js";
import { Rng } from "../math/rng.js";
import { applyHessianPrinciple, curvatureGains } from "../model/hessianInit.js";
import { initialize } from "../model/init.js";
import { createLayout } from "../model/layout.js";
import { withDefaults } from "../train/config.js";
import { Trainer } from "../train/trainer.js";
import type { LoadedKernels } from "./wasm.js";
import type { PlannedJob } from "./jobService.js";

/**
 * Time estimates for a plan of jobs, from speeds measured on this machine
 * now: a few SGD steps and evaluations of each distinct network (on the real
 * data when it is installed, else on random images of the catalogue's shape
 * and sparsity), one analysis of a synthetic layer, and, for jobs that
 * record it or use it, one curvature measurement and one --init hessian of
 * the network. Then each dataset's
 * jobs are dealt to the threads longest first, as the runner does, and the
 * datasets run one after another.
 */

/** Share of one core's speed a seed keeps when every thread is busy (2 seeds on this project's 2-core machine: 1.6-2.3x one seed, bench/run.mjs). */
export const PARALLEL_EFFICIENCY = 0.85;

/** Share of zero pixels of each catalogue dataset, for synthetic calibration data (sparse first layer or not). */
const ZERO_SHARE: Record<string, number> = { mnist: 0.81, "fashion-mnist": 0.5, hasyv2: 0.05 };

const CALIBRATION_TRAIN = 512;
const CALIBRATION_TEST = 256;

export interface Speed {
  /** Seconds per training sample (forward, backward, update) and per evaluated sample. */
  trainSecondsPerSample: number;
  evalSecondsPerSample: number;
  /** Seconds of one --hessian measurement, by its sample count (measured when a job records it). */
  curvatureSeconds?: Map<number, number>;
  /** Seconds of --init hessian (measured when a job uses it). */
  principleSeconds?: number;
}

export interface JobEstimate {
  job: PlannedJob;
  seconds: number;
}

export interface PlanEstimate {
  jobs: JobEstimate[];
  /** Sum of every job's single-core seconds. */
  coreSeconds: number;
  /** Wall seconds on `threads` threads. */
  wallSeconds: number;
  threads: number;
  speeds: Map<string, Speed>;
}

function syntheticSplit(count: number, inputSize: number, classes: number, zeroShare: number, rng: Rng): Split {
  const images = new Uint8Array(count * inputSize);
  for (let i = 0; i < images.length; i++) images[i] = rng.uniform() < zeroShare ? 0 : 1 + rng.below(255);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) labels[i] = rng.below(classes);
  return { count, images, labels };
}

/** A dataset of random images with the named dataset's shape and share of zero pixels. */
export function syntheticLike(name: string): Dataset {
  const info = parseDatasetName(name)?.info;
  const [h, w] = info?.imageShape ?? [28, 28];
  const classes = info?.classes ?? 10;
  const rng = Rng.forStream(1, "calibration");
  const zero = ZERO_SHARE[info?.name ?? ""] ?? 0.5;
  return {
    name,
    inputSize: h * w,
    imageShape: [h, w],
    classes,
    train: syntheticSplit(CALIBRATION_TRAIN, h * w, classes, zero, rng),
    test: syntheticSplit(CALIBRATION_TEST, h * w, classes, zero, rng),
    files: [],
  };
}

/** Seconds per training and per evaluated sample of one network on `data` (the best of three epochs after a warm-up). */
export function measureSpeed(data: Dataset, width: number, kernels: LoadedKernels): Speed {
  const config = withDefaults({
    dataset: data.name,
    hiddenWidths: [width, width],
    epochs: 4,
    trainLimit: Math.min(CALIBRATION_TRAIN, data.train.count),
    testLimit: Math.min(CALIBRATION_TEST, data.test.count),
  });
  const trainer = new Trainer(config, data, kernels.module, { sparseInput: "auto" });
  let best: Speed | undefined;
  trainer.runEpoch();
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    trainer.runEpoch();
    const t1 = performance.now();
    trainer.evaluate(trainer.test);
    const t2 = performance.now();
    const evalPer = (t2 - t1) / 1000 / trainer.test.count;
    const trainPer = Math.max(0, (t1 - t0) / 1000 - evalPer * trainer.test.count) / trainer.train.count;
    if (!best || trainPer < best.trainSecondsPerSample) best = { trainSecondsPerSample: trainPer, evalSecondsPerSample: evalPer };
  }
  return best!;
}

/**
 * Seconds of one --hessian measurement (top eigenvalues of the network and
 * each layer block, and the curvature gains) at initialisation, on `samples`
 * training samples (measured on as many as the data has, then scaled). It
 * costs hundreds of gradient passes: in the Hessian-initialisation study it
 * is most of the time.
 */
export function measureCurvature(data: Dataset, hiddenWidths: number[], kernels: LoadedKernels, samples: number): number {
  const n = Math.min(samples, data.train.count);
  const config = withDefaults({ dataset: data.name, hiddenWidths, epochs: 1, trainLimit: n, testLimit: Math.min(8, data.test.count) });
  const trainer = new Trainer(config, data, kernels.module, { sparseInput: "auto" });
  const t0 = performance.now();
  hessianTopEigenvalues(trainer.network, trainer.train, { samples: n, epsilon: config.epsilon, seed: 1 });
  curvatureGains(trainer.layout, trainer.network.params(), trainer.train, "relu");
  return ((performance.now() - t0) / 1000) * (samples / n);
}

/** Seconds of --init hessian's scales for one network (ReLU: two passes). */
export function measurePrinciple(data: Dataset, hiddenWidths: number[]): number {
  const layout = createLayout(data.inputSize, hiddenWidths, data.classes);
  const params = initialize(layout, Rng.forStream(1, "calibration"), "hessian");
  const t0 = performance.now();
  applyHessianPrinciple(layout, params, data.train, "relu");
  return (performance.now() - t0) / 1000;
}

/** A network's --hessian seconds on `samples` samples, measured once and kept with its speed. */
function curvatureSeconds(speed: Speed, samples: number, measure: () => number): number {
  speed.curvatureSeconds ??= new Map();
  if (!speed.curvatureSeconds.has(samples)) speed.curvatureSeconds.set(samples, measure());
  return speed.curvatureSeconds.get(samples)!;
}

/** Seconds per weight of one analysis (moments, c_opt, bands, histogram), measured on a synthetic layer. */
export function measureAnalysis(): number {
  const n = 100_000;
  const rng = Rng.forStream(2, "calibration");
  const wi = new Float32Array(n),
    wf = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    wi[i] = 0.1 * (2 * rng.uniform() - 1);
    wf[i] = wi[i]! + 0.01 * rng.normal();
  }
  const t0 = performance.now();
  analyzeLayer("W", 1, wi, wf);
  return (performance.now() - t0) / 1000 / n;
}

/** Deals jobs to threads longest first; the wall time is the busiest thread's. */
function makespan(seconds: readonly number[], threads: number): number {
  const load = new Array<number>(Math.max(1, Math.min(threads, seconds.length))).fill(0);
  for (const s of [...seconds].sort((a, b) => b - a)) {
    let k = 0;
    for (let i = 1; i < load.length; i++) if (load[i]! < load[k]!) k = i;
    load[k]! += s;
  }
  return Math.max(0, ...load);
}

/**
 * Estimates every job's seconds and the plan's wall time. `data` gives the
 * loaded dataset of a name, or undefined to calibrate on synthetic images;
 * `speeds` keeps the networks already measured (share it between calls).
 */
export function estimatePlan(
  jobs: readonly PlannedJob[],
  kernels: LoadedKernels,
  data: (name: string) => Dataset | undefined,
  threads = availableParallelism(),
  speeds = new Map<string, Speed>(),
): PlanEstimate {
  const perWeight = measureAnalysis();
  // The first network measured would also pay for compiling the kernels and warming the JIT: warm up once, discard.
  if (jobs[0]) measureSpeed(data(jobs[0].config.dataset) ?? syntheticLike(jobs[0].config.dataset), jobs[0].config.hiddenWidths[0]!, kernels);
  const estimates = jobs.map((job) => {
    const c = job.config;
    const d = data(c.dataset) ?? syntheticLike(c.dataset);
    const key = `${c.dataset} w${c.hiddenWidths.join("x")}`;
    if (!speeds.has(key)) speeds.set(key, measureSpeed(d, c.hiddenWidths[0]!, kernels));
    const s = speeds.get(key)!;
    const info = parseDatasetName(c.dataset)?.info;
    const nTrain = Math.min(c.trainLimit ?? Infinity, info?.trainCount ?? d.train.count);
    const nTest = Math.min(c.testLimit ?? Infinity, info?.testCount ?? d.test.count);
    const weights = createLayout(d.inputSize, c.hiddenWidths, d.classes).weightCount;
    const samples = job.record.hessianSamples;
    const curvature = samples === undefined ? 0 : curvatureSeconds(s, samples, () => measureCurvature(d, c.hiddenWidths, kernels, samples));
    if (c.init === "hessian" && s.principleSeconds === undefined) s.principleSeconds = measurePrinciple(d, c.hiddenWidths);
    const seconds =
      c.epochs * (nTrain * s.trainSecondsPerSample + nTest * s.evalSecondsPerSample) +
      (nTrain + nTest) * s.evalSecondsPerSample +
      job.record.analysis.length * (weights * perWeight + curvature) +
      (c.init === "hessian" ? s.principleSeconds! : 0);
    return { job, seconds };
  });
  const efficiency = threads > 1 ? PARALLEL_EFFICIENCY : 1;
  let wall = 0;
  for (const dataset of new Set(jobs.map((j) => j.config.dataset))) {
    wall += makespan(
      estimates.filter((e) => e.job.config.dataset === dataset).map((e) => e.seconds / efficiency),
      threads,
    );
  }
  return { jobs: estimates, coreSeconds: estimates.reduce((s, e) => s + e.seconds, 0), wallSeconds: wall, threads, speeds };
}
