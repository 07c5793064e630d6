import { DEFAULT_THETAS } from "../analysis/regimes.js";
import type { LayerAnalysis } from "../analysis/layer.js";
import type { Dataset } from "../data/dataset.js";
import type { ExecutionOptions, TrainConfig } from "../train/config.js";
import type { TrainerState } from "../train/trainer.js";
import type { MetricRow } from "./metrics.js";
import type { Manifest, RecordOptions } from "./manifest.js";

export type { RecordOptions };
import type { RunSink } from "./sink.js";

/** The types of a run: what executeRun is asked (RunRequest) and what it answers (RunResult). */
export interface KernelBuild {
  mode: string;
  file: string;
  sha256: string;
  module: WebAssembly.Module;
}

export interface PlatformInfo {
  runtime: string;
  version: string;
  os: string;
  arch: string;
  cpu: string;
}

/** Record epoch 0 and the last epoch only. */
export function minimalRecord(epochs: number): RecordOptions {
  return { snapshots: [0, epochs], analysis: [0, epochs], thetas: [...DEFAULT_THETAS] };
}

/** A run picked up from its checkpoint: rows and analyses up to the checkpoint epoch are kept. */
export interface ResumeData {
  state: TrainerState;
  /** The checkpoint's params file, removed once a newer checkpoint is in place. */
  paramsFile?: string;
  rows: MetricRow[];
  analyses: LayerAnalysis[];
  startedAt: string;
  resumes: { at: string; from_epoch: number }[];
}

export interface RunRequest {
  config: TrainConfig;
  /** The mask's bits (fanIn x fanOut of config.mask.layer), for masked configs. */
  maskBits?: Uint8Array;
  /** Continue from a checkpoint instead of starting at epoch 0. */
  resume?: ResumeData;
  /** Checkpoint after every n-th epoch; by default after the first epoch that ends CHECKPOINT_SECONDS (recorder.ts) after the last checkpoint. */
  checkpointEvery?: number;
  execution: ExecutionOptions;
  /** @default minimalRecord(config.epochs) */
  record?: RecordOptions;
  dataset: Dataset;
  kernels: KernelBuild;
  platform: PlatformInfo;
  sink: RunSink;
  /** Called after every epoch row (epoch 0 included). */
  onRow?: (row: MetricRow, manifest: Manifest) => void;
  /** Returns true when the run should stop after the current epoch (SIGINT, a stop button). */
  shouldStop?: () => boolean;
  clock?: () => number;
  now?: () => Date;
}

export interface RunResult {
  manifest: Manifest;
  rows: MetricRow[];
  finalParams: Float32Array;
}
