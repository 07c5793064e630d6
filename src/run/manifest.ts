import type { DataFile } from "../data/dataset.js";
import type { ParamLayout } from "../model/layout.js";
import type { TrainConfig } from "../train/config.js";

/** What a run records besides metrics; none of it changes the run's bits. */
export interface RecordOptions {
  /** Epochs whose weights are saved under snapshots/ (epoch 0 and the last included). */
  snapshots: number[];
  /** Epochs analysed into analysis.jsonl. */
  analysis: number[];
  /** Loss thresholds of t_theta in summary.json. */
  thetas: number[];
  /** Top Hessian eigenvalues at analysed epochs, on this many training samples (absent: off). */
  hessianSamples?: number;
  /** Each hidden layer's orientation cluster sizes at analysed epochs (the condensation study; absent: off, so older runs keep their bytes). */
  clusters?: boolean;
}

export const RUN_FORMAT = "initdrift-run";
export const RUN_FORMAT_VERSION = 1;

export type RunStatus = "running" | "completed" | "diverged" | "interrupted" | "failed";

/** manifest.json of a run directory: everything needed to know and re-run a run. */
export interface Manifest {
  format: typeof RUN_FORMAT;
  format_version: number;
  tool: { name: string; version: string };
  kernels: { mode: string; file: string; sha256: string; sparse_input: boolean };
  platform: { runtime: string; version: string; os: string; arch: string; cpu: string };
  config: TrainConfig;
  /** SHA-256 of the canonical JSON of config. */
  config_sha256: string;
  seed: number;
  dataset: { name: string; files: DataFile[]; train_count: number; test_count: number; verified?: boolean };
  layout: { units: readonly number[]; param_count: number; weight_count: number; layers: string[] };
  started_at: string;
  ended_at: string | null;
  status: RunStatus;
  epochs_completed: number;
  /** Each time the run was continued from a checkpoint. */
  resumes?: { at: string; from_epoch: number }[];
  /** Snapshot, analysis and t_theta choices (they do not change the bits). */
  record?: RecordOptions;
  /** Why the run stopped early (diverged, failed). */
  message?: string;
  initial_params_sha256: string;
  /** Each layer's initial weight RMS, W1 first (what a scheme and --init hessian chose; absent in runs of older versions). */
  initial_weight_rms?: number[];
  /** SHA-256 of all parameters as little-endian f32 in layout order, at the last completed epoch. */
  final_params_sha256: string | null;
}

/** The RMS of each layer's weights, W1 first. */
export function weightRms(layout: ParamLayout, params: Float32Array): number[] {
  return layout.layers.map((l) => {
    let sq = 0;
    for (let i = l.weightOffset; i < l.weightOffset + l.weightCount; i++) sq += params[i]! * params[i]!;
    return Math.sqrt(sq / l.weightCount);
  });
}

export function layoutSummary(layout: ParamLayout): Manifest["layout"] {
  return { units: layout.units, param_count: layout.paramCount, weight_count: layout.weightCount, layers: layout.layers.map((l) => l.name) };
}
