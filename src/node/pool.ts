import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { Worker } from "node:worker_threads";
import { shareSplit, type Dataset } from "../data/dataset.js";
import { UserError } from "../errors.js";
import type { Manifest } from "../run/manifest.js";
import type { KernelBuild, PlatformInfo, RecordOptions } from "../run/session.js";
import type { ExecutionOptions, TrainConfig } from "../train/config.js";
import type { MetricRow } from "../run/metrics.js";
import type { FromWorker, JobError, ToWorker } from "./poolMessages.js";

export interface PoolJob {
  config: TrainConfig;
  execution: ExecutionOptions;
  record: RecordOptions;
  /** The job's run directory (the worker writes it). */
  dir: string;
  /** Continue from the directory's checkpoint if it has one. */
  resume?: boolean;
  checkpointEvery?: number | undefined;
  /** Bits of config.mask, for masked runs. */
  maskBits?: Uint8Array | undefined;
}

export interface JobOutcome {
  job: PoolJob;
  manifest?: Manifest;
  error?: JobError;
}

export interface PoolEvents {
  onRow?: (job: PoolJob, row: MetricRow) => void;
  onDone?: (outcome: JobOutcome) => void;
}

/** Default thread count: every core. */
export function defaultThreads(): number {
  return availableParallelism();
}

let compilingOnWorkers = false;

/**
 * When the seeds take every core, V8's optimizing compiler, which runs on
 * background threads, has no core left: each worker's hot JavaScript (the
 * analysis) waits in the slower tiers behind the seeds. Two seeds of width
 * 300 on 2 cores took 1.6-2x as long for their first two analysed epochs as
 * one seed alone, and 2 seeds ran 1.77x faster than 1 instead of 1.88x
 * (docs/performance.md). Isolates made after this compile on their own
 * thread; V8 reads the flag when it makes an isolate, so it is set before
 * the first worker. Only code's speed changes: no result depends on when
 * a function was optimized.
 */
function compileOnWorkerThreads(): void {
  if (compilingOnWorkers) return;
  compilingOnWorkers = true;
  try {
    setFlagsFromString("--no-concurrent-recompilation");
  } catch {
    // An engine that refuses flags at run time keeps its defaults: only speed is at stake.
  }
}

/** dist/node/poolWorker.js, from src/node or dist/node alike. */
const WORKER_PATH = fileURLToPath(new URL("../../dist/node/poolWorker.js", import.meta.url));

/**
 * Runs jobs on `threads` worker threads, one job per worker at a time. The
 * dataset is copied once into SharedArrayBuffers and shared by all workers;
 * the compiled module is sent to each (structured clone shares the code).
 */
export class SeedPool {
  private readonly workers: Worker[] = [];
  /** Started by prestart() and not yet given jobs. */
  private readonly idle: Worker[] = [];
  private startError: Error | undefined;
  private stopped = false;
  /** Shared with every worker and read at each epoch's end: a stop lands within an epoch. */
  private readonly stopFlag = new Int32Array(new SharedArrayBuffer(4));

  constructor(private readonly threads: number) {
    if (!Number.isInteger(threads) || threads < 1) throw new UserError(`threads must be a positive integer, got ${threads}`, 2);
  }

  /**
   * Starts the workers `jobs` jobs will need before run() is called, so that
   * they load their modules while the caller loads the dataset (40-50 ms
   * off every multi-seed command's start). They hold the process open only
   * once run() gives them work: an error in between still ends it.
   */
  prestart(jobs: number): void {
    this.beforeWorkers(jobs);
    while (this.idle.length < Math.min(this.threads, jobs)) {
      const worker = new Worker(WORKER_PATH);
      worker.unref();
      worker.once("error", (e) => (this.startError ??= e));
      this.idle.push(worker);
    }
  }

  /** Workers that will take every core compile on their own threads (compileOnWorkerThreads). */
  private beforeWorkers(jobs: number): void {
    if (Math.min(this.threads, jobs) >= availableParallelism()) compileOnWorkerThreads();
  }

  /** Asks every worker to finish its current epoch and stop. */
  stop(): void {
    this.stopped = true;
    Atomics.store(this.stopFlag, 0, 1);
  }

  async run(jobs: PoolJob[], dataset: Dataset, kernels: KernelBuild, platform: PlatformInfo, events: PoolEvents = {}): Promise<JobOutcome[]> {
    const shared: Dataset = { ...dataset, train: shareSplit(dataset.train), test: shareSplit(dataset.test) };
    const outcomes: JobOutcome[] = new Array(jobs.length);
    let next = 0;
    const kernelsMessage: KernelBuild = { mode: kernels.mode, file: kernels.file, sha256: kernels.sha256, module: kernels.module };
    const workerCount = Math.min(this.threads, jobs.length);
    if (this.startError) throw this.startError;
    this.beforeWorkers(jobs.length);
    // Prestarted workers beyond this run's need are not kept.
    for (const spare of this.idle.splice(workerCount)) void spare.terminate();
    await Promise.all(
      Array.from(
        { length: workerCount },
        () =>
          new Promise<void>((resolve, reject) => {
            const worker = this.idle.shift() ?? new Worker(WORKER_PATH);
            worker.ref();
            this.workers.push(worker);
            let current = -1;
            const feed = (): void => {
              if (next >= jobs.length || this.stopped) {
                void worker.terminate().then(() => resolve());
                return;
              }
              current = next++;
              const job = jobs[current]!;
              worker.postMessage({
                type: "job",
                id: current,
                config: job.config,
                execution: job.execution,
                record: job.record,
                dir: job.dir,
                resume: job.resume ?? false,
                checkpointEvery: job.checkpointEvery,
                maskBits: job.maskBits,
              } satisfies ToWorker);
            };
            worker.on("message", (m: FromWorker) => {
              const job = jobs[m.id]!;
              if (m.type === "row") {
                events.onRow?.(job, m.row);
                return;
              }
              outcomes[m.id] = m.type === "done" ? { job, manifest: m.manifest } : { job, error: m.error };
              events.onDone?.(outcomes[m.id]!);
              feed();
            });
            worker.on("error", (e) => reject(e));
            worker.on("exit", (code) => {
              if (current >= 0 && !outcomes[current] && code !== 0) {
                outcomes[current] = { job: jobs[current]!, error: { message: `worker exited with code ${code}`, user: false } };
              }
            });
            worker.postMessage({ type: "setup", dataset: shared, kernels: kernelsMessage, platform, stopFlag: this.stopFlag } satisfies ToWorker);
            feed();
          }),
      ),
    );
    return outcomes;
  }
}
