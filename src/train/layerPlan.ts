import type { DenseLayerLayout } from "../model/layout.js";
import type { Activation } from "../model/activation.js";
import type { EpilogueCodes } from "./kernels.js";

/**
 * What each dense layer's products are, fixed once when the network is built
 * (llm.c's matmul_forward(out, inp, weight, bias, B, T, C, OC) as records):
 * shapes, buffers, strides and epilogue. The step then runs a product by
 * name (plan.forward, plan.inputGradient, plan.weightStep); only the
 * minibatch's row count and the learning rate come at call time.
 *
 * Shapes, for layer l of fanIn n and fanOut m on a minibatch of R rows:
 *   forward          act[l + 1] [R x m] = f(input [R x n] W [n x m] + b), z[l + 1] = the pre-activation (smooth f)
 *   input gradient   grad[l]    [R x n] = (grad[l + 1] [R x m] W^T [m x n]) f'(z[l]) (ReLU: masked by act[l] > 0)
 *   weight step      W          [n x m] -= lr * input^T [n x R] grad[l + 1] [R x m]
 *   weight gradient  G          [n x m]  = input^T grad[l + 1] (the same product, stored)
 * W^T and input^T are read in place through strides, never transposed.
 */

/** A matrix operand: element (i, p) at ptr + 4 (i * rowStride + p * colStride). */
export interface Operand {
  readonly ptr: number;
  readonly rowStride: number;
  readonly colStride: number;
}

/**
 * C = epi(A B) through gemm (assembly/matmul.ts) or, when A is a ReLU output
 * or a gradient masked by one (about half of it +0), through
 * gemmSkippingZeros (assembly/listgemm.ts), which gives the same bits with
 * half the multiply-adds.
 */
export interface Product {
  readonly skipZeros: boolean;
  /** The dimension the minibatch's rows fill: M (forward, input gradient) or K (weight gradient). */
  readonly rowsAre: "M" | "K";
  /** The fixed dimensions; the one named by rowsAre is given per call. */
  readonly M: number;
  readonly N: number;
  readonly K: number;
  readonly a: Operand;
  readonly b: Operand;
  /** C, row-major with leading dimension ldc. */
  readonly c: number;
  readonly ldc: number;
  readonly epilogue: number;
  /** The bias vector (EPI_BIAS, EPI_BIAS_RELU), else 0. */
  readonly bias: number;
  /** The ReLU output that masks C (EPI_RELU_GRAD), else 0. */
  readonly reluOut: number;
}

/** The first layer on sparse u8 pixels (assembly/sparse.ts): lists of the lit pixels stand in for A. */
export interface SparseInputPlan {
  readonly inputs: number;
  readonly units: number;
  readonly weights: number;
  readonly bias: number;
  readonly out: number;
  readonly epilogue: number;
  /** Where the smooth activations keep the pre-activation z (0 for ReLU and the output layer). */
  readonly z: number;
}

/** Where a layer's buffers are, as Network lays them out. */
export interface LayerBuffers {
  /** The layer's input [R x n]: the scaled pixels for the first layer, act[l] after it. */
  readonly input: number;
  /** act[l + 1] [R x m], its output. */
  readonly out: number;
  /** grad[l + 1] [R x m], dLoss/d(its pre-activation). */
  readonly outGrad: number;
  /** grad[l] [R x n], the same for its input layer (0 for the first layer). */
  readonly inGrad: number;
  /** Its weights W [n x m] and bias [m] in the parameter block. */
  readonly weights: number;
  readonly bias: number;
  /** z[l + 1] [R x m], its pre-activation, kept for a smooth activation's derivative (0: none kept). */
  readonly outZ: number;
  /** z[l] [R x n], its input layer's (0: none kept, or the first layer). */
  readonly inZ: number;
}

