import { encodePbm } from "../codec/netpbm.js";
import { sha256 } from "../codec/sha256.js";
import { UserError } from "../errors.js";
import { Trainer } from "../train/trainer.js";
import { type MetricRow, metricRow } from "./metrics.js";
import { TOOL_NAME, TOOL_VERSION } from "../version.js";
import { paramsBytes } from "./hash.js";
import { layoutSummary, weightRms, type Manifest, RUN_FORMAT, RUN_FORMAT_VERSION, type RunStatus } from "./manifest.js";
import { configHash } from "./naming.js";
import { RunRecorder } from "./recorder.js";
import { minimalRecord, type RunRequest, type RunResult } from "./types.js";

export { CHECKPOINT_SECONDS, runSummary } from "./recorder.js";
export { configHash, runDirName, snapshotDir } from "./naming.js";
export type { RunSink } from "./sink.js";
export { minimalRecord } from "./types.js";
export type { KernelBuild, PlatformInfo, RecordOptions, ResumeData, RunRequest, RunResult } from "./types.js";

/** How often, at most, the epoch loop hands the event loop a turn. */
const EVENTS_EVERY_MS = 50;
let lastTurn = 0;

/**
 * Gives the event loop a turn (at most every EVENTS_EVERY_MS): the epoch loop
 * awaits only work that completes at once, so without it a Ctrl-C, a closed
 * stdout or a page's stop button would reach shouldStop only after the last
 * epoch. A timer turn costs about a millisecond; at most 2% of the time.
 */
async function letEventsIn(): Promise<void> {
  const now = performance.now();
  if (now - lastTurn < EVENTS_EVERY_MS) return;
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
  lastTurn = performance.now();
}

/** A new run's manifest: identity, provenance, layout; status "running" until the end. */
async function newManifest(req: RunRequest, trainer: Trainer, startedAt: string): Promise<Manifest> {
  return {
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
    started_at: startedAt,
    ended_at: null,
    status: "running",
    epochs_completed: 0,
    initial_params_sha256: await sha256(paramsBytes(trainer.network.initialParams())),
    initial_weight_rms: weightRms(trainer.layout, trainer.network.initialParams()),
    final_params_sha256: null,
  };
}

/** Why a run has diverged after this row, if it has: non-finite weights or loss end it wherever they appear, epoch 0 (the initial network) included. */
function nonFinite(trainer: Trainer, row: { epoch: number; train_loss: number; test_loss: number }): string | undefined {
  if (!trainer.network.finite()) return `non-finite weights at epoch ${row.epoch}`;
  if (!Number.isFinite(row.train_loss) || !Number.isFinite(row.test_loss)) return `non-finite loss at epoch ${row.epoch}`;
  return undefined;
}

/** The epochs from the trainer's to the config's last, checkpointing when due and at a stop; the status they end in. */
async function trainEpochs(
  req: RunRequest,
  trainer: Trainer,
  recorder: RunRecorder,
  record: (row: MetricRow) => Promise<void>,
  manifest: Manifest,
): Promise<RunStatus> {
  while (trainer.epoch < req.config.epochs) {
    const row = metricRow(trainer.runEpoch(), trainer);
    await record(row);
    const message = nonFinite(trainer, row);
    if (message) {
      manifest.message = message;
      return "diverged";
    }
    await letEventsIn();
    const stopping = trainer.epoch < req.config.epochs && req.shouldStop?.() === true;
    if (stopping || (trainer.epoch < req.config.epochs && recorder.checkpointDue())) await recorder.checkpoint();
    if (stopping) return "interrupted";
  }
  return "completed";
}

/**
 * Trains one run and keeps its run files current (the RunRecorder appends
 * each epoch's rows; manifest and summary at checkpoints and the end).
 * Platform-neutral; the sink decides where files go.
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
  const manifest = await newManifest(req, trainer, req.resume?.startedAt ?? now().toISOString());
  const plan = req.record ?? minimalRecord(req.config.epochs);
  manifest.record = plan;
  if (req.resume) manifest.resumes = [...req.resume.resumes, { at: now().toISOString(), from_epoch: req.resume.state.epoch }];
  const from = trainer.epoch;
  const rows = req.resume ? req.resume.rows.filter((r) => r.epoch <= from) : [];
  const analyses = req.resume ? req.resume.analyses.filter((a) => a.epoch <= from) : [];
  if (req.resume && rows.length !== from + 1)
    throw new UserError(
      `the checkpoint is at epoch ${from}, but metrics.jsonl holds ${rows.length} of its rows 0..${from}; the run is damaged: use --force to start over`,
    );
  const recorder = new RunRecorder(
    req.sink,
    trainer,
    manifest,
    plan,
    rows,
    analyses,
    req.resume?.paramsFile,
    req.clock ?? (() => performance.now() / 1000),
    req.checkpointEvery,
  );
  const record = async (row: MetricRow): Promise<void> => {
    await recorder.record(row);
    req.onRow?.(row, manifest);
  };

  let status: RunStatus = "completed";
  try {
    if (req.resume) {
      manifest.epochs_completed = from;
      await recorder.resumed();
    } else {
      const initial = metricRow(trainer.initialMeasures(), trainer);
      await record(initial);
      const problem = nonFinite(trainer, initial);
      if (problem) {
        status = "diverged";
        manifest.message = `${problem} (the initial network)`;
      }
    }
    if (status === "completed") status = await trainEpochs(req, trainer, recorder, record, manifest);
  } catch (e) {
    // Whatever stopped the run mid-way, its manifest says so (failed, with the message) rather than "running" for ever.
    manifest.message = (e as Error).message ?? String(e);
    await recorder.finish("failed", now().toISOString()).catch(() => undefined);
    throw e;
  }
  await recorder.finish(status, now().toISOString());
  return { manifest, rows, finalParams: trainer.network.params().slice() };
}
