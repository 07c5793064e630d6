import { totalmem } from "node:os";
import { ACTIVATIONS, type Activation, isActivation } from "../model/activation.js";
import { INITIALIZERS, type Initializer } from "../model/init.js";
import { Command, InvalidArgumentError } from "commander";
import { MAX_DOCUMENT_BYTES, readRegularFile } from "../node/files.js";
import { join, resolve } from "node:path";
import { DATASET_NAMES, parseDatasetName, withFold } from "../data/catalog.js";
import { UserError } from "../errors.js";
import { defaultThreads } from "../node/pool.js";
import { endOfJobs, runJobs, type PlannedJob, type JobServiceOptions } from "../node/jobService.js";
import { resolveShard, shardOf } from "../run/shards.js";
import { intList, nonNegativeInt, numberList, positiveInt, seedValue, threadCount } from "./options.js";
import { finishStudy } from "./analyze.js";
import { addTrainingOptions, configFor, datasetShape, maskFor, recordFromFlags, runDirName, stopOnSignals, type TrainingFlags } from "./runOptions.js";

export interface SweepFlags extends TrainingFlags {
  datasets: string[];
  widths: number[];
  initScales?: number[];
  activations?: Activation[];
  inits?: Initializer[];
  depth: number;
  runs: number;
  seed: number;
  config?: string;
  out: string;
  shard?: string;
  retries: number;
  analyze: boolean;
}

/** --activations: a comma-separated list of known activations. */
function activationList(text: string): Activation[] {
  const names = listOfNames(text);
  const bad = names.find((n) => !isActivation(n));
  if (bad !== undefined || names.length === 0) throw new InvalidArgumentError(`expected activations from ${ACTIVATIONS.join(", ")}, got '${text}'`);
  return names as Activation[];
}

/** --inits: a comma-separated list of known initialisers. */
function initList(text: string): Initializer[] {
  const names = listOfNames(text);
  const bad = names.find((n) => !(INITIALIZERS as readonly string[]).includes(n));
  if (bad !== undefined || names.length === 0) throw new InvalidArgumentError(`expected initialisers from ${INITIALIZERS.join(", ")}, got '${text}'`);
  return names as Initializer[];
}

const listOfNames = (text: string): string[] =>
  text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

/** Keys a --config JSON file may set: the sweep's own and every training option, as commander names them. */
export function applyConfigFile(cmd: Command, flags: SweepFlags, path: string): string[] {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readRegularFile(path, MAX_DOCUMENT_BYTES).toString("utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new UserError(`${path}: cannot read the sweep config (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 2);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new UserError(`${path}: the sweep config must be a JSON object of options`, 2);
  const known = new Map(cmd.options.map((o) => [o.attributeName(), o] as const));
  const applied: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const option = known.get(key);
    if (!option || key === "config")
      throw new UserError(
        `${path}: unknown key '${key}' (keys are the long options in camelCase: ${[...known.keys()].filter((k) => k !== "config").join(", ")})`,
        2,
      );
    if (cmd.getOptionValueSource(key) === "cli") continue; // the command line wins
    // A switch takes true or false, nothing else ("false" as a string would have switched it on).
    if (option.isBoolean()) {
      if (typeof value !== "boolean") throw new UserError(`${path}: ${key}: expected true or false, got ${JSON.stringify(value)}`, 2);
      (flags as unknown as Record<string, unknown>)[key] = value;
      applied.push(key);
      continue;
    }
    const scalar = (v: unknown) => typeof v === "string" || (typeof v === "number" && Number.isFinite(v));
    if (!(scalar(value) || (Array.isArray(value) && value.length > 0 && value.every(scalar))))
      throw new UserError(`${path}: ${key}: expected a string, a number or a list of them, got ${JSON.stringify(value)}`, 2);
    // Parse through the option's own parser, so a file is checked like the command line.
    const text = Array.isArray(value) ? value.join(",") : String(value);
    let parsed: unknown = text;
    try {
      if (option.parseArg) parsed = option.parseArg(text, undefined);
    } catch (e) {
      throw new UserError(`${path}: ${key}: ${(e as Error).message}`, 2);
    }
    (flags as unknown as Record<string, unknown>)[key] = parsed;
    applied.push(key);
  }
  return applied;
}

