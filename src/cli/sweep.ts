import { Command } from "commander";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DATASET_NAMES, parseDatasetName, withFold } from "../data/catalog.js";
import { UserError } from "../errors.js";
import { createLayout } from "../model/layout.js";
import { loadNamedDataset } from "../node/datasets.js";
import { nodePlatform } from "../node/platform.js";
import { defaultThreads, SeedPool, type JobOutcome, type PoolJob } from "../node/pool.js";
import { prepareRunDirectory, readManifest } from "../node/runDirectory.js";
import { loadKernels } from "../node/wasm.js";
import { reportSweep } from "../node/report.js";
import { resolveShard, shardOf } from "../run/shards.js";
import type { TrainConfig } from "../train/config.js";
import { intList, nonNegativeInt, numberList, positiveInt, seedValue } from "./options.js";
import { duration } from "./progress.js";
import { printTable, summarize } from "./analyze.js";
import { addTrainingOptions, configFor, maskFor, recordFromFlags, runDirName, stopOnSignals, type TrainingFlags } from "./runOptions.js";

interface SweepFlags extends TrainingFlags {
  datasets: string[];
  widths: number[];
  initScales?: number[];
  runs: number;
  seed: number;
  config?: string;
  out: string;
  shard?: string;
  retries: number;
  analyze: boolean;
}

const listOfNames = (text: string): string[] => text.split(",").map((s) => s.trim()).filter((s) => s.length > 0);