/** One dense layer's products, built once. */
export interface DenseLayerPlan {
  readonly layer: DenseLayerLayout;
  readonly buffers: LayerBuffers;
  /** act[l + 1] = f(input W + b) (no f on the output layer); a Product, or the lists of a sparse first layer. */
  readonly forward: Product | SparseInputPlan;
  /** grad[l] from grad[l + 1], reading W before it changes; null for the first layer, which has no input gradient. */
  readonly inputGradient: Product | null;
  /** W -= lr * input^T grad[l + 1], SGD fused into the epilogue; null on a sparse first layer (sparseWeightStep). */
  readonly weightStep: Product | null;
}

const WORD = 4;

/**
 * The plan of one dense layer. `sparse`: the first layer reads lists of lit
 * pixels instead of the scaled input. `activation`: the hidden layers'; only
 * ReLU's outputs (and the gradients it masks) hold exact zeros to skip.
 */
export function planDenseLayer(
  layer: DenseLayerLayout,
  buffers: LayerBuffers,
  epi: EpilogueCodes,
  sparse: boolean,
  activation: Activation = "relu",
): DenseLayerPlan {
  const n = layer.fanIn;
  const m = layer.fanOut;
  const first = layer.index === 0;
  const relu = activation === "relu";
  const f = epi.activations[activation];
  // After the first layer, the input is an activation's output: with ReLU, half of it is +0 to skip.
  const zerosIn = !first && relu;
  const forwardEpilogue = layer.hidden ? f.forward : epi.bias;
  const keepZ = layer.hidden && !relu ? buffers.outZ : 0;
  const forward: Product | SparseInputPlan = sparse
    ? { inputs: n, units: m, weights: buffers.weights, bias: buffers.bias, out: buffers.out, epilogue: forwardEpilogue, z: keepZ }
    : {
        skipZeros: zerosIn,
        rowsAre: "M",
        M: 0,
        N: m,
        K: n,
        a: { ptr: buffers.input, rowStride: n, colStride: 1 },
        b: { ptr: buffers.weights, rowStride: m, colStride: 1 },
        c: buffers.out,
        ldc: m,
        epilogue: forwardEpilogue,
        bias: buffers.bias,
        reluOut: keepZ,
      };
  // B(p, j) = W[j * m + p]: W^T read in place. grad[l + 1] is masked by this layer's own ReLU, when it has one;
  // the input layer's activation gives the derivative: ReLU's from its output act[l], a smooth one's from z[l].
  const inputGradient: Product | null = first
    ? null
    : {
        skipZeros: layer.hidden && relu,
        rowsAre: "M",
        M: 0,
        N: n,
        K: m,
        a: { ptr: buffers.outGrad, rowStride: m, colStride: 1 },
        b: { ptr: buffers.weights, rowStride: 1, colStride: m },
        c: buffers.inGrad,
        ldc: n,
        epilogue: f.gradient,
        bias: 0,
        reluOut: relu ? buffers.input : buffers.inZ,
      };
  const weightStep = sparse ? null : weightProduct(layer, buffers, zerosIn, buffers.weights, epi.sgd);
  return { layer, buffers, forward, inputGradient, weightStep };
}

/** input^T grad[l + 1] into C [n x m] through `epilogue` (EPI_SGD onto the weights, EPI_STORE into a gradient block). */
export function weightProduct(layer: DenseLayerLayout, buffers: LayerBuffers, skipZeros: boolean, c: number, epilogue: number): Product {
  const n = layer.fanIn;
  const m = layer.fanOut;
  return {
    skipZeros,
    rowsAre: "K",
    M: n,
    N: m,
    K: 0,
    a: { ptr: buffers.input, rowStride: 1, colStride: n },
    b: { ptr: buffers.outGrad, rowStride: m, colStride: 1 },
    c,
    ldc: m,
    epilogue,
    bias: 0,
    reluOut: 0,
  };
}

/** A layer's weights and bias at `block` (a parameter-shaped block: the parameters, or a gradient). */
export function layerSlots(layer: DenseLayerLayout, block: number): { weights: number; bias: number } {
  return { weights: block + layer.weightOffset * WORD, bias: block + layer.biasOffset * WORD };
}

export function isSparse(forward: Product | SparseInputPlan): forward is SparseInputPlan {
  return !("rowsAre" in forward);
}
