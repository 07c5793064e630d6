import type { Activation } from "../model/activation.js";
import type { ParamLayout } from "../model/layout.js";
import type { KernelExports, Kernels } from "./kernels.js";
import { type DenseLayerPlan, isSparse, layerSlots, type Product, planDenseLayer, type SparseInputPlan, weightProduct } from "./layerPlan.js";

/**
 * A network resident in one wasm instance: parameters, the initial parameters
 * (for RMSD), and the buffers of one minibatch. The host passes pointers and
 * sizes; all arithmetic happens in the kernels.
 *
 * Buffers (R = rows of the current minibatch <= capacity B, L = layers,
 * n_l = units[l], d = n_0, K = n_L):
 *   params, initialParams  f32 [paramCount]      layout order (model/layout.ts)
 *   pixels                 u8  [B x d]            the gathered minibatch
 *   labels                 i32 [B]
 *   input                  f32 [B x d]            pixels / 255 (dense first layer only)
 *   act[l], l = 1..L       f32 [B x n_l]          layer outputs; act[L] holds the logits
 *   grad[l], l = 1..L      f32 [B x n_l]          dLoss/d(pre-activation) of layer l
 *   packedA, packedB       f32                    gemm's packing scratch, sized for the largest product
 *   listScratch            bytes                  lists of A's nonzeros by row (assembly/listgemm.ts), for the largest
 *                                                 product that has them: the hidden layers' and the sparse first layer's
 *   CSC lists, rowK        (i32, f32) [B x d]     nonzero inputs by column as (offset, value) pairs, and rowK, the first
 *                                                 pass's scratch (sparse first layer only; assembly/sparse.ts)
 */
export interface StepResult {
  /** Sum of the per-sample losses of the minibatch. */
  lossSum: number;
  /** Samples whose argmax probability equals the label. */
  correct: number;
}

/** Bytes per element of every buffer here (f32 or i32): offsets count elements, wasm pointers count bytes. */
const WORD = 4;

/** Where a layer's gradient goes: its slots in the gradient block, and the product that fills the weights (null: the sparse first layer's kernel). */
interface GradientPlan {
  weights: Product | null;
  slots: { weights: number; bias: number };
}

export class Network {
  readonly layout: ParamLayout;
  readonly capacity: number;
  readonly sparseInput: boolean;
  readonly kernels: Kernels;
  readonly paramsPtr: number;
  readonly initialParamsPtr: number;
  readonly pixelsPtr: number;
  readonly labelsPtr: number;
  private readonly inputPtr: number;
  private readonly act: number[];
  private readonly grad: number[];
  private readonly packedA: number;
  /** Cross-entropy from the logits with no clip (--loss from-logits) instead of Keras's clipped probabilities. */
  lossFromLogits = false;
  /** Gradient buffer [paramCount] and the products that fill it, made on the first gradientStep. */
  private gradientPtr = 0;
  private gradientProducts: GradientPlan[] = [];
  /** Each dense layer's products, described once (layerPlan.ts). */
  private readonly plans: DenseLayerPlan[];
  private readonly packedB: number;
  private readonly listScratch: number;
  private readonly rowK: number;
  private readonly colStart: number;
  private readonly colList: number;

