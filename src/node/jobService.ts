import { basename, relative } from "node:path";
import { parseDatasetName } from "../data/catalog.js";
import { createLayout } from "../model/layout.js";
import type { RecordOptions } from "../run/session.js";
import type { ExecutionOptions, TrainConfig } from "../train/config.js";
import { duration } from "../run/duration.js";
import { loadNamedDataset, type LocateOptions } from "./datasets.js";
import { nodePlatform } from "./platform.js";
import { defaultThreads, SeedPool, type JobOutcome, type PoolEvents, type PoolJob } from "./pool.js";
import { prepareRunDirectory, removedNote } from "./runDirectory.js";
import { configHash } from "../run/naming.js";
import { loadKernels, type KernelMode } from "./wasm.js";

/**
 * The one job service: every command that trains (train with one seed or K,
 * sweep, reproduce) hands it planned jobs. It owns the run directories'
 * fate (new, resumed, skipped when finished, refused), the worker pool, the
 * retries, stop requests, and the progress a sweep shows; the command keeps
 * only its own output and the study's end (reports, analysis).
 */

/** One run, planned: its config, its directory, and what it records. */
export interface PlannedJob {
  config: TrainConfig;
  dir: string;
  record: RecordOptions;
  maskBits?: Uint8Array | undefined;
}

export interface JobServiceOptions extends LocateOptions {
  /** The directory the jobs are named relative to in progress lines. */
  out: string;
  force: boolean;
  resume: boolean;
  retries: number;
  threads?: number | undefined;
  quiet: boolean;
  kernels: KernelMode;
  execution: ExecutionOptions;
  checkpointEvery?: number | undefined;
  invert?: boolean;
  /** A finished run of the same configuration is skipped (a sweep run again) rather than refused (train, which needs --force). */
  skipFinished: boolean;
  /** "status": a sweep's redrawn status line and a line per finished job with the time left; "events": only the caller's hooks. */
  progress: "status" | "events";
  /** The caller's view of each epoch's row and each finished job (train's per-seed progress and --json). */
  events?: PoolEvents;
  /** Called once, when the first dataset has loaded and the first jobs start: train's header waits for it, so an error stays one line. */
  onStart?: () => void;
  /** Stop requests (Ctrl-C, SIGTERM) are wired by the caller. */
  onStopHandle?: (stop: () => void) => () => void;
}

export interface JobServiceResult {
  todo: number;
  skipped: number;
  stopped: boolean;
  /** Jobs that failed on their last attempt. */
  failures: JobOutcome[];
  /** Every job that ran, by directory: its last attempt's outcome. */
  outcomes: Map<string, JobOutcome>;
}

/**
 * The end every study shares: each failed job in one line (after its
 * retries), and the exit code: 130 when stopped, 1 when a job failed, else 0.
 */
export function endOfJobs(result: JobServiceResult, retries: number): number {
  for (const f of result.failures) process.stderr.write(`initdrift: job ${f.job.dir} failed after ${retries + 1} attempts: ${f.error?.message}\n`);
  return result.stopped ? 130 : result.failures.length > 0 ? 1 : 0;
}

/** Parameter count of a job's network: the weight of each of its epochs in time estimates. */
export function jobCost(config: TrainConfig): number {
  const info = parseDatasetName(config.dataset)?.info;
  const inputSize = info ? info.imageShape[0] * info.imageShape[1] : 784;
  return createLayout(inputSize, config.hiddenWidths, info?.classes ?? 10).paramCount;
}

/** A job's name in progress lines: its directory below `out`. */
function jobName(out: string, dir: string): string {
  return relative(out, dir) || basename(dir);
}

/**
 * Runs planned jobs on the worker pool: skips finished ones (skipFinished),
 * resumes unfinished ones from their checkpoints (--resume), retries
 * failures. Datasets are loaded one at a time; within one the costliest
 * jobs start first, so the last to finish is a cheap one.
 */