/** Keys a --config JSON file may set: the sweep's own and every training option, as commander names them. */
function applyConfigFile(cmd: Command, flags: SweepFlags, path: string): void {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new UserError(`${path}: cannot read the sweep config (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 2);
  }
  const known = new Map(cmd.options.map((o) => [o.attributeName(), o] as const));
  for (const [key, value] of Object.entries(raw)) {
    const option = known.get(key);
    if (!option || key === "config") throw new UserError(`${path}: unknown key '${key}' (keys are the long options in camelCase: ${[...known.keys()].filter((k) => k !== "config").join(", ")})`, 2);
    if (cmd.getOptionValueSource(key) === "cli") continue; // the command line wins
    // Parse through the option's own parser, so a file is checked like the command line.
    const text = Array.isArray(value) ? value.join(",") : String(value);
    let parsed: unknown = value;
    try {
      if (option.parseArg && typeof value !== "boolean") parsed = option.parseArg(text, undefined);
    } catch (e) {
      throw new UserError(`${path}: ${key}: ${(e as Error).message}`, 2);
    }
    (flags as unknown as Record<string, unknown>)[key] = parsed;
  }
}

export function sweepCommand(): Command {
  const cmd = new Command("sweep")
    .description("train datasets x widths x seeds on the worker pool, skip finished jobs, resume unfinished ones, then analyze")
    .option("--datasets <list>", `datasets (${DATASET_NAMES.join(", ")})`, listOfNames, ["mnist"])
    .option("--widths <list>", "hidden widths to sweep (both layers of each network that wide)", intList, [10, 30, 100])
    .option("--init-scales <list>", "sweep the initial scale too (overrides --init-scale), e.g. 0.05,0.2,1", numberList)
    .option("--runs <k>", "seeds per (dataset, width): seed .. seed+k-1", positiveInt, 5)
    .option("--seed <n>", "first seed", seedValue, 1)
    .option("--config <file>", "JSON file of options (camelCase long names, e.g. {\"widths\": [10, 100], \"epochs\": 1000}); the command line wins")
    .option("--out <dir>", "sweep directory: one run directory per job, then summary.json", "runs/sweep")
    .option("--threads <t>", `worker threads (default: all cores, ${defaultThreads()} here)`, positiveInt)
    .option("--shard <I/N>", "run only jobs k with k mod N = I (default: from Slurm or Kubernetes variables)")
    .option("--retries <n>", "retry a failed job this many times before reporting it", nonNegativeInt, 1)
    .option("--no-analyze", "do not write summary.json / summary.csv at the end");
  addTrainingOptions(cmd);
  return cmd.action(async (flags: SweepFlags) => {
    if (flags.config) applyConfigFile(cmd, flags, flags.config);
    for (const d of flags.datasets) if (!parseDatasetName(d) && !d.startsWith("idx:")) throw new UserError(`unknown dataset '${d}' (known: ${DATASET_NAMES.join(", ")}, hasyv2:fold-K, or idx:DIR)`, 2);
    // --fold picks the fold of every HASYv2 entry; other datasets have none.
    if (flags.fold !== undefined) flags.datasets = flags.datasets.map((d) => (parseDatasetName(d)?.info.format === "hasyv2" ? withFold(d, flags.fold) : d));
    const shard = resolveShard(flags.shard, process.env);
    const out = resolve(flags.out);
    const all: { config: TrainConfig; dir: string; maskBits: Uint8Array | undefined }[] = [];
    for (const dataset of flags.datasets) for (const width of flags.widths) {
      const mask = await maskFor(flags, dataset, [width, width]);
      for (const scale of flags.initScales ?? [flags.initScale]) for (let s = 0; s < flags.runs; s++) {
        const config = configFor(flags, dataset, [width, width], flags.seed + s, mask?.config, scale);
        all.push({ config, dir: join(out, await runDirName(config)), maskBits: mask?.bits });
      }
    }
    const mine = shardOf(all, shard);
    const say = (text: string): void => void (flags.quiet ? undefined : process.stderr.write(text));
    say(`sweep: ${all.length} jobs (${flags.datasets.join(",")} x widths ${flags.widths.join(",")}${flags.initScales ? ` x init scales ${flags.initScales.join(",")}` : ""} x ${flags.runs} seeds)${shard.count > 1 ? `, shard ${shard.index}/${shard.count} (${shard.source}): ${mine.length} jobs` : ""} -> ${out}\n`);

    const record = recordFromFlags(flags, flags.epochs);
    const kernels = loadKernels(flags.kernels);
    const todo: PoolJob[] = [];
    let skipped = 0;
    for (const { config, dir, maskBits } of mine) {
      const status = readManifest(dir)?.status;
      if (!flags.force && (status === "completed" || status === "diverged")) { skipped++; continue; }
      const mode = prepareRunDirectory(dir, { force: flags.force, resume: flags.resume });
      todo.push({ config, dir, execution: { sparseInput: flags.sparseInput }, record, resume: mode === "resume", checkpointEvery: flags.checkpointEvery, maskBits });
    }
    if (skipped) say(`${skipped} jobs already finished, skipped\n`);

    // Progress: epochs done over epochs to do, across the running jobs.
    const started = performance.now() / 1000;
    // Time left weighs each epoch by its network's parameter count (its cost).
    const cost = (job: PoolJob): number => {
      const info = parseDatasetName(job.config.dataset)!.info;
      return createLayout(info.imageShape[0] * info.imageShape[1], job.config.hiddenWidths, info.classes).paramCount;
    };
    const totalWork = todo.reduce((s, j) => s + j.config.epochs * cost(j), 0);
    let workDone = 0, jobsDone = 0;
    const running = new Map<string, number>();
    const tty = !flags.quiet && process.stderr.isTTY === true;
    let lastDraw = 0;
    const left = (): string => {
      const elapsed = performance.now() / 1000 - started;
      return workDone > 0 ? `, about ${duration((elapsed / workDone) * (totalWork - workDone))} left` : "";
    };
    const name = (job: PoolJob): string => job.dir.slice(out.length + 1);
    // On a terminal one status line, redrawn in place: jobs done, each running job's epoch, time left.
    const draw = (force = false): void => {
      const now = performance.now();
      if (!tty || (!force && now - lastDraw < 500)) return;
      lastDraw = now;
      const jobs = [...running].map(([n, e]) => `${n.replace(/-[0-9a-f]{8}$/, "")} e${e}`).join(", ");
      if (running.size === 0) return void process.stderr.write("\r\x1b[K");
      process.stderr.write(`\r\x1b[K${jobsDone}/${todo.length} done | ${jobs}${left()}`.slice(0, (process.stderr.columns || 120) + 5));
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
      say(`${tty ? "\r\x1b[K" : ""}[${jobsDone}/${todo.length}] ${name(o.job)}: ${status}; ${duration(elapsed)} elapsed${jobsDone < todo.length ? left() : ""}\n`);
      draw(true);
    };

    let stopped = false;
    const failures: JobOutcome[] = [];
    let pending = todo;
    for (let attempt = 0; attempt <= flags.retries && pending.length > 0 && !stopped; attempt++) {
      if (attempt > 0) say(`retrying ${pending.length} failed jobs (attempt ${attempt + 1})\n`);
      const next: PoolJob[] = [];
      failures.length = 0;
      for (const dataset of flags.datasets) {
        const jobs = pending.filter((j) => j.config.dataset === dataset).map((j) => ({ ...j, resume: attempt > 0 || j.resume }));
        if (jobs.length === 0 || stopped) continue;
        const data = await loadNamedDataset(dataset, { dataDir: flags.dataDir, cacheDir: flags.cacheDir, systemData: flags.systemData, invert: flags.invert, onNote: (t) => say(`${t}\n`) });
        const pool = new SeedPool(Math.min(flags.threads ?? defaultThreads(), jobs.length));
        const release = stopOnSignals(() => { stopped = true; pool.stop(); });
        const outcomes = await pool.run(jobs, data, kernels, nodePlatform(), { onRow, onDone });
        release();
        jobs.forEach((job, i) => {
          const o = outcomes[i];
          if (o?.error) { failures.push(o); next.push(job); }
        });
      }
      pending = next;
    }

    if (flags.analyze && !stopped) {
      const { runs, groups } = summarize([out], out);
      if (!flags.quiet) printTable(groups);
      say(`summary of ${runs} runs in ${groups.length} groups -> ${join(out, "summary.json")}\n`);
      if (flags.report) say(`report: ${reportSweep([out], out)}\n`);
    }
    for (const f of failures) process.stderr.write(`initdrift: job ${f.job.dir} failed after ${flags.retries + 1} attempts: ${f.error?.message}\n`);
    if (stopped) process.exitCode = 130;
    else if (failures.length > 0) process.exitCode = 1;
  });
}
