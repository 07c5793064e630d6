import type { Dataset } from "../data/dataset.js";
import type { ExecutionOptions, TrainConfig } from "../train/config.js";
import { canonicalJson } from "../train/config.js";
import { Trainer, type MetricRow, type TrainerState } from "../train/trainer.js";
import { writeCheckpoint } from "./checkpoint.js";
import type { RunSink } from "./sink.js";

export type { RunSink };
import { TOOL_NAME, TOOL_VERSION } from "../version.js";
import { analyzeLayer, type LayerAnalysis } from "../analysis/layer.js";
import { DEFAULT_THETAS, regimes } from "../analysis/regimes.js";
import { hessianTopEigenvalues } from "../analysis/hessian.js";
import { biasesOf, weightsOf, type DenseLayerLayout } from "../model/layout.js";
import { paramsBytes } from "./hash.js";
import { encodeNpy } from "../codec/npy.js";
import { encodePbm } from "../codec/netpbm.js";
import { UserError } from "../errors.js";
import { layoutSummary, RUN_FORMAT, RUN_FORMAT_VERSION, type Manifest, type RunStatus } from "./manifest.js";
import { metricsCsv, metricsJsonl } from "./metrics.js";
import { sha256, sha256Text } from "../codec/sha256.js";

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

/** Default time between checkpoints: at most this much work is lost to a kill. */
export const CHECKPOINT_SECONDS = 120;