  constructor(kernels: Kernels, layout: ParamLayout, capacity: number, sparseInput: boolean, activation: Activation = "relu") {
    this.kernels = kernels;
    this.layout = layout;
    this.capacity = capacity;
    this.sparseInput = sparseInput;
    const d = layout.inputSize;
    const B = capacity;
    this.paramsPtr = kernels.alloc(layout.paramCount * WORD);
    this.initialParamsPtr = kernels.alloc(layout.paramCount * WORD);
    this.pixelsPtr = kernels.alloc(B * d);
    this.labelsPtr = kernels.alloc(B * WORD);
    this.inputPtr = sparseInput ? 0 : kernels.alloc(B * d * WORD);
    this.act = [0];
    this.grad = [0];
    // z[l]: a smooth activation's pre-activations of hidden level l, for its derivative (ReLU's comes from its output).
    const z = [0];
    for (let l = 1; l < layout.units.length; l++) {
      this.act.push(kernels.alloc(B * layout.units[l]! * WORD));
      this.grad.push(kernels.alloc(B * layout.units[l]! * WORD));
      z.push(activation !== "relu" && l < layout.units.length - 1 ? kernels.alloc(B * layout.units[l]! * WORD) : 0);
    }
    // Products of layer l (n_l -> n_{l+1}): forward N = n_{l+1}, K = n_l;
    // input gradient N = n_l, K = n_{l+1}; weight gradient N = n_{l+1}, K = B.
    const products = layout.layers.flatMap((l) => [kernels.packSizes(l.fanOut, l.fanIn), kernels.packSizes(l.fanIn, l.fanOut), kernels.packSizes(l.fanOut, B)]);
    const pack = { packedA: Math.max(...products.map((p) => p.packedA)), packedB: Math.max(...products.map((p) => p.packedB)) };
    this.packedA = kernels.alloc(pack.packedA * WORD);
    this.packedB = kernels.alloc(pack.packedB * WORD);
    // The products that list A's nonzeros (M x K operands A): those of the layers after the first (A = act[l],
    // the masked grad[l + 1] and act[l]^T), and the sparse first layer's forward pass (A = the pixels).
    const listed: [number, number][] = layout.layers.slice(1).flatMap((l): [number, number][] => [
      [B, l.fanIn],
      [B, l.fanOut],
      [l.fanIn, B],
    ]);
    if (sparseInput) listed.push([B, d]);
    this.listScratch = kernels.alloc(Math.max(0, ...listed.map(([M, K]) => kernels.exports.listScratchBytes(M, K))));
    // At most every input of every row is listed; a column list entry is two words.
    const lists = sparseInput ? B * d : 0;
    this.rowK = sparseInput ? kernels.alloc(lists * WORD) : 0;
    this.colStart = sparseInput ? kernels.alloc((d + 1) * WORD) : 0;
    this.colList = sparseInput ? kernels.alloc(lists * 2 * WORD) : 0;
    this.plans = layout.layers.map((layer) => {
      const l = layer.index;
      const slots = layerSlots(layer, this.paramsPtr);
      const input = l === 0 ? this.inputPtr : this.act[l]!;
      const buffers = { input, out: this.act[l + 1]!, outGrad: this.grad[l + 1]!, inGrad: this.grad[l]!, ...slots, outZ: z[l + 1]!, inZ: z[l]! };
      return planDenseLayer(layer, buffers, kernels.epilogue, l === 0 && sparseInput, activation);
    });
  }

  /** Live view of the parameters (re-created per call: memory may have grown). */
  params(): Float32Array {
    return this.kernels.f32(this.paramsPtr, this.layout.paramCount);
  }

  initialParams(): Float32Array {
    return this.kernels.f32(this.initialParamsPtr, this.layout.paramCount);
  }

  /** Loads parameters and, when given, the initial parameters they are measured against. */
  setParams(params: Float32Array, initial: Float32Array = params): void {
    this.params().set(params);
    this.initialParams().set(initial);
  }

  /** The minibatch staging areas, to be filled by the caller before trainStep/evaluateStep. */
  pixels(): Uint8Array {
    return this.kernels.u8(this.pixelsPtr, this.capacity * this.layout.inputSize);
  }

  labels(): Int32Array {
    return this.kernels.i32(this.labelsPtr, this.capacity);
  }

  /** One SGD step on the staged minibatch of `rows` samples. */
  trainStep(rows: number, learningRate: number, epsilon: number): StepResult {
    const result = this.lossAndLogitGradient(rows, epsilon);
    // Last layer first; each input gradient reads W before that layer's step changes it.
    for (let l = this.plans.length - 1; l >= 0; l--) {
      const plan = this.plans[l]!;
      if (plan.inputGradient) this.run(plan.inputGradient, rows, 0);
      this.weightStep(plan, rows, learningRate);
    }
    return result;
  }

  /** The gradient of the minibatch's mean loss, into gradient() (layout order), parameters untouched. */
  gradientStep(rows: number, epsilon: number): StepResult {
    const result = this.lossAndLogitGradient(rows, epsilon);
    const gradients = this.gradientPlans();
    for (let l = this.plans.length - 1; l >= 0; l--) {
      const plan = this.plans[l]!;
      if (plan.inputGradient) this.run(plan.inputGradient, rows, 0);
      this.weightGradient(plan, gradients[l]!, rows);
    }
    return result;
  }

  /** The last gradientStep's gradient (a live view). */
  gradient(): Float32Array {
    return this.kernels.f32(this.gradientPtr, this.layout.paramCount);
  }

  private lossAndLogitGradient(rows: number, epsilon: number): StepResult {
    this.forward(rows, true);
    return this.loss(rows, epsilon, true);
  }

  /** Forward pass and loss on the staged minibatch, no update. */
  evaluateStep(rows: number, epsilon: number): StepResult {
    this.forward(rows, false);
    return this.loss(rows, epsilon, false);
  }

  /** Softmax cross-entropy of the logits act[L]; `withGradient` also writes grad[L], scaled for the minibatch's mean. */
  private loss(rows: number, epsilon: number, withGradient: boolean): StepResult {
    const k = this.kernels.exports;
    const L = this.layout.layers.length;
    const lossSum = k.softmaxCrossEntropy(
      rows,
      this.layout.classes,
      this.act[L]!,
      this.labelsPtr,
      this.grad[L]!,
      withGradient ? 1 / rows : 0,
      withGradient ? 1 : 0,
      epsilon,
      this.lossFromLogits ? 1 : 0,
    );
    return { lossSum, correct: k.lastCorrect() };
  }

