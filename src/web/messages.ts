import type { LayerAnalysis } from "../analysis/layer.js";
import type { Dataset } from "../data/dataset.js";
import type { Manifest } from "../run/manifest.js";
import type { PlatformInfo, RecordOptions } from "../run/session.js";
import type { Reproduction } from "../run/rerun.js";
import type { TrainConfig } from "../train/config.js";
import type { MetricRow } from "../run/metrics.js";

/** Messages between the page and its training workers (one seed per worker). */
export interface KernelInfo {
  mode: string;
  file: string;
  sha256: string;
}

export type ToWorker =
  /** stopFlag: shared memory the page sets to 1 to stop (a cross-origin-isolated page); otherwise a "stop" message, read between epochs. */
  | { type: "setup"; dataset: Dataset; module: WebAssembly.Module; kernels: KernelInfo; platform: PlatformInfo; stopFlag?: Int32Array | undefined }
  | {
      type: "run";
      id: number;
      config: TrainConfig;
      record: RecordOptions;
      maskBits?: Uint8Array | undefined;
      /** The run's files so far (after a stop): it continues from their checkpoint. */
      resumeFiles?: [string, Uint8Array][] | undefined;
      /** The matrix whose snapshots are sent back to be drawn. */
      liveLayer: string;
    }
  | { type: "verify"; id: number; manifest: Manifest; wasm: Uint8Array; maskBits?: Uint8Array | undefined }
  | { type: "stop" };

export type FromWorker =
  | { type: "row"; id: number; row: MetricRow }
  | { type: "weights"; id: number; epoch: number; rows: number; cols: number; data: Float32Array }
  | { type: "analysis"; id: number; analysis: LayerAnalysis }
  | { type: "done"; id: number; manifest: Manifest; files: [string, Uint8Array][] }
  | { type: "verified"; id: number; reproduction: Reproduction }
  | { type: "failed"; id: number; error: string };