export async function runJobs(jobs: readonly PlannedJob[], opts: JobServiceOptions): Promise<JobServiceResult> {
  const say = (text: string): void => void (opts.quiet ? undefined : process.stderr.write(text));
  const { todo, skipped } = await prepareJobs(jobs, opts, say);
  const kernels = loadKernels(opts.kernels);
  const progress = opts.progress === "status" ? new StatusLine(todo, opts, say) : undefined;
  const events: PoolEvents = {
    onRow: (job, row) => {
      progress?.row(job, row);
      opts.events?.onRow?.(job, row);
    },
    onDone: (o) => {
      progress?.done(o);
      opts.events?.onDone?.(o);
    },
  };
  let stopped = false;
  let started = false;
  const outcomes = new Map<string, JobOutcome>();
  let failures: JobOutcome[] = [];
  let pending = todo;
  for (let attempt = 0; attempt <= opts.retries && pending.length > 0 && !stopped; attempt++) {
    if (attempt > 0) say(`retrying ${pending.length} failed jobs (attempt ${attempt + 1})\n`);
    failures = [];
    for (const dataset of [...new Set(pending.map((j) => j.config.dataset))]) {
      if (stopped) break;
      const jobsOf = pending
        .filter((j) => j.config.dataset === dataset)
        .map((j) => ({ ...j, resume: attempt > 0 || j.resume }))
        .sort((a, b) => b.config.epochs * jobCost(b.config) - a.config.epochs * jobCost(a.config));
      const pool = new SeedPool(Math.min(opts.threads ?? defaultThreads(), jobsOf.length));
      // The workers start while the dataset loads.
      pool.prestart(jobsOf.length);
      const data = await loadNamedDataset(dataset, { ...opts, onNote: (t) => say(`${t}\n`) });
      if (!started) opts.onStart?.();
      started = true;
      const release = opts.onStopHandle?.(() => {
        stopped = true;
        pool.stop();
      });
      const ran = await pool.run(jobsOf, data, kernels, nodePlatform(), events);
      release?.();
      jobsOf.forEach((job, i) => {
        // A job a stop kept from starting has no outcome: not a failure, and left for --resume.
        const o = ran[i] ?? { job, error: { message: "not started (stopped)", user: true } };
        outcomes.set(job.dir, o);
        if (ran[i]?.error) failures.push(o);
      });
    }
    pending = failures.map((o) => o.job);
  }
  return { todo: todo.length, skipped, stopped, failures, outcomes };
}

/** Decides each job's directory: new, resumed, skipped as finished, or refused (a UserError) before anything runs. */
async function prepareJobs(jobs: readonly PlannedJob[], opts: JobServiceOptions, say: (text: string) => void): Promise<{ todo: PoolJob[]; skipped: number }> {
  const todo: PoolJob[] = [];
  let skipped = 0;
  for (const { config, dir, maskBits, record } of jobs) {
    const mode = prepareRunDirectory(dir, {
      force: opts.force,
      resume: opts.resume,
      configSha256: await configHash(config),
      skipFinished: opts.skipFinished,
      onRemoved: (files) => say(`${removedNote(dir, files)}\n`),
    });
    if (mode === "finished") {
      skipped++;
      continue;
    }
    if (mode === "resume") say(`${jobName(opts.out, dir)}: resuming from its checkpoint\n`);
    todo.push({ config, dir, execution: opts.execution, record, resume: mode === "resume", checkpointEvery: opts.checkpointEvery, maskBits });
  }
  if (skipped) say(`${skipped} jobs already finished, skipped\n`);
  return { todo, skipped };
}

/**
 * A sweep's progress: epochs done over epochs to do, each weighted by its
 * network's parameter count (its cost). On a terminal one status line,
 * redrawn in place (jobs done, each running job's epoch, time left); a line
 * per finished job everywhere.
 */
class StatusLine {
  private readonly started = performance.now() / 1000;
  private readonly totalWork: number;
  private workDone = 0;
  private jobsDone = 0;
  private readonly running = new Map<string, number>();
  private readonly tty: boolean;
  private lastDraw = 0;

  constructor(
    private readonly todo: readonly PoolJob[],
    private readonly opts: JobServiceOptions,
    private readonly say: (text: string) => void,
  ) {
    this.totalWork = todo.reduce((s, j) => s + j.config.epochs * jobCost(j.config), 0);
    this.tty = !opts.quiet && process.stderr.isTTY === true;
  }

  row(job: PoolJob, row: { epoch: number }): void {
    if (row.epoch > 0) this.workDone += jobCost(job.config);
    this.running.set(jobName(this.opts.out, job.dir), row.epoch);
    this.draw();
  }

  done(o: JobOutcome): void {
    this.jobsDone++;
    this.running.delete(jobName(this.opts.out, o.job.dir));
    const elapsed = performance.now() / 1000 - this.started;
    const status = o.manifest ? o.manifest.status : `FAILED (${o.error?.message})`;
    const more = this.jobsDone < this.todo.length ? this.left() : "";
    this.say(
      `${this.tty ? "\r\x1b[K" : ""}[${this.jobsDone}/${this.todo.length}] ${jobName(this.opts.out, o.job.dir)}: ${status}; ${duration(elapsed)} elapsed${more}\n`,
    );
    this.draw(true);
  }

  private left(): string {
    const elapsed = performance.now() / 1000 - this.started;
    return this.workDone > 0 ? `, about ${duration((elapsed / this.workDone) * (this.totalWork - this.workDone))} left` : "";
  }

  private draw(force = false): void {
    const now = performance.now();
    if (!this.tty || (!force && now - this.lastDraw < 500)) return;
    this.lastDraw = now;
    if (this.running.size === 0) return void process.stderr.write("\r\x1b[K");
    const names = [...this.running].map(([n, e]) => `${n.replace(/-[0-9a-f]{8}$/, "")} e${e}`).join(", ");
    process.stderr.write(`\r\x1b[K${this.jobsDone}/${this.todo.length} done | ${names}${this.left()}`.slice(0, (process.stderr.columns || 120) + 5));
  }
}
