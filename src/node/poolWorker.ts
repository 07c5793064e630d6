/**
 * A pool worker: runs the jobs it is sent, one at a time, each in its own
 * wasm instance, writing the job's run directory itself. The dataset arrives
 * once, backed by SharedArrayBuffers, so every worker reads the same bytes.
 */
import { parentPort } from "node:worker_threads";
import type { Dataset } from "../data/dataset.js";
import { executeRun, type KernelBuild, type PlatformInfo } from "../run/session.js";
import { DirectorySink } from "./runDirectory.js";
import { loadResume } from "./loadResume.js";
import { reportableError, type FromWorker, type ToWorker } from "./poolMessages.js";

if (!parentPort) throw new Error("poolWorker.ts must run in a worker thread");
const port = parentPort;
let dataset: Dataset | undefined;
let kernels: KernelBuild | undefined;
let platform: PlatformInfo | undefined;
let stopFlag: Int32Array | undefined;

const send = (m: FromWorker): void => port.postMessage(m);

async function run(job: Extract<ToWorker, { type: "job" }>): Promise<void> {
  if (!dataset || !kernels || !platform) throw new Error("worker got a job before its setup");
  try {
    const resume = job.resume ? await loadResume(job.dir, job.config, dataset) : undefined;
    const result = await executeRun({
      config: job.config,
      execution: job.execution,
      record: job.record,
      dataset,
      kernels,
      platform,
      ...(resume ? { resume } : {}),
      ...(job.checkpointEvery ? { checkpointEvery: job.checkpointEvery } : {}),
      ...(job.maskBits ? { maskBits: job.maskBits } : {}),
      sink: new DirectorySink(job.dir),
      shouldStop: () => stopFlag !== undefined && Atomics.load(stopFlag, 0) === 1,
      onRow: (row) => send({ type: "row", id: job.id, row }),
    });
    send({ type: "done", id: job.id, manifest: result.manifest });
  } catch (e) {
    send({ type: "failed", id: job.id, error: reportableError(e) });
  }
}

port.on("message", (m: ToWorker) => {
  if (m.type === "setup") {
    dataset = m.dataset;
    kernels = m.kernels;
    platform = m.platform;
    stopFlag = m.stopFlag;
  } else if (m.type === "job") {
    void run(m);
  }
});
