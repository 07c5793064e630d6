/**
 * One re-run for `verify --package-kernels`, in a thread of its own: a
 * package's kernel is someone else's code, and a kernel that never returns
 * would hold the main thread for ever. Here the main thread can stop it
 * (Worker.terminate) when it runs past its time limit.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Dataset } from "../data/dataset.js";
import type { Manifest } from "../run/manifest.js";
import type { PlatformInfo } from "../run/session.js";
import { rerun } from "../run/rerun.js";
import { reportableError } from "./poolMessages.js";

interface RerunJob {
  manifest: Manifest;
  module: WebAssembly.Module;
  dataset: Dataset;
  platform: PlatformInfo;
  maskBits?: Uint8Array;
}

if (!parentPort) throw new Error("rerunWorker.ts must run in a worker thread");
const port = parentPort;
const job = workerData as RerunJob;
rerun(job.manifest, job.module, job.dataset, job.platform, job.maskBits).then(
  (got) => port.postMessage({ ok: true, got }),
  (e: unknown) => port.postMessage({ ok: false, error: reportableError(e) }),
);
