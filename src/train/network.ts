import type { DenseLayerLayout, ParamLayout } from "../model/layout.js";
import type { GemmArgs, Kernels } from "./kernels.js";

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
  /** Gradient buffer [paramCount], allocated on the first gradientStep. */
  private gradientPtr = 0;
  private readonly packedB: number;
  private readonly listScratch: number;
  private readonly rowK: number;
  private readonly colStart: number;
  private readonly colList: number;

  constructor(kernels: Kernels, layout: ParamLayout, capacity: number, sparseInput: boolean) {
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
    for (let l = 1; l < layout.units.length; l++) {
      this.act.push(kernels.alloc(B * layout.units[l]! * WORD));
      this.grad.push(kernels.alloc(B * layout.units[l]! * WORD));
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
    this.backward(rows, this.paramsPtr, learningRate);
    return result;
  }

  /**
   * The gradient of the minibatch's mean loss, into gradient() (layout
   * order), parameters untouched. The same backward pass as trainStep, its
   * updates aimed at a zeroed buffer with lr = -1: 0 - (-1 * g) = g exactly.
   */
  gradientStep(rows: number, epsilon: number): StepResult {
    if (this.gradientPtr === 0) this.gradientPtr = this.kernels.alloc(this.layout.paramCount * WORD);
    const result = this.lossAndLogitGradient(rows, epsilon);
    this.gradient().fill(0);
    this.backward(rows, this.gradientPtr, -1);
    return result;
  }

  /** The last gradientStep's gradient (a live view). */
  gradient(): Float32Array {
    return this.kernels.f32(this.gradientPtr, this.layout.paramCount);
  }

  private lossAndLogitGradient(rows: number, epsilon: number): StepResult {
    const k = this.kernels.exports;
    this.forward(rows, true);
    const L = this.layout.layers.length;
    const lossSum = k.softmaxCrossEntropy(
      rows,
      this.layout.classes,
      this.act[L]!,
      this.labelsPtr,
      this.grad[L]!,
      1 / rows,
      1,
      epsilon,
      this.lossFromLogits ? 1 : 0,
    );
    return { lossSum, correct: k.lastCorrect() };
  }

  /**
   * Backpropagates grad[L] and applies `target -= lr * dLoss/dparams`, where
   * target is a parameter-shaped block (the parameters themselves for SGD).
   * Input gradients always read the parameters, before they change.
   */
  private backward(rows: number, target: number, lr: number): void {
    for (let l = this.layout.layers.length - 1; l >= 0; l--) {
      const layer = this.layout.layers[l]!;
      if (l > 0) this.denseInputGradient(layer, rows);
      this.denseWeightStep(layer, rows, target, lr);
    }
  }

  /** Forward pass and loss on the staged minibatch, no update. */
  evaluateStep(rows: number, epsilon: number): StepResult {
    const k = this.kernels.exports;
    this.forward(rows, false);
    const L = this.layout.layers.length;
    const lossSum = k.softmaxCrossEntropy(rows, this.layout.classes, this.act[L]!, this.labelsPtr, this.grad[L]!, 0, 0, epsilon, this.lossFromLogits ? 1 : 0);
    return { lossSum, correct: k.lastCorrect() };
  }

  /** Forward pass; `training` also builds the column lists the sparse weight step needs. */
  private forward(rows: number, training: boolean): void {
    for (const layer of this.layout.layers) this.denseForward(layer, rows, training);
  }

  // The three things a dense layer does, each over one kernel call (llm.c's
  // matmul_forward / matmul_backward). Buffers, per layer l of fanIn n and fanOut m:
  //   act[l] [rows x n] its input (act[0] unused: the first layer reads pixels), act[l + 1] [rows x m] its output;
  //   grad[l + 1] [rows x m] dLoss/d(its pre-activation), grad[l] [rows x n] the same for its input layer.

  /** act[l + 1] = relu(act[l] W + b) (no ReLU on the output layer); the first layer reads the staged u8 pixels. */
  private denseForward(layer: DenseLayerLayout, rows: number, training: boolean): void {
    const k = this.kernels.exports;
    const l = layer.index;
    const W = this.paramsPtr + layer.weightOffset * WORD;
    const b = this.paramsPtr + layer.biasOffset * WORD;
    const out = this.act[l + 1]!;
    const epilogue = layer.relu ? this.kernels.epilogue.biasRelu : this.kernels.epilogue.bias;
    if (l === 0 && this.sparseInput) {
      // Only nonzero pixels: row lists for this product, column lists (training) for the weight step.
      k.buildLists(this.pixelsPtr, rows, layer.fanIn, layer.fanOut, this.listScratch, this.rowK, training ? this.colStart : 0, this.colList);
      // W is walked in place (no packing buffer): each of its rows serves only the samples with that pixel lit.
      k.gemmOverLists(rows, layer.fanOut, layer.fanIn, this.listScratch, W, layer.fanOut, 1, out, layer.fanOut, epilogue, b, 0, 0, 0);
    } else {
      if (l === 0) k.scaleU8(this.pixelsPtr, this.inputPtr, rows * layer.fanIn);
      const A = l === 0 ? this.inputPtr : this.act[l]!;
      this.product(l > 0, rows, layer.fanOut, layer.fanIn, A, layer.fanIn, 1, W, layer.fanOut, 1, out, layer.fanOut, epilogue, b, 0, 0);
    }
  }

  /** grad[l] = (grad[l + 1] W^T) masked by act[l] > 0, reading W before it changes; W^T is read in place (B(p, j) = W[j * m + p]). */
  private denseInputGradient(layer: DenseLayerLayout, rows: number): void {
    const n = layer.fanIn,
      m = layer.fanOut,
      l = layer.index;
    const W = this.paramsPtr + layer.weightOffset * WORD;
    // grad[l + 1] is masked by this layer's own ReLU, when it has one.
    this.product(layer.relu, rows, n, m, this.grad[l + 1]!, m, 1, W, 1, m, this.grad[l]!, n, this.kernels.epilogue.reluGrad, 0, this.act[l]!, 0);
  }

  /** T -= lr * act[l]^T grad[l + 1] and its bias likewise, T the layer's slot in `target` (SGD fused into the products' epilogue). */
  private denseWeightStep(layer: DenseLayerLayout, rows: number, target: number, lr: number): void {
    const k = this.kernels.exports;
    const n = layer.fanIn,
      m = layer.fanOut,
      l = layer.index;
    const T = target + layer.weightOffset * WORD;
    const dZ = this.grad[l + 1]!;
    if (l === 0 && this.sparseInput) {
      k.sparseWeightStep(n, m, this.colStart, this.colList, dZ, T, lr);
    } else {
      const A = l === 0 ? this.inputPtr : this.act[l]!;
      this.product(l > 0, n, m, rows, A, 1, n, dZ, m, 1, T, m, this.kernels.epilogue.sgd, 0, 0, lr);
    }
    k.biasStep(rows, m, dZ, target + layer.biasOffset * WORD, lr);
  }

  /**
   * One product through gemm (assembly/matmul.ts), or through
   * gemmSkippingZeros (assembly/listgemm.ts) when A is a ReLU output or a
   * gradient masked by one: about half of A is then +0, and the walk over its
   * nonzeros gives the same bits with half the multiply-adds.
   */
  private product(skipZeros: boolean, ...args: GemmArgs): void {
    const k = this.kernels.exports;
    if (skipZeros) k.gemmSkippingZeros(...args, this.packedA, this.packedB, this.listScratch);
    else k.gemm(...args, this.packedA, this.packedB);
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
