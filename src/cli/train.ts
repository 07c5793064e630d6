import { Command } from "commander";
import { join, resolve } from "node:path";
import { DATASET_NAMES, withFold } from "../data/catalog.js";
import { UserError } from "../errors.js";
import { loadNamedDataset } from "../node/datasets.js";
import { nodePlatform } from "../node/platform.js";
import { defaultThreads, SeedPool, type PoolJob } from "../node/pool.js";
import { loadResume } from "../node/resume.js";
import { DirectorySink, prepareRunDirectory, removedNote } from "../node/runDirectory.js";
import { loadKernels } from "../node/wasm.js";
import { reportRun, reportSweep } from "../node/report.js";
import type { Manifest } from "../run/manifest.js";
import { configHash, executeRun } from "../run/session.js";
import { DEFAULTS, type ExecutionOptions, type TrainConfig } from "../train/config.js";
import type { MetricRow } from "../train/trainer.js";
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
    .action(async (flags: TrainFlags) => {
      const widths = flags.widths ?? [flags.width, flags.width];
      flags.dataset = withFold(flags.dataset, flags.fold);
      const mask = await maskFor(flags, flags.dataset, widths);
      // Before the configs: configFor would reject the last seed with a message about one seed.
      if (flags.seed + flags.runs - 1 >= 2 ** 32) throw new UserError(`seeds ${flags.seed}..${flags.seed + flags.runs - 1} go past 2^32 - 1`, 2);
      const configs = Array.from({ length: flags.runs }, (_, i) => configFor(flags, flags.dataset, widths, flags.seed + i, mask?.config));
      const c0 = configs[0]!;
      // Several seeds: their workers start while the dataset loads.
      const pool = configs.length > 1 ? new SeedPool(Math.min(flags.threads ?? defaultThreads(), configs.length)) : undefined;
      pool?.prestart(configs.length);
      const dataset = await loadNamedDataset(configs[0]!.dataset, {
        dataDir: flags.dataDir,
        cacheDir: flags.cacheDir,
        systemData: flags.systemData,
        invert: flags.invert,
        onNote: (t) => void (flags.quiet || flags.json ? undefined : process.stderr.write(`${t}\n`)),
      });
      const kernels = loadKernels(flags.kernels);
      const execution: ExecutionOptions = { sparseInput: flags.sparseInput };
      const record = recordFromFlags(flags, c0.epochs);
      // One run: --out is its directory, whatever --threads says (a seed runs on one thread; the bits do not depend on it).
      const single = flags.runs === 1;
      const dirs = await Promise.all(
        configs.map(async (c) => resolve(single ? (flags.out ?? join("runs", await runDirName(c))) : join(flags.out ?? "runs", await runDirName(c)))),
      );
      const hashes = await Promise.all(configs.map((c) => configHash(c)));
      const modes = dirs.map((dir, i) =>
        prepareRunDirectory(dir, {
          force: flags.force,
          resume: flags.resume,
          configSha256: hashes[i]!,
          onRemoved: (files) => void (flags.quiet ? undefined : process.stderr.write(`${removedNote(dir, files)}\n`)),
        }),
      );
      const many = configs.length > 1;
      const progress = new Map(
        configs.map((c) => [c.seed, flags.quiet || flags.json ? undefined : new EpochProgress(many ? `[seed ${c.seed}] ` : "", c.epochs)]),
      );
      const say = (text: string): void => void (flags.quiet || flags.json ? undefined : process.stderr.write(text));
      const onRow = (config: TrainConfig, row: MetricRow): void => {
        if (flags.json) process.stdout.write(JSON.stringify(many ? { seed: config.seed, ...row } : row) + "\n");
        progress.get(config.seed)?.row(row);
      };
      say(
        `training ${c0.dataset} widths ${c0.hiddenWidths.join("x")} for ${c0.epochs} epochs, ${many ? `seeds ${c0.seed}..${c0.seed + configs.length - 1}` : `seed ${c0.seed}`}, ${flags.kernels} kernels -> ${many ? resolve(flags.out ?? "runs") : dirs[0]}\n`,
      );

      const manifests: { dir: string; manifest?: Manifest; error?: string }[] = [];
      if (!pool) {
        let stop = false;
        const release = stopOnSignals(() => (stop = true));
        const resume = modes[0] === "resume" ? await loadResume(dirs[0]!, c0, dataset) : undefined;
        if (resume) say(`resuming from the checkpoint at epoch ${resume.state.epoch}\n`);
        const result = await executeRun({
          ...(resume ? { resume } : {}),
          ...(flags.checkpointEvery ? { checkpointEvery: flags.checkpointEvery } : {}),
          ...(mask ? { maskBits: mask.bits } : {}),
          config: c0,
          dataset,
          kernels,
          platform: nodePlatform(),
          sink: new DirectorySink(dirs[0]!),
          execution,
          record,
          shouldStop: () => stop,
          onRow: (row) => onRow(c0, row),
        });
        release();
        manifests.push({ dir: dirs[0]!, manifest: result.manifest });
      } else {
        const release = stopOnSignals(() => pool.stop());
        const jobs: PoolJob[] = configs.map((config, i) => ({
          config,
          execution,
          record,
          dir: dirs[i]!,
          resume: modes[i] === "resume",
          checkpointEvery: flags.checkpointEvery,
          maskBits: mask?.bits,
        }));
        const outcomes = await pool.run(jobs, dataset, kernels, nodePlatform(), { onRow: (job, row) => onRow(job.config, row) });
        release();
        jobs.forEach((job, i) => {
          const o = outcomes[i];
          manifests.push(o?.manifest ? { dir: job.dir, manifest: o.manifest } : { dir: job.dir, error: o?.error?.message ?? "not started (stopped)" });
        });
      }
      if (flags.report) {
        for (const { dir, manifest: m } of manifests) if (m) say(`report: ${await reportRun(dir)}\n`);
        if (many) say(`report: ${reportSweep(dirs, resolve(flags.out ?? "runs"))}\n`);
      }
      let worst = 0;
      for (const { dir, manifest: m, error } of manifests) {
        if (flags.json) process.stdout.write(JSON.stringify({ manifest: m ?? null, dir, error }) + "\n");
        if (!m) {
          process.stderr.write(`initdrift: ${dir}: ${error}\n`);
          worst = Math.max(worst, 1);
          continue;
        }
        say(`${many ? `[seed ${m.seed}] ` : ""}${m.status}: ${m.epochs_completed} epochs, final_params_sha256 ${m.final_params_sha256}\n`);
        if (m.status === "interrupted") worst = Math.max(worst, 130);
        else if (m.status !== "completed") worst = Math.max(worst, 3);
      }
      if (worst) process.exitCode = worst;
    });
  return cmd;
}
