import { UserError } from "../errors.js";
import type { Activation } from "../model/activation.js";
/**
 * The wasm kernels behind a typed interface, and the arena that lays buffers
 * out in the instance's linear memory. Platform-neutral: the caller supplies
 * a compiled WebAssembly.Module (from a file in Node, from fetch in a browser).
 *
 * Typed-array views on wasm memory are re-created whenever memory has grown
 * (a grow detaches the old ArrayBuffer); nothing caches a view across a grow.
 */

/** Epilogues of `gemm` and its list walks; the codes are read from the module (assembly/epilogue.ts EPI_*). */
export interface EpilogueCodes {
  /** C = acc */
  store: number;
  /** C = acc + bias[j] */
  bias: number;
  /** C = max(acc + bias[j], 0) */
  biasRelu: number;
  /** C = reluOut(i, j) > 0 ? acc : 0 */
  reluGrad: number;
  /** C = C - lr * acc */
  sgd: number;
  /**
   * Each hidden activation's pair: forward C = f(acc + bias[j]) (the smooth
   * ones keep z = acc + bias[j] at reluOut), and input gradient C = acc f'(z)
   * (ReLU's from its output at reluOut, the smooth ones' from z there).
   */
  activations: Record<Activation, { forward: number; gradient: number }>;
}

type WasmConstant = WebAssembly.Global;

/** Where a product's sums go (assembly/epilogue.ts): C row-major with ldc, through epilogue `epi` with its bias, ReLU output or learning rate. */
type EpilogueArgs = [c: number, ldc: number, epi: number, bias: number, reluOut: number, lr: number];

/**
 * What gemm and gemmSkippingZeros take before their scratch (assembly/matmul.ts):
 * C(i, j) = epi(sum_p A(i, p) B(p, j)), A(i, p) = a[i*rsA + p*csA], B(p, j) = b[p*rsB + j*csB].
 */
export type GemmArgs = [M: number, N: number, K: number, a: number, rsA: number, csA: number, b: number, rsB: number, csB: number, ...EpilogueArgs];

export interface KernelExports {
  memory: WebAssembly.Memory;
  MR: WasmConstant;
  NR: WasmConstant;
  EPI_STORE: WasmConstant;
  EPI_BIAS: WasmConstant;
  EPI_BIAS_RELU: WasmConstant;
  EPI_RELU_GRAD: WasmConstant;
  EPI_SGD: WasmConstant;
  EPI_BIAS_TANH: WasmConstant;
  EPI_BIAS_XTANH: WasmConstant;
  EPI_BIAS_X2TANH: WasmConstant;
  EPI_TANH_GRAD: WasmConstant;
  EPI_XTANH_GRAD: WasmConstant;
  EPI_X2TANH_GRAD: WasmConstant;
  heapBase(): number;
  packedAFloats(K: number): number;
  packedBFloats(N: number, K: number): number;
  gemm(...args: [...GemmArgs, packedA: number, packedB: number]): void;
  /** gemm's arguments, then packedA, packedB (panelFloats-sized too) and listScratchBytes of scratch; returns how many nonzeros of A it walked, -1 when it called gemm. */
  gemmSkippingZeros(...args: [...GemmArgs, packedA: number, packedB: number, scratch: number]): number;
  panelFloats(N: number, K: number): number;
  listScratchBytes(M: number, K: number): number;
  /** gemm over lists of A's nonzeros already in scratch (assembly/listgemm.ts); packedB 0 reads B in place. */
  gemmOverLists(...args: [M: number, N: number, K: number, scratch: number, b: number, rsB: number, csB: number, ...EpilogueArgs, packedB: number]): void;
  buildLists(pixels: number, R: number, D: number, N: number, scratch: number, rowK: number, colStart: number, colList: number): number;
  sparseWeightStep(D: number, N: number, colStart: number, colList: number, dZ: number, W: number, lr: number): void;
  /** sparseWeightStep's sums stored into G [D x N] (rows with no lit input get +0). */
  sparseWeightGradient(D: number, N: number, colStart: number, colList: number, dZ: number, G: number): void;
  softmaxCrossEntropy(
    R: number,
    K: number,
    logits: number,
    labels: number,
    out: number,
    gradScale: number,
    wantGrad: number,
    epsilon: number,
    fromLogits: number,
  ): number;
  lastCorrect(): number;
  sgdUpdate(w: number, g: number, count: number, lr: number): void;
  biasStep(R: number, N: number, dZ: number, bias: number, lr: number): void;
  /** biasStep's column sums stored into g [N]. */
  biasGradient(R: number, N: number, dZ: number, g: number): void;
  sumSquaredDeviation(w: number, w0: number, count: number): number;
  allFinite(p: number, count: number): number;
  scaleU8(src: number, dst: number, count: number): void;
}