  /** Forward pass; `training` also builds the column lists the sparse weight step needs. */
  private forward(rows: number, training: boolean): void {
    for (const plan of this.plans) {
      const f = plan.forward;
      if (isSparse(f)) this.sparseForward(f, rows, training);
      else {
        if (plan.layer.index === 0) this.kernels.exports.scaleU8(this.pixelsPtr, this.inputPtr, rows * plan.layer.fanIn);
        this.run(f, rows, 0);
      }
    }
  }

  /** The sparse first layer: lists of the lit pixels for this minibatch (and, training, by column for the weight step), then W walked in place over them. */
  private sparseForward(f: SparseInputPlan, rows: number, training: boolean): void {
    const k = this.kernels.exports;
    k.buildLists(this.pixelsPtr, rows, f.inputs, f.units, this.listScratch, this.rowK, training ? this.colStart : 0, this.colList);
    k.gemmOverLists(rows, f.units, f.inputs, this.listScratch, f.weights, f.units, 1, f.out, f.units, f.epilogue, f.bias, f.z, 0, 0);
  }

  /** W -= lr * input^T grad[l + 1] and b -= lr * (column sums of grad[l + 1]). */
  private weightStep(plan: DenseLayerPlan, rows: number, lr: number): void {
    const k = this.kernels.exports;
    const { layer, buffers } = plan;
    if (plan.weightStep) this.run(plan.weightStep, rows, lr);
    else k.sparseWeightStep(layer.fanIn, layer.fanOut, this.colStart, this.colList, buffers.outGrad, buffers.weights, lr);
    k.biasStep(rows, layer.fanOut, buffers.outGrad, buffers.bias, lr);
  }

  /** The same sums as weightStep, stored into the layer's slots of the gradient block. */
  private weightGradient(plan: DenseLayerPlan, into: GradientPlan, rows: number): void {
    const k = this.kernels.exports;
    const { layer, buffers } = plan;
    if (into.weights) this.run(into.weights, rows, 0);
    else k.sparseWeightGradient(layer.fanIn, layer.fanOut, this.colStart, this.colList, buffers.outGrad, into.slots.weights);
    k.biasGradient(rows, layer.fanOut, buffers.outGrad, into.slots.bias);
  }

  /** The weight-gradient products (EPI_STORE into a gradient block), built with that block on the first gradientStep. */
  private gradientPlans(): GradientPlan[] {
    if (this.gradientPtr === 0) {
      this.gradientPtr = this.kernels.alloc(this.layout.paramCount * WORD);
      this.gradientProducts = this.plans.map((plan) => {
        const slots = layerSlots(plan.layer, this.gradientPtr);
        const weights = plan.weightStep ? weightProduct(plan.layer, plan.buffers, plan.weightStep.skipZeros, slots.weights, this.kernels.epilogue.store) : null;
        return { weights, slots };
      });
    }
    return this.gradientProducts;
  }

  /** Runs one planned product on a minibatch of `rows` (and the learning rate, for EPI_SGD). */
  private run(p: Product, rows: number, lr: number): void {
    const k = this.kernels.exports;
    const M = p.rowsAre === "M" ? rows : p.M;
    const K = p.rowsAre === "K" ? rows : p.K;
    const { a, b } = p;
    // One call for both kernels: gemmSkippingZeros takes gemm's arguments and its list scratch last, which gemm,
    // a wasm export, ignores (the JS API drops extra arguments).
    const product: (...args: Parameters<KernelExports["gemmSkippingZeros"]>) => unknown = p.skipZeros ? k.gemmSkippingZeros : k.gemm;
    product(
      M,
      p.N,
      K,
      a.ptr,
      a.rowStride,
      a.colStride,
      b.ptr,
      b.rowStride,
      b.colStride,
      p.c,
      p.ldc,
      p.epilogue,
      p.bias,
      p.reluOut,
      lr,
      this.packedA,
      this.packedB,
      this.listScratch,
    );
  }

  /** Sum of squared deviations from the initial weights, per layer (kernel entries only). */
  squaredDeviationByLayer(): number[] {
    const k = this.kernels.exports;
    return this.layout.layers.map((layer) =>
      k.sumSquaredDeviation(this.paramsPtr + layer.weightOffset * WORD, this.initialParamsPtr + layer.weightOffset * WORD, layer.weightCount),
    );
  }

  /** True when every parameter is finite. */
  finite(): boolean {
    return this.kernels.exports.allFinite(this.paramsPtr, this.layout.paramCount) === 1;
  }
}
