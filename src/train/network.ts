import type { ParamLayout } from "../model/layout.js";
import { Epilogue, Kernels } from "./kernels.js";

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
 *   gradT                  f32 [max n_l x B]      grad[l] transposed, B operand of dX
 *   CSR / CSC lists        i32/f32 [B x d]        nonzero inputs (sparse first layer only)
 */
export interface StepResult {
  /** Sum of the per-sample losses of the minibatch. */
  lossSum: number;
  /** Samples whose argmax probability equals the label. */
  correct: number;
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
  private readonly gradTPtr: number;
  private readonly rowStart: number;
  private readonly colIdx: number;
  private readonly rowVal: number;
  private readonly colStart: number;
  private readonly rowIdx: number;
  private readonly colVal: number;

  constructor(kernels: Kernels, layout: ParamLayout, capacity: number, sparseInput: boolean) {
    this.kernels = kernels;
    this.layout = layout;
    this.capacity = capacity;
    this.sparseInput = sparseInput;
    const d = layout.inputSize;
    const B = capacity;
    const f = 4;
    this.paramsPtr = kernels.alloc(layout.paramCount * f);
    this.initialParamsPtr = kernels.alloc(layout.paramCount * f);
    this.pixelsPtr = kernels.alloc(B * d);
    this.labelsPtr = kernels.alloc(B * 4);
    this.inputPtr = sparseInput ? 0 : kernels.alloc(B * d * f);
    this.act = [0];
    this.grad = [0];
    for (let l = 1; l < layout.units.length; l++) {
      this.act.push(kernels.alloc(B * layout.units[l]! * f));
      this.grad.push(kernels.alloc(B * layout.units[l]! * f));
    }
    this.gradTPtr = kernels.alloc(B * Math.max(...layout.units.slice(1)) * f);
    const lists = sparseInput ? B * d : 0;
    this.rowStart = sparseInput ? kernels.alloc((B + 1) * 4) : 0;
    this.colIdx = sparseInput ? kernels.alloc(lists * 4) : 0;
    this.rowVal = sparseInput ? kernels.alloc(lists * 4) : 0;
    this.colStart = sparseInput ? kernels.alloc((d + 1) * 4) : 0;
    this.rowIdx = sparseInput ? kernels.alloc(lists * 4) : 0;
    this.colVal = sparseInput ? kernels.alloc(lists * 4) : 0;
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

  /** Probabilities of the last evaluateStep, [rows x K]. */
  probabilities(rows: number): Float32Array {
    const L = this.layout.layers.length;
    return this.kernels.f32(this.grad[L]!, rows * this.layout.classes);
  }

  /** One SGD step on the staged minibatch of `rows` samples. */
  trainStep(rows: number, learningRate: number, epsilon: number): StepResult {
    const k = this.kernels.exports;
    this.forward(rows);
    const { layers } = this.layout;
    const L = layers.length;
    const lossSum = k.softmaxCrossEntropy(rows, this.layout.classes, this.act[L]!, this.labelsPtr, this.grad[L]!, 1 / rows, 1, epsilon);
    const correct = k.lastCorrect();
    for (let l = L - 1; l >= 0; l--) {
      const layer = layers[l]!;
      const n = layer.fanIn;
      const m = layer.fanOut;
      const W = this.paramsPtr + layer.weightOffset * 4;
      const dZ = this.grad[l + 1]!;
      if (l > 0) {
        // grad[l] = (dZ W^T) masked by act[l] > 0, before W changes. Computed as
        // (W dZ^T)^T: the B operand is dZ^T [m x rows], the result is stored
        // transposed straight into grad[l] [rows x n].
        k.transpose(dZ, rows, m, this.gradTPtr);
        k.gemm(n, rows, m, W, m, 1, this.gradTPtr, rows, this.grad[l]!, 1, n, Epilogue.reluGrad, 0, this.act[l]!, 0);
      }
      if (l === 0 && this.sparseInput) {
        k.buildColLists(this.pixelsPtr, rows, n, this.colStart, this.rowIdx, this.colVal);
        k.sparseWeightStep(n, m, this.colStart, this.rowIdx, this.colVal, dZ, W, learningRate);
      } else {
        // W -= lr * A^T dZ, A = the layer's input [rows x n].
        const A = l === 0 ? this.inputPtr : this.act[l]!;
        k.gemm(n, m, rows, A, 1, n, dZ, m, W, m, 1, Epilogue.sgd, 0, 0, learningRate);
      }
      k.biasStep(rows, m, dZ, this.paramsPtr + layer.biasOffset * 4, learningRate);
    }
    return { lossSum, correct };
  }

  /** Forward pass and loss on the staged minibatch, no update. Probabilities land in probabilities(rows). */
  evaluateStep(rows: number, epsilon: number): StepResult {
    const k = this.kernels.exports;
    this.forward(rows);
    const L = this.layout.layers.length;
    const lossSum = k.softmaxCrossEntropy(rows, this.layout.classes, this.act[L]!, this.labelsPtr, this.grad[L]!, 0, 0, epsilon);
    return { lossSum, correct: k.lastCorrect() };
  }

  private forward(rows: number): void {
    const k = this.kernels.exports;
    for (const layer of this.layout.layers) {
      const l = layer.index;
      const W = this.paramsPtr + layer.weightOffset * 4;
      const b = this.paramsPtr + layer.biasOffset * 4;
      const out = this.act[l + 1]!;
      if (l === 0 && this.sparseInput) {
        k.buildRowLists(this.pixelsPtr, rows, layer.fanIn, this.rowStart, this.colIdx, this.rowVal);
        k.sparseForward(rows, layer.fanOut, this.rowStart, this.colIdx, this.rowVal, W, b, out, layer.relu ? 1 : 0);
        continue;
      }
      let A = this.act[l]!;
      if (l === 0) {
        k.scaleU8(this.pixelsPtr, this.inputPtr, rows * layer.fanIn);
        A = this.inputPtr;
      }
      k.gemm(rows, layer.fanOut, layer.fanIn, A, layer.fanIn, 1, W, layer.fanOut, out, layer.fanOut, 1,
        layer.relu ? Epilogue.biasRelu : Epilogue.bias, b, 0, 0);
    }
  }

  /** Sum of squared deviations from the initial weights, per layer (kernel entries only). */
  squaredDeviationByLayer(): number[] {
    const k = this.kernels.exports;
    return this.layout.layers.map((layer) =>
      k.sumSquaredDeviation(this.paramsPtr + layer.weightOffset * 4, this.initialParamsPtr + layer.weightOffset * 4, layer.weightCount));
  }

  /** True when every parameter is finite. */
  finite(): boolean {
    return this.kernels.exports.allFinite(this.paramsPtr, this.layout.paramCount) === 1;
  }
}