/** The most jobs one study plans: the paper's whole design is 162; a million would take minutes to plan and gigabytes to hold. */
export const MAX_PLANNED_JOBS = 10_000;
/** Bytes a training run holds per parameter (parameters, initial copy, gradients, checkpoint and snapshot copies, the analysis's sorts), roughly. */
const BYTES_PER_PARAMETER = 64;

/** Refuses, before anything is planned, a study too large to plan or a width whose network cannot fit this machine's memory. */
async function checkStudySize(flags: SweepFlags): Promise<void> {
  const jobs =
    flags.datasets.length * flags.widths.length * (flags.initScales?.length ?? 1) * (flags.activations?.length ?? 1) * (flags.inits?.length ?? 1) * flags.runs;
  if (jobs > MAX_PLANNED_JOBS)
    throw new UserError(
      `the study has ${jobs.toLocaleString("en")} jobs (datasets x widths x scales x activations x initialisers x seeds); at most ${MAX_PLANNED_JOBS.toLocaleString("en")} in one study`,
      2,
    );
  for (const dataset of flags.datasets) {
    const { inputSize, classes } = await datasetShape(flags, dataset);
    for (const w of flags.widths) {
      const parameters = inputSize * w + w + w * w + w + w * classes + classes;
      const need = parameters * BYTES_PER_PARAMETER;
      if (need > totalmem())
        throw new UserError(
          `width ${w} on ${dataset}: a network of ${parameters.toExponential(2)} parameters needs about ${(need / 2 ** 30).toFixed(0)} GiB; this machine has ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
          2,
        );
    }
  }
}

/** The jobs of a sweep: datasets x widths x activations x initialisers x init scales x seeds, each with its run directory below `out`. */
export async function planJobs(flags: SweepFlags, out: string): Promise<PlannedJob[]> {
  await checkStudySize(flags);
  const record = recordFromFlags(flags, flags.epochs);
  const all: PlannedJob[] = [];
  for (const dataset of flags.datasets)
    for (const width of flags.widths) {
      const widths = Array.from({ length: flags.depth }, () => width);
      const mask = await maskFor(flags, dataset, widths);
      for (const activation of flags.activations ?? [flags.activation])
        for (const init of flags.inits ?? [flags.init])
          for (const scale of flags.initScales ?? [flags.initScale])
            for (let s = 0; s < flags.runs; s++) {
              const config = configFor({ ...flags, activation, init }, dataset, widths, flags.seed + s, mask?.config, scale);
              all.push({ config, dir: join(out, await runDirName(config)), record, maskBits: mask?.bits });
            }
    }
  return all;
}

/** How the job service runs a sweep's jobs, from its flags. */
export function sweepRunOptions(flags: SweepFlags, out: string): JobServiceOptions {
  return {
    out,
    force: flags.force,
    resume: flags.resume,
    retries: flags.retries,
    threads: flags.threads,
    quiet: flags.quiet,
    kernels: flags.kernels,
    execution: { sparseInput: flags.sparseInput },
    checkpointEvery: flags.checkpointEvery,
    dataDir: flags.dataDir,
    cacheDir: flags.cacheDir,
    systemData: flags.systemData,
    invert: flags.invert,
    onStopHandle: stopOnSignals,
    skipFinished: true,
    progress: "status",
  };
}

/** Checks the datasets named by a sweep and applies --fold to HASYv2 entries. */
export function checkDatasets(flags: SweepFlags): void {
  // The same job twice would have two workers writing one run directory.
  for (const [name, list] of [
    ["--widths", flags.widths],
    ["--datasets", flags.datasets],
    ["--init-scales", flags.initScales ?? []],
    ["--activations", flags.activations ?? []],
    ["--inits", flags.inits ?? []],
  ] as const) {
    const twice = (list as readonly (string | number)[]).find((v, i) => list.indexOf(v as never) !== i);
    if (twice !== undefined) throw new UserError(`${name} names ${twice} twice`, 2);
  }
  for (const d of flags.datasets)
    if (!parseDatasetName(d) && !d.startsWith("idx:"))
      throw new UserError(`unknown dataset '${d}' (known: ${DATASET_NAMES.join(", ")}, hasyv2:fold-K, or idx:DIR)`, 2);
  // --fold picks the fold of every HASYv2 entry; other datasets have none.
  if (flags.fold !== undefined) flags.datasets = flags.datasets.map((d) => (parseDatasetName(d)?.info.format === "hasyv2" ? withFold(d, flags.fold) : d));
}

/** The options a sweep adds to the training options (reproduce takes them too, as overrides). */
export function addSweepOptions(cmd: Command, defaults: { datasets: string[]; widths: number[]; runs: number; out: string }): Command {
  cmd
    .option("--datasets <list>", `datasets (${DATASET_NAMES.join(", ")})`, listOfNames, defaults.datasets)
    .option("--widths <list>", "hidden widths to sweep (both layers of each network that wide)", intList, defaults.widths)
    .option("--init-scales <list>", "sweep the initial scale too (overrides --init-scale), e.g. 0.05,0.2,1", numberList)
    .option("--activations <list>", `sweep the activation too (overrides --activation): ${ACTIVATIONS.join(", ")}`, activationList)
    .option("--inits <list>", `sweep the initialiser too (overrides --init): ${INITIALIZERS.join(", ")}`, initList)
    .option("--depth <k>", "hidden layers of each network, all of the width (default 2, the paper's)", positiveInt, 2)
    .option("--runs <k>", "seeds per (dataset, width): seed .. seed+k-1", positiveInt, defaults.runs)
    .option("--seed <n>", "first seed", seedValue, 1)
    .option("--config <file>", 'JSON file of options (camelCase long names, e.g. {"widths": [10, 100], "epochs": 1000}); the command line wins')
    .option("--out <dir>", "sweep directory: one run directory per job, then summary.json", defaults.out)
    .option("--threads <t>", `worker threads (default: all cores, ${defaultThreads()} here)`, threadCount)
    .option("--shard <I/N>", "run only jobs k with k mod N = I (default: from Slurm or Kubernetes variables)")
    .option("--retries <n>", "retry a failed job this many times before reporting it", nonNegativeInt, 1)
    .option("--no-analyze", "do not write summary.json / summary.csv at the end");
  return addTrainingOptions(cmd);
}

export function sweepCommand(): Command {
  const cmd = new Command("sweep").description("train datasets x widths x seeds on the worker pool, skip finished jobs, resume unfinished ones, then analyze");
  addSweepOptions(cmd, { datasets: ["mnist"], widths: [10, 30, 100], runs: 5, out: "runs/sweep" });
  return cmd.action(async (flags: SweepFlags) => {
    if (flags.config) applyConfigFile(cmd, flags, flags.config);
    checkDatasets(flags);
    const shard = resolveShard(flags.shard, process.env);
    const out = resolve(flags.out);
    const all = await planJobs(flags, out);
    const mine = shardOf(all, shard);
    const say = (text: string): void => void (flags.quiet ? undefined : process.stderr.write(text));
    say(
      `sweep: ${all.length} jobs (${flags.datasets.join(",")} x widths ${flags.widths.join(",")}${flags.initScales ? ` x init scales ${flags.initScales.join(",")}` : ""}${flags.activations ? ` x activations ${flags.activations.join(",")}` : ""} x ${flags.runs} seeds)${shard.count > 1 ? `, shard ${shard.index}/${shard.count} (${shard.source}): ${mine.length} jobs` : ""} -> ${out}\n`,
    );
    const result = await runJobs(mine, sweepRunOptions(flags, out));
    if (flags.analyze && !result.stopped) finishStudy(out, { quiet: flags.quiet, report: flags.report, claims: false });
    process.exitCode = endOfJobs(result, flags.retries) || undefined;
  });
}
