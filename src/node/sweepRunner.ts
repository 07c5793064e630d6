import { parseDatasetName } from "../data/catalog.js";
import { createLayout } from "../model/layout.js";
import type { RecordOptions } from "../run/session.js";
import type { ExecutionOptions, TrainConfig } from "../train/config.js";
import { duration } from "../run/duration.js";
import { loadNamedDataset, type LocateOptions } from "./datasets.js";
import { nodePlatform } from "./platform.js";
import { defaultThreads, SeedPool, type JobOutcome, type PoolJob } from "./pool.js";
import { prepareRunDirectory, removedNote } from "./runDirectory.js";
import { configHash } from "../run/naming.js";
import { loadKernels, type KernelMode } from "./wasm.js";

/** One run of a sweep, planned: its config, its directory, and what it records. */
export interface PlannedJob {
  config: TrainConfig;
  dir: string;
  record: RecordOptions;
  maskBits?: Uint8Array | undefined;
}

export interface SweepRunOptions extends LocateOptions {
  /** The sweep directory (run directories are named below it in progress lines). */
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
  /** Stop requests (Ctrl-C, SIGTERM) are wired by the caller. */
  onStopHandle?: (stop: () => void) => () => void;
}

export interface SweepRunResult {
  todo: number;
  skipped: number;
  stopped: boolean;
  failures: JobOutcome[];
}

/** Parameter count of a job's network: the weight of each of its epochs in time estimates. */
export function jobCost(config: TrainConfig): number {
  const info = parseDatasetName(config.dataset)?.info;
  const inputSize = info ? info.imageShape[0] * info.imageShape[1] : 784;
  return createLayout(inputSize, config.hiddenWidths, info?.classes ?? 10).paramCount;
}

/**
 * Runs planned jobs on the worker pool: skips finished ones, resumes
 * unfinished ones from their checkpoints, retries failures, and shows
 * progress with the time left. Datasets are loaded one at a time; within one
 * the costliest jobs start first, so the last to finish is a cheap one.
 */
export async function runPlannedJobs(jobs: readonly PlannedJob[], opts: SweepRunOptions): Promise<SweepRunResult> {
  const say = (text: string): void => void (opts.quiet ? undefined : process.stderr.write(text));
  const kernels = loadKernels(opts.kernels);
  const todo: PoolJob[] = [];
  let skipped = 0;
  for (const { config, dir, maskBits, record } of jobs) {
    // A finished run of this very configuration is skipped; one of another configuration is refused.
    const mode = prepareRunDirectory(dir, {
      force: opts.force,
      resume: opts.resume,
      configSha256: await configHash(config),
      skipFinished: true,
      onRemoved: (files) => say(`${removedNote(dir, files)}\n`),
    });
    if (mode === "finished") {
      skipped++;
      continue;
    }
    if (mode === "resume") say(`${dir.slice(opts.out.length + 1)}: resuming from its checkpoint\n`);
    todo.push({ config, dir, execution: opts.execution, record, resume: mode === "resume", checkpointEvery: opts.checkpointEvery, maskBits });
  }
  if (skipped) say(`${skipped} jobs already finished, skipped\n`);

  // Progress: epochs done over epochs to do, each weighted by its network's parameter count (its cost).
  const started = performance.now() / 1000;
  const cost = (job: PoolJob): number => jobCost(job.config);
  const totalWork = todo.reduce((s, j) => s + j.config.epochs * cost(j), 0);
  let workDone = 0,
    jobsDone = 0;
  const running = new Map<string, number>();
  const tty = !opts.quiet && process.stderr.isTTY === true;
  let lastDraw = 0;
  const left = (): string => {
    const elapsed = performance.now() / 1000 - started;
    return workDone > 0 ? `, about ${duration((elapsed / workDone) * (totalWork - workDone))} left` : "";
  };
  const name = (job: PoolJob): string => job.dir.slice(opts.out.length + 1);
  // On a terminal one status line, redrawn in place: jobs done, each running job's epoch, time left.
  const draw = (force = false): void => {
    const now = performance.now();
    if (!tty || (!force && now - lastDraw < 500)) return;
    lastDraw = now;
    const names = [...running].map(([n, e]) => `${n.replace(/-[0-9a-f]{8}$/, "")} e${e}`).join(", ");
    if (running.size === 0) return void process.stderr.write("\r\x1b[K");
    process.stderr.write(`\r\x1b[K${jobsDone}/${todo.length} done | ${names}${left()}`.slice(0, (process.stderr.columns || 120) + 5));
  };
  const onRow = (job: PoolJob, row: { epoch: number }): void => {
    if (row.epoch > 0) workDone += cost(job);
    running.set(name(job), row.epoch);
    draw();
  };
  const onDone = (o: JobOutcome): void => {
    jobsDone++;
    running.delete(name(o.job));
    const elapsed = performance.now() / 1000 - started;
    const status = o.manifest ? o.manifest.status : `FAILED (${o.error?.message})`;
    say(
      `${tty ? "\r\x1b[K" : ""}[${jobsDone}/${todo.length}] ${name(o.job)}: ${status}; ${duration(elapsed)} elapsed${jobsDone < todo.length ? left() : ""}\n`,
    );
    draw(true);
  };

  let stopped = false;
  const failures: JobOutcome[] = [];
  let pending = todo;
  const datasets = [...new Set(todo.map((j) => j.config.dataset))];
  for (let attempt = 0; attempt <= opts.retries && pending.length > 0 && !stopped; attempt++) {
    if (attempt > 0) say(`retrying ${pending.length} failed jobs (attempt ${attempt + 1})\n`);
    const next: PoolJob[] = [];
    failures.length = 0;
    for (const dataset of datasets) {
      const jobsOf = pending
        .filter((j) => j.config.dataset === dataset)
        .map((j) => ({ ...j, resume: attempt > 0 || j.resume }))
        .sort((a, b) => b.config.epochs * cost(b) - a.config.epochs * cost(a));
      if (jobsOf.length === 0 || stopped) continue;
      const pool = new SeedPool(Math.min(opts.threads ?? defaultThreads(), jobsOf.length));
      pool.prestart(jobsOf.length);
      const data = await loadNamedDataset(dataset, {
        dataDir: opts.dataDir,
        cacheDir: opts.cacheDir,
        systemData: opts.systemData,
        invert: opts.invert,
        onNote: (t) => say(`${t}\n`),
      });
      const release = opts.onStopHandle?.(() => {
        stopped = true;
        pool.stop();
      });
      const outcomes = await pool.run(jobsOf, data, kernels, nodePlatform(), { onRow, onDone });
      release?.();
      jobsOf.forEach((job, i) => {
        const o = outcomes[i];
        if (o?.error) {
          failures.push(o);
          next.push(job);
        }
      });
    }
    pending = next;
  }
  return { todo: todo.length, skipped, stopped, failures };
}
