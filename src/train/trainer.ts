import type { Dataset, Split } from "../data/dataset.js";
import { limitSplit, zeroFraction } from "../data/dataset.js";
import { initialize } from "../model/init.js";
import { applyHessianPrinciple } from "../model/hessianInit.js";
import { createLayout, weightsOf, type DenseLayerLayout, type ParamLayout } from "../model/layout.js";
import { maskContrast, maskLayerOf } from "../mask/mask.js";
import { activationOf, type ExecutionOptions, type TrainConfig } from "./config.js";
import { UserError } from "../errors.js";
import { Kernels } from "./kernels.js";
import { Network } from "./network.js";
import { Rng, type RngState } from "../math/rng.js";

/**
 * What the trainer measures of one epoch. Epoch 0 is the initial network,
 * before any update. The run turns it into a row of metrics.jsonl with the
 * weights' distances from their initial values (run/metrics.ts).
 */
export interface EpochMeasures {
  epoch: number;
  /** Epoch >= 1: mean per-sample loss over the epoch's minibatches, weights moving (Keras). Epoch 0: the initial network on the whole training set. */
  trainLoss: number;
  trainAccuracy: number;
  /** Loss and accuracy on the test set at the end of the epoch. */
  testLoss: number;
  testAccuracy: number;
  /** Wall-clock seconds this epoch took (training and evaluation). */
  seconds: number;
}

/** What a run needs to continue to the same bits: weights, initial weights, the shuffle generator, the epoch. */
export interface TrainerState {
  epoch: number;
  params: Float32Array;
  initialParams: Float32Array;
  shuffleRng: RngState;
}

export type Clock = () => number;

/** Fraction of zero pixels above which the sparse first layer pays off. */
const SPARSE_THRESHOLD = 0.5;

/**
 * The epoch loop. Platform-neutral: it takes a decoded dataset and a compiled
 * kernel module and never touches files, threads or the clock except through
 * what it is given.
 */
export class Trainer {
  readonly config: TrainConfig;
  readonly layout: ParamLayout;
  readonly network: Network;
  readonly train: Split;
  readonly test: Split;
  readonly sparseInput: boolean;
  epoch = 0;
  private shuffleRng: Rng;
  private readonly order: Uint32Array;
  private readonly clock: Clock;
  /** The last touchAhead's sum of the bytes it read. It means nothing: kept only so that an optimizer cannot drop those loads. */
  prefetched = 0;

  /** The mask bits and the layer they apply to, for masked runs. */
  private readonly mask: { layer: DenseLayerLayout; bits: Uint8Array } | undefined;

  constructor(
    config: TrainConfig,
    dataset: Dataset,
    module: WebAssembly.Module,
    execution: ExecutionOptions,
    clock: Clock = () => performance.now() / 1000,
    maskBits?: Uint8Array,
  ) {
    this.config = config;
    this.clock = clock;
    this.layout = createLayout(dataset.inputSize, config.hiddenWidths, dataset.classes);
    this.train = limitSplit(dataset.train, config.trainLimit, dataset.inputSize);
    // Without the partial batch, fewer samples than a batch would train on nothing and report 0/0 as a loss.
    if (!config.keepPartialBatch && this.train.count < config.batchSize) {
      throw new UserError(`--no-partial-batch with ${this.train.count} training samples and batch size ${config.batchSize} leaves no batch to train on`, 2);
    }
    this.test = limitSplit(dataset.test, config.testLimit, dataset.inputSize);
    this.sparseInput = execution.sparseInput === "on" || (execution.sparseInput === "auto" && zeroFraction(this.train, dataset.inputSize) > SPARSE_THRESHOLD);
    this.network = new Network(Kernels.instantiateSync(module), this.layout, config.batchSize, this.sparseInput, activationOf(config));
    this.network.lossFromLogits = config.loss === "from-logits";
    const initial = this.initialParams(config);
    this.mask = undefined;
    if (config.mask) {
      if (!maskBits) throw new Error("a masked config needs its mask bits");
      const layer = maskLayerOf(this.layout, config.mask.layer);
      if (maskBits.length !== layer.weightCount) throw new Error(`mask has ${maskBits.length} cells, ${layer.name} has ${layer.weightCount} weights`);
      const w = weightsOf(initial, layer);
      for (let i = 0; i < w.length; i++) if (!maskBits[i]) w[i] = 0;
      this.mask = { layer, bits: maskBits };
    }
    this.network.setParams(initial);
    this.shuffleRng = Rng.forStream(config.seed, "shuffle");
    this.order = new Uint32Array(this.train.count);
  }

  /**
   * The initial parameters: the scheme's draw, or for --init hessian the
   * LeCun-normal shape rescaled layer by layer on the first training samples
   * (model/hessianInit.ts), then --init-scale.
   */
  private initialParams(config: TrainConfig): Float32Array {
    const rng = Rng.forStream(config.seed, "init");
    if (config.init !== "hessian") return initialize(this.layout, rng, config.init, config.initScale ?? 1, config.biasInit ?? 0);
    const params = initialize(this.layout, rng, "hessian", 1, config.biasInit ?? 0);
    applyHessianPrinciple(this.layout, params, this.train, activationOf(config));
    const scale = config.initScale ?? 1;
    if (scale !== 1) for (const layer of this.layout.layers) weightsOf(params, layer).forEach((w, i, a) => (a[i] = w * scale));
    return params;
  }

