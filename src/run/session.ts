import type { Dataset } from "../data/dataset.js";
import type { ExecutionOptions, TrainConfig } from "../train/config.js";
import { canonicalJson } from "../train/config.js";
import { Trainer, type MetricRow } from "../train/trainer.js";
import { TOOL_NAME, TOOL_VERSION } from "../version.js";
import { paramsBytes } from "./hash.js";
import { layoutSummary, RUN_FORMAT, RUN_FORMAT_VERSION, type Manifest, type RunStatus } from "./manifest.js";
import { metricsCsv, metricsJsonl } from "./metrics.js";
import { sha256, sha256Text } from "./sha256.js";

/** Where a run's files go: a directory in Node (atomic writes), memory in a browser. */
export interface RunSink {
  write(name: string, data: string | Uint8Array): void | Promise<void>;
}

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

export interface RunRequest {
  config: TrainConfig;
  execution: ExecutionOptions;
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

/** The config hash: SHA-256 of its canonical JSON. */
export function configHash(config: TrainConfig): Promise<string> {
  return sha256Text(canonicalJson(config));
}

/**
 * Trains one run and keeps its run files current: manifest.json (status
 * "running" until the end), metrics.jsonl and metrics.csv rewritten after each
 * epoch. Platform-neutral; the sink decides where files go.
 */
export async function executeRun(req: RunRequest): Promise<RunResult> {
  const now = req.now ?? (() => new Date());
  const trainer = new Trainer(req.config, req.dataset, req.kernels.module, req.execution, req.clock);
  const manifest: Manifest = {
    format: RUN_FORMAT,
    format_version: RUN_FORMAT_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    kernels: { mode: req.kernels.mode, file: req.kernels.file, sha256: req.kernels.sha256, sparse_input: trainer.sparseInput },
    platform: req.platform,
    config: req.config,
    config_sha256: await configHash(req.config),
    seed: req.config.seed,
    dataset: { name: req.dataset.name, files: req.dataset.files, train_count: trainer.train.count, test_count: trainer.test.count },
    layout: layoutSummary(trainer.layout),
    started_at: now().toISOString(),
    ended_at: null,
    status: "running",
    epochs_completed: 0,
    initial_params_sha256: await sha256(paramsBytes(trainer.network.initialParams())),
    final_params_sha256: null,
  };
  const rows: MetricRow[] = [];
  const writeAll = async (): Promise<void> => {
    await req.sink.write("metrics.jsonl", metricsJsonl(rows));
    await req.sink.write("metrics.csv", metricsCsv(rows));
    await req.sink.write("manifest.json", JSON.stringify(manifest, null, 2) + "\n");
  };
  const record = async (row: MetricRow): Promise<void> => {
    rows.push(row);
    manifest.epochs_completed = row.epoch;
    manifest.final_params_sha256 = await sha256(paramsBytes(trainer.network.params()));
    await writeAll();
    req.onRow?.(row, manifest);
  };

  await record(trainer.initialRow());
  let status: RunStatus = "completed";
  while (trainer.epoch < req.config.epochs) {
    const row = trainer.runEpoch();
    await record(row);
    if (!Number.isFinite(row.train_loss) || !trainer.network.finite()) {
      status = "diverged";
      manifest.message = `non-finite ${Number.isFinite(row.train_loss) ? "weights" : "loss"} at epoch ${row.epoch}`;
      break;
    }
    if (trainer.epoch < req.config.epochs && req.shouldStop?.()) {
      status = "interrupted";
      break;
    }
  }
  manifest.status = status;
  manifest.ended_at = now().toISOString();
  await writeAll();
  return { manifest, rows, finalParams: trainer.network.params().slice() };
}