export interface RunRequest {
  config: TrainConfig;
  /** The mask's bits (fanIn x fanOut of config.mask.layer), for masked configs. */
  maskBits?: Uint8Array;
  /** Continue from a checkpoint instead of starting at epoch 0. */
  resume?: ResumeData;
  /** Checkpoint after every n-th epoch; by default after the first epoch that ends CHECKPOINT_SECONDS after the last checkpoint. */
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

/** snapshots/e<epoch, 6 digits>/W<l>.npy and b<l>.npy: every layer's parameters at one epoch. */
export function snapshotDir(epoch: number): string {
  return `snapshots/e${String(epoch).padStart(6, "0")}`;
}

async function writeSnapshot(sink: RunSink, layers: readonly DenseLayerLayout[], params: Float32Array, epoch: number): Promise<void> {
  for (const layer of layers) {
    await sink.write(`${snapshotDir(epoch)}/${layer.name}.npy`, encodeNpy(weightsOf(params, layer), [layer.fanIn, layer.fanOut]));
    await sink.write(`${snapshotDir(epoch)}/b${layer.index + 1}.npy`, encodeNpy(biasesOf(params, layer), [layer.fanOut]));
  }
}

/** summary.json of one run: identity, regimes (t_min, t_div, t_theta) and the last analysis of each layer. */
export function runSummary(manifest: Manifest, rows: readonly MetricRow[], analyses: readonly LayerAnalysis[], thetas: readonly number[]) {
  const last = new Map<string, LayerAnalysis>();
  for (const a of analyses) last.set(a.layer, a);
  return {
    dataset: manifest.dataset.name,
    hidden_widths: manifest.config.hiddenWidths,
    seed: manifest.seed,
    config_sha256: manifest.config_sha256,
    status: manifest.status,
    epochs_completed: manifest.epochs_completed,
    final_params_sha256: manifest.final_params_sha256,
    ...regimes(rows, thetas),
    last_analysis: [...last.values()].map(({ bands: _b, hist2d: _h, ...scalars }) => scalars),
  };
}

/** The config hash: SHA-256 of its canonical JSON. */
export function configHash(config: TrainConfig): Promise<string> {
  return sha256Text(canonicalJson(config));
}

/** <dataset>-w<widths>-s<seed>-<config hash, 8 hex>: the name of a run's directory (CLI) or package entry (page). */
export async function runDirName(config: TrainConfig): Promise<string> {
  const scale = config.initScale !== undefined ? `-g${config.initScale}` : "";
  // idx:DIR datasets: the directory's name, made safe for a path.
  const dataset = config.dataset.startsWith("idx:") ? `idx-${config.dataset.slice(4).replace(/\/+$/, "").split("/").pop()}` : config.dataset;
  return `${dataset.replace(/[^\w.-]/g, "_")}-w${config.hiddenWidths.join("x")}${scale}-s${config.seed}-${(await configHash(config)).slice(0, 8)}`;
}

/**
 * Trains one run and keeps its run files current: manifest.json (status
 * "running" until the end), metrics.jsonl and metrics.csv rewritten after each
 * epoch. Platform-neutral; the sink decides where files go.
 */
export async function executeRun(req: RunRequest): Promise<RunResult> {
  const now = req.now ?? (() => new Date());
  if (req.config.mask && (!req.maskBits || (await sha256(req.maskBits)) !== req.config.mask.bits_sha256)) {
    throw new UserError("the mask's bits do not match the config's bits_sha256");
  }
  const trainer = new Trainer(req.config, req.dataset, req.kernels.module, req.execution, req.clock, req.maskBits);
  if (req.config.mask && req.maskBits) {
    const layer = trainer.layout.layers.find((l) => l.name === req.config.mask!.layer)!;
    await req.sink.write("mask.pbm", encodePbm(req.maskBits, layer.fanIn, layer.fanOut));
  }
  if (req.resume) trainer.restore(req.resume.state);
  const manifest: Manifest = {
    format: RUN_FORMAT,
    format_version: RUN_FORMAT_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    kernels: { mode: req.kernels.mode, file: req.kernels.file, sha256: req.kernels.sha256, sparse_input: trainer.sparseInput },
    platform: req.platform,
    config: req.config,
    config_sha256: await configHash(req.config),
    seed: req.config.seed,
    dataset: {
      name: req.dataset.name,
      files: req.dataset.files,
      train_count: trainer.train.count,
      test_count: trainer.test.count,
      ...(req.dataset.verified !== undefined ? { verified: req.dataset.verified } : {}),
    },
    layout: layoutSummary(trainer.layout),
    started_at: req.resume?.startedAt ?? now().toISOString(),
    ended_at: null,
    status: "running",
    epochs_completed: 0,
    initial_params_sha256: await sha256(paramsBytes(trainer.network.initialParams())),
    final_params_sha256: null,
  };
  const plan = req.record ?? minimalRecord(req.config.epochs);
  manifest.record = plan;
  if (req.resume) manifest.resumes = [...req.resume.resumes, { at: now().toISOString(), from_epoch: req.resume.state.epoch }];
  const from = trainer.epoch;
  const rows: MetricRow[] = req.resume ? req.resume.rows.filter((r) => r.epoch <= from) : [];
  const analyses: LayerAnalysis[] = req.resume ? req.resume.analyses.filter((a) => a.epoch <= from) : [];
  if (req.resume && rows.length !== from + 1) throw new Error(`resume at epoch ${from} needs metrics rows 0..${from}, found ${rows.length}`);
  const clock = req.clock ?? (() => performance.now() / 1000);
  let lastCheckpoint = clock();
  let previousParamsFile = req.resume?.paramsFile;
  const checkpoint = async (): Promise<void> => {
    previousParamsFile = await writeCheckpoint(
      req.sink,
      {
        epoch: trainer.epoch,
        params: trainer.network.params(),
        initialParams: trainer.network.initialParams(),
        shuffleRng: trainer.shuffleState(),
      },
      manifest.config_sha256,
      previousParamsFile,
    );
    lastCheckpoint = clock();
  };
  const checkpointDue = (): boolean =>
    req.checkpointEvery !== undefined ? trainer.epoch % req.checkpointEvery === 0 : clock() - lastCheckpoint >= CHECKPOINT_SECONDS;
  const writeAll = async (): Promise<void> => {
    await req.sink.write("metrics.jsonl", metricsJsonl(rows));
    await req.sink.write("metrics.csv", metricsCsv(rows));
    await req.sink.write("summary.json", JSON.stringify(runSummary(manifest, rows, analyses, plan.thetas), null, 2) + "\n");
    await req.sink.write("manifest.json", JSON.stringify(manifest, null, 2) + "\n");
  };
  const record = async (row: MetricRow): Promise<void> => {
    // First, before any view of wasm memory is taken: the Hessian pass may grow
    // memory (its gradient buffer), which detaches earlier views.
    const curvature =
      plan.hessianSamples && plan.analysis.includes(row.epoch)
        ? hessianTopEigenvalues(trainer.network, trainer.train, { samples: plan.hessianSamples, epsilon: req.config.epsilon, seed: req.config.seed })
        : undefined;
    rows.push(row);
    manifest.epochs_completed = row.epoch;
    const params = trainer.network.params();
    manifest.final_params_sha256 = await sha256(paramsBytes(params));
    if (plan.snapshots.includes(row.epoch)) await writeSnapshot(req.sink, trainer.layout.layers, params, row.epoch);
    if (plan.analysis.includes(row.epoch)) {
      const initial = trainer.network.initialParams();
      for (const layer of trainer.layout.layers) {
        const now = trainer.network.params();
        const hidden = layer.relu ? { bias: biasesOf(now, layer), fanIn: layer.fanIn, fanOut: layer.fanOut } : undefined;
        const a = analyzeLayer(layer.name, row.epoch, weightsOf(initial, layer), weightsOf(now, layer), hidden);
        if (curvature) {
          a.hessian_top = curvature.blocks[layer.index]!.value;
          a.hessian_top_network = curvature.network;
        }
        analyses.push(a);
      }
      await req.sink.write("analysis.jsonl", analyses.map((a) => JSON.stringify(a)).join("\n") + "\n");
    }
    await writeAll();
    req.onRow?.(row, manifest);
  };

  if (req.resume) {
    manifest.epochs_completed = from;
    manifest.final_params_sha256 = await sha256(paramsBytes(trainer.network.params()));
  } else {
    await record(trainer.initialRow());
  }
  let status: RunStatus = "completed";
  while (trainer.epoch < req.config.epochs) {
    const row = trainer.runEpoch();
    await record(row);
    if (!Number.isFinite(row.train_loss) || !trainer.network.finite()) {
      status = "diverged";
      manifest.message = `non-finite ${Number.isFinite(row.train_loss) ? "weights" : "loss"} at epoch ${row.epoch}`;
      break;
    }
    const stopping = trainer.epoch < req.config.epochs && req.shouldStop?.() === true;
    // The checkpoint comes after the epoch's files: a kill between the two
    // only means resuming from the previous checkpoint.
    if (stopping || (trainer.epoch < req.config.epochs && checkpointDue())) await checkpoint();
    if (stopping) {
      status = "interrupted";
      break;
    }
  }
  manifest.status = status;
  manifest.ended_at = now().toISOString();
  await writeAll();
  return { manifest, rows, finalParams: trainer.network.params().slice() };
}