  /** Continues from a checkpoint. */
  restore(state: TrainerState): void {
    this.network.setParams(state.params, state.initialParams);
    this.shuffleRng = Rng.fromState(state.shuffleRng);
    this.epoch = state.epoch;
  }

  /** The generator state to checkpoint with the weights. */
  shuffleState(): RngState {
    return this.shuffleRng.state();
  }

  /** Epoch 0: the initial network on the whole training and test sets. */
  initialMeasures(): EpochMeasures {
    const t0 = this.clock();
    const train = this.evaluate(this.train);
    const test = this.evaluate(this.test);
    return this.measures(0, train.loss, train.accuracy, test, this.clock() - t0);
  }

  /** One epoch of SGD, then the test evaluation. */
  runEpoch(): EpochMeasures {
    const t0 = this.clock();
    const { batchSize, learningRate, epsilon } = this.config;
    const n = this.train.count;
    const order = this.order;
    for (let i = 0; i < n; i++) order[i] = i;
    if (this.config.shuffle) this.shuffleRng.shuffle(order);
    const end = this.config.keepPartialBatch ? n : n - (n % batchSize);
    let lossSum = 0;
    let correct = 0;
    for (let start = 0; start < end; start += batchSize) {
      const rows = Math.min(batchSize, end - start);
      this.stage(this.train, order, start, rows);
      if (start + batchSize < end) this.touchAhead(this.train, order, start + batchSize, Math.min(batchSize, end - start - batchSize));
      const step = this.network.trainStep(rows, learningRate, epsilon);
      lossSum += step.lossSum;
      correct += step.correct;
    }
    this.epoch++;
    const test = this.evaluate(this.test);
    return this.measures(this.epoch, lossSum / end, correct / end, test, this.clock() - t0);
  }

  /** Mean loss and accuracy of the current weights on a split (no updates). */
  evaluate(split: Split): { loss: number; accuracy: number } {
    let lossSum = 0;
    let correct = 0;
    const B = this.config.batchSize;
    for (let start = 0; start < split.count; start += B) {
      const rows = Math.min(B, split.count - start);
      this.stage(split, undefined, start, rows);
      const r = this.network.evaluateStep(rows, this.config.epsilon);
      lossSum += r.lossSum;
      correct += r.correct;
    }
    return { loss: lossSum / split.count, accuracy: correct / split.count };
  }

  /** Copies `rows` samples (order[start..] or start.. in order) into the network's staging buffers. */
  private stage(split: Split, order: Uint32Array | undefined, start: number, rows: number): void {
    const d = this.layout.inputSize;
    const pixels = this.network.pixels();
    const labels = this.network.labels();
    if (!order) {
      pixels.set(split.images.subarray(start * d, (start + rows) * d));
      for (let r = 0; r < rows; r++) labels[r] = split.labels[start + r]!;
      return;
    }
    for (let r = 0; r < rows; r++) {
      const idx = order[start + r]!;
      pixels.set(split.images.subarray(idx * d, idx * d + d), r * d);
      labels[r] = split.labels[idx]!;
    }
  }

  /**
   * Reads the first and the last byte of each sample of the next minibatch
   * (every page a row of up to 4 KB can touch), so that the page walks of
   * its shuffled rows, one TLB miss per sample in a 47 MB array, overlap
   * the step that follows instead of stalling the copy in stage(). Whole
   * epochs 2-6% faster at widths 10 to 300; touching every cache line of
   * the rows, or two minibatches ahead, gained less (docs/performance.md).
   */
  private touchAhead(split: Split, order: Uint32Array, start: number, rows: number): void {
    const d = this.layout.inputSize;
    const images = split.images;
    let sum = 0;
    for (let r = 0; r < rows; r++) {
      const first = order[start + r]! * d;
      sum += images[first]! + images[first + d - 1]!;
    }
    this.prefetched = sum;
  }

  private measures(epoch: number, trainLoss: number, trainAccuracy: number, test: { loss: number; accuracy: number }, seconds: number): EpochMeasures {
    return { epoch, trainLoss, trainAccuracy, testLoss: test.loss, testAccuracy: test.accuracy, seconds };
  }

  /** Sum of squared deviations of each layer's kernel from its initial values, W1 first. */
  squaredDeviationByLayer(): number[] {
    return this.network.squaredDeviationByLayer();
  }

  /** Masked runs: mean |w| outside the mask over mean |w| inside, in the masked layer; undefined otherwise. */
  maskContrast(): number | undefined {
    return this.mask ? maskContrast(weightsOf(this.network.params(), this.mask.layer), this.mask.bits) : undefined;
  }
}