/** Bytes left free after every buffer: the sparse kernels read up to 15 floats past the last row's end (lanes they drop). */
export const BUFFER_SLACK = 256;
const ALIGN = 64;
const PAGE = 65536;

export class Kernels {
  readonly exports: KernelExports;
  readonly epilogue: EpilogueCodes;
  private next: number;

  private constructor(instance: WebAssembly.Instance) {
    const e = instance.exports as unknown as KernelExports;
    this.exports = e;
    this.epilogue = {
      store: e.EPI_STORE.value,
      bias: e.EPI_BIAS.value,
      biasRelu: e.EPI_BIAS_RELU.value,
      reluGrad: e.EPI_RELU_GRAD.value,
      sgd: e.EPI_SGD.value,
      activations: {
        relu: { forward: e.EPI_BIAS_RELU.value, gradient: e.EPI_RELU_GRAD.value },
        tanh: { forward: e.EPI_BIAS_TANH.value, gradient: e.EPI_TANH_GRAD.value },
        xtanh: { forward: e.EPI_BIAS_XTANH.value, gradient: e.EPI_XTANH_GRAD.value },
        x2tanh: { forward: e.EPI_BIAS_X2TANH.value, gradient: e.EPI_X2TANH_GRAD.value },
      },
    };
    this.next = alignUp(e.heapBase(), ALIGN);
  }

  /** Floats of packing scratch gemm and gemmSkippingZeros need for N columns and reduction length K (from the module's tile and panel shapes). */
  packSizes(N: number, K: number): { packedA: number; packedB: number } {
    const e = this.exports;
    return { packedA: e.packedAFloats(K), packedB: Math.max(e.packedBFloats(N, K), e.panelFloats(N, K)) };
  }

  static instantiateSync(module: WebAssembly.Module): Kernels {
    return new Kernels(new WebAssembly.Instance(module, {}));
  }

  /** Reserves `bytes` (plus slack) and returns the byte address; grows memory as needed. */
  alloc(bytes: number): number {
    const ptr = alignUp(this.next, ALIGN);
    this.next = ptr + bytes + BUFFER_SLACK;
    const memory = this.exports.memory;
    const have = memory.buffer.byteLength;
    if (this.next > have) {
      // wasm32 addresses 4 GiB at most, and an engine may give less: say what was asked for, not "Memory.grow() failed".
      const tooBig = (limit: string) =>
        new UserError(`this network and batch need ${Math.ceil(this.next / 2 ** 20)} MiB of WebAssembly memory, ${limit}; use a smaller width or batch size`);
      if (this.next > 2 ** 32) throw tooBig("past wasm32's 4096");
      try {
        memory.grow(Math.ceil((this.next - have) / PAGE));
      } catch {
        throw tooBig("more than this engine gives");
      }
    }
    return ptr;
  }

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.exports.memory.buffer, ptr, length);
  }

  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.exports.memory.buffer, ptr, length);
  }

  u8(ptr: number, length: number): Uint8Array {
    return new Uint8Array(this.exports.memory.buffer, ptr, length);
  }

  /** Bytes of linear memory in use. */
  get memoryBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}
