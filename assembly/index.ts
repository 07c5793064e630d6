// The kernels, re-exported. Every export takes byte pointers into this
// module's memory and integer sizes; the host owns the layout.
export { gemm, packedAFloats, packedBFloats, tile5x8, tile5x4, MR, NR } from "./matmul";
export {
  EPI_STORE, EPI_BIAS, EPI_BIAS_RELU, EPI_RELU_GRAD, EPI_SGD,
  EPI_BIAS_TANH, EPI_BIAS_XTANH, EPI_BIAS_X2TANH, EPI_TANH_GRAD, EPI_XTANH_GRAD, EPI_X2TANH_GRAD,
} from "./epilogue";
export { buildLists, sparseWeightStep, sparseWeightGradient } from "./sparse";
export { gemmSkippingZeros, gemmOverLists, panelFloats, listScratchBytes } from "./listgemm";
export { softmaxCrossEntropy, lastCorrect } from "./softmax_xent";
export { sgdUpdate, biasStep, biasGradient } from "./sgd";
export { sumSquaredDeviation, allFinite } from "./reductions";
export { scaleU8 } from "./input";

/** First free byte after static data; the host lays its buffers out from here. */
export function heapBase(): usize {
  return __heap_base;
}
