import { Command } from "commander";
import { dirname, join, resolve } from "node:path";
import { DATASET_NAMES, withFold } from "../data/catalog.js";
import { UserError } from "../errors.js";
import { type JobServiceResult, type PlannedJob, runJobs } from "../node/jobService.js";
import { defaultThreads, type PoolJob } from "../node/pool.js";
import { errorOf } from "../node/poolMessages.js";
import { reportRun, reportSweep } from "../node/reportFiles.js";
import { DEFAULTS, type TrainConfig } from "../train/config.js";
import type { MetricRow } from "../run/metrics.js";
import { intList, positiveInt, seedValue, threadCount } from "./options.js";
import { EpochProgress } from "./progress.js";
import { addTrainingOptions, configFor, maskFor, recordFromFlags, runDirName, stopOnSignals, type TrainingFlags } from "./runOptions.js";

interface TrainFlags extends TrainingFlags {
  dataset: string;
  width: number;
  widths?: number[];
  seed: number;
  out?: string;
  runs: number;
  json: boolean;
}

export function trainCommand(): Command {
  const cmd = new Command("train")
    .description("train one network (or --runs seeds in parallel) and write run directories")
    .option("--dataset <name>", `dataset (${DATASET_NAMES.join(", ")})`, "mnist")
    .option("--width <n>", "width of both hidden layers", positiveInt, DEFAULTS.hiddenWidths[0])
    .option("--widths <list>", "hidden layer widths, input side first (overrides --width), e.g. 300,100", intList);
  addTrainingOptions(cmd)
    .option("--seed <n>", "random seed, an integer in [0, 2^32); --runs K uses seed .. seed+K-1", seedValue, DEFAULTS.seed)
    .option("--runs <k>", "independent realisations (seeds), one per worker thread", positiveInt, 1)
    .option("--threads <t>", `worker threads (default: all cores, ${defaultThreads()} here)`, threadCount)
    .option("--out <dir>", "run directory (with --runs > 1: the parent of one directory per seed); default runs/<dataset>-w<widths>-s<seed>-<hash>")
    .option("--json", "print each epoch's metrics as a JSON line on stdout, then each manifest", false)
    .action(trainAction);
  return cmd;
}

/** train is a small study on the job service: K seeds of one configuration, with train's own output. */
async function trainAction(flags: TrainFlags): Promise<void> {
  const widths = flags.widths ?? [flags.width, flags.width];
  flags.dataset = withFold(flags.dataset, flags.fold);
  const mask = await maskFor(flags, flags.dataset, widths);
  // Before the configs: configFor would reject the last seed with a message about one seed.
  if (flags.seed + flags.runs - 1 >= 2 ** 32) throw new UserError(`seeds ${flags.seed}..${flags.seed + flags.runs - 1} go past 2^32 - 1`, 2);
  const configs = Array.from({ length: flags.runs }, (_, i) => configFor(flags, flags.dataset, widths, flags.seed + i, mask?.config));
  const c0 = configs[0]!;
  const record = recordFromFlags(flags, c0.epochs);
  // One run: --out is its directory. Several: --out is their parent.
  const many = configs.length > 1;
  const out = resolve(flags.out ?? "runs");
  const jobs: PlannedJob[] = await Promise.all(
    configs.map(async (config) => ({
      config,
      dir: resolve(many ? join(out, await runDirName(config)) : (flags.out ?? join("runs", await runDirName(config)))),
      record,
      maskBits: mask?.bits,
    })),
  );
  const chatty = !(flags.quiet || flags.json);
  const say = (text: string): void => void (chatty ? process.stderr.write(text) : undefined);
  const header = (): void =>
    say(
      `training ${c0.dataset} widths ${c0.hiddenWidths.join("x")} for ${c0.epochs} epochs, ${many ? `seeds ${c0.seed}..${c0.seed + configs.length - 1}` : `seed ${c0.seed}`}, ${flags.kernels} kernels -> ${many ? out : jobs[0]!.dir}\n`,
    );
  const result = await runJobs(jobs, {
    ...flags,
    out: many ? out : dirname(jobs[0]!.dir),
    retries: 0,
    quiet: !chatty,
    execution: { sparseInput: flags.sparseInput },
    skipFinished: false,
    progress: "events",
    events: { onRow: seedProgress(configs, flags, many) },
    onStart: header,
    onStopHandle: stopOnSignals,
  });
  await trainEnd(jobs, result, flags, say, many ? out : undefined);
}

/** Each epoch's row: a progress line per seed on stderr, or a JSON line on stdout (--json). */
function seedProgress(configs: readonly TrainConfig[], flags: TrainFlags, many: boolean): (job: PoolJob, row: MetricRow) => void {
  const progress = new Map(configs.map((c) => [c.seed, flags.quiet || flags.json ? undefined : new EpochProgress(many ? `[seed ${c.seed}] ` : "", c.epochs)]));
  return (job, row) => {
    if (flags.json) process.stdout.write(JSON.stringify(many ? { seed: job.config.seed, ...row } : row) + "\n");
    progress.get(job.config.seed)?.row(row);
  };
}

/** Reports (--report), each seed's outcome, and the exit code: 130 stopped, 3 a run that did not complete, 1 a failure. */
async function trainEnd(
  jobs: readonly PlannedJob[],
  result: JobServiceResult,
  flags: TrainFlags,
  say: (text: string) => void,
  sweepDir: string | undefined,
): Promise<void> {
  const finished = jobs.map((job) => ({ dir: job.dir, outcome: result.outcomes.get(job.dir) }));
  // One run: its error is the whole answer, said as the CLI says any error (one line, its exit code).
  const only = finished.length === 1 ? finished[0]!.outcome?.error : undefined;
  if (only && !result.stopped) throw errorOf(only);
  if (flags.report) {
    for (const { dir, outcome } of finished) if (outcome?.manifest) say(`report: ${await reportRun(dir)}\n`);
    if (sweepDir)
      say(
        `report: ${reportSweep(
          jobs.map((j) => j.dir),
          sweepDir,
        )}\n`,
      );
  }
  let worst = 0;
  for (const { dir, outcome } of finished) {
    const m = outcome?.manifest;
    const error = outcome?.error?.message ?? "not run";
    if (flags.json) process.stdout.write(JSON.stringify({ manifest: m ?? null, dir, error: m ? undefined : error }) + "\n");
    if (!m) {
      process.stderr.write(`initdrift: ${dir}: ${error}\n`);
      worst = Math.max(worst, result.stopped ? 130 : 1);
      continue;
    }
    say(`${sweepDir ? `[seed ${m.seed}] ` : ""}${m.status}: ${m.epochs_completed} epochs, final_params_sha256 ${m.final_params_sha256}\n`);
    if (m.status === "interrupted") worst = Math.max(worst, 130);
    else if (m.status !== "completed") worst = Math.max(worst, 3);
  }
  if (worst) process.exitCode = worst;
}
