import { UserError } from "../errors.js";
import type { MaskConfig } from "../mask/mask.js";
import { ACTIVATIONS, type Activation } from "../model/activation.js";
import { INITIALIZERS, type Initializer } from "../model/init.js";

/** Everything that decides a run's bits (and a few things that do not, marked). */
export interface TrainConfig {
  /** Dataset name from the catalogue, e.g. "mnist". */
  dataset: string;
  /** Hidden layer widths, input side first. @default [100, 100] */
  hiddenWidths: number[];
  /** Epochs of training after the epoch-0 evaluation. @default 1 */
  epochs: number;
  /** Integer in [0, 2^32). @default 1 */
  seed: number;
  /** Minibatch size. @default 128 (Keras) */
  batchSize: number;
  /** SGD step size. @default 0.1 (the paper) */
  learningRate: number;
  /** Reshuffle the training set every epoch. @default true (Keras) */
  shuffle: boolean;
  /** Train on the last, smaller minibatch of an epoch. @default true (Keras) */
  keepPartialBatch: boolean;
  /** Probability clip of the cross-entropy, [eps, 1 - eps]. @default 1e-7 (Keras backend epsilon) */
  epsilon: number;
  /**
   * The loss: absent = Keras's clipped cross-entropy (epsilon above);
   * "from-logits" = a stable log-softmax with no clip (later tf.keras), so a
   * sample with p_y near 0 still gets a gradient.
   */
  loss?: "from-logits" | undefined;
  /** The hidden layers' activation (absent = ReLU, the paper's, so older configs keep their hash). */
  activation?: Exclude<Activation, "relu"> | undefined;
  /** Weight initialiser. @default "glorot-uniform" (Keras Dense) */
  init: Initializer;
  /** Multiplies every initial weight (absent = 1, so older configs keep their hash). */
  initScale?: number | undefined;
  /** Every initial bias (absent = 0). */
  biasInit?: number | undefined;
  /** Initial weights outside this mask are zero (the paper's letter "a"). */
  mask?: MaskConfig | undefined;
  /** Black-on-white images: every pixel becomes 255 - pixel (absent = false). */
  invert?: boolean | undefined;
  /** Use only the first N training samples (quick runs). */
  trainLimit?: number | undefined;
  /** Use only the first N test samples. */
  testLimit?: number | undefined;
}

/** @default values of TrainConfig. */
export const DEFAULTS = {
  hiddenWidths: [100, 100],
  epochs: 1,
  seed: 1,
  batchSize: 128,
  learningRate: 0.1,
  shuffle: true,
  keepPartialBatch: true,
  epsilon: 1e-7,
  init: "glorot-uniform" as Initializer,
  initScale: 1,
  biasInit: 0,
} as const;

/** The activation a config trains with. */
export function activationOf(c: Pick<TrainConfig, "activation">): Activation {
  return c.activation ?? "relu";
}

/** Execution choices that do not change a run's bits in exact mode (kept out of the config hash). */
export interface ExecutionOptions {
  /** First layer on sparse inputs: "auto" uses it when over half the pixels are zero. Bit-identical either way. */
  sparseInput: "auto" | "on" | "off";
}

export function withDefaults(partial: Partial<TrainConfig> & { dataset: string }): TrainConfig {
  return {
    hiddenWidths: [...DEFAULTS.hiddenWidths],
    epochs: DEFAULTS.epochs,
    seed: DEFAULTS.seed,
    batchSize: DEFAULTS.batchSize,
    learningRate: DEFAULTS.learningRate,
    shuffle: DEFAULTS.shuffle,
    keepPartialBatch: DEFAULTS.keepPartialBatch,
    epsilon: DEFAULTS.epsilon,
    init: DEFAULTS.init,
    ...partial,
  };
}

/** Throws UserError (exit 2) for any value a run cannot use. */
export function validateConfig(c: TrainConfig): TrainConfig {
  const bad = (what: string): never => {
    throw new UserError(what, 2);
  };
  const positiveInt = (v: unknown, name: string): void => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1) bad(`${name} must be a positive integer, got ${String(v)}`);
  };
  if (!Array.isArray(c.hiddenWidths) || c.hiddenWidths.length === 0) bad("at least one hidden layer width is needed");
  c.hiddenWidths.forEach((w) => positiveInt(w, "width"));
  if (!Number.isInteger(c.epochs) || c.epochs < 0) bad(`epochs must be a non-negative integer, got ${c.epochs}`);
  if (!Number.isInteger(c.seed) || c.seed < 0 || c.seed >= 2 ** 32) bad(`seed must be an integer in [0, 2^32), got ${c.seed}`);
  positiveInt(c.batchSize, "batch size");
  if (!(c.learningRate > 0) || !Number.isFinite(c.learningRate)) bad(`learning rate must be a positive number, got ${c.learningRate}`);
  // The update runs in f32: a rate that rounds to 0 there would "complete" a run that never moved.
  if (Math.fround(c.learningRate) === 0) bad(`learning rate ${c.learningRate} rounds to 0 in f32, where the update runs`);
  if (!(c.epsilon >= 0 && c.epsilon < 0.5)) bad(`epsilon must be in [0, 0.5), got ${c.epsilon}`);
  if (c.loss !== undefined && c.loss !== "from-logits") bad(`unknown loss '${String(c.loss)}' (known: clipped, from-logits)`);
  // ReLU is written as no activation, so that one network has one config hash.
  if (c.activation !== undefined && ((c.activation as string) === "relu" || !(ACTIVATIONS as readonly string[]).includes(c.activation)))
    bad(`unknown activation '${String(c.activation)}' (known: ${ACTIVATIONS.join(", ")}; relu is written as no activation)`);
  if (!(INITIALIZERS as readonly string[]).includes(c.init)) bad(`unknown initialiser '${c.init}' (known: ${INITIALIZERS.join(", ")})`);
  if (c.initScale !== undefined && !(Number.isFinite(c.initScale) && c.initScale > 0)) bad(`init scale must be a positive number, got ${c.initScale}`);
  // Initial weights are about 0.001 to 1 times the scale, stored in f32: below this every one of them is 0 or subnormal.
  if (c.initScale !== undefined && c.initScale < 1e-30) bad(`init scale ${c.initScale} is too small: the initial weights would underflow f32 (at least 1e-30)`);
  if (c.biasInit !== undefined && !Number.isFinite(c.biasInit)) bad(`bias init must be a number, got ${c.biasInit}`);
  if (c.trainLimit !== undefined) positiveInt(c.trainLimit, "train limit");
  if (c.testLimit !== undefined) positiveInt(c.testLimit, "test limit");
  return c;
}
