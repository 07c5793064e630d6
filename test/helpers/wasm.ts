import { Kernels } from "../../src/train/kernels.js";
import { loadKernels, type KernelMode } from "../../src/node/wasm.js";

/** The builds the project ships: exact (the default), fast (relaxed-SIMD FMA) and debug (assertions on). */
export const BUILDS: KernelMode[] = ["exact", "fast", "debug"];

export function freshKernels(mode: KernelMode = "exact"): Kernels {
  return Kernels.instantiateSync(loadKernels(mode).module);
}

/** Copies an array into freshly allocated wasm memory and returns its pointer. */
export function put(k: Kernels, data: Float32Array | Int32Array | Uint8Array): number {
  const ptr = k.alloc(data.byteLength);
  new Uint8Array(k.exports.memory.buffer, ptr, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return ptr;
}

/** Packing scratch for one gemm call of N columns and reduction length K. */
export function scratch(k: Kernels, N: number, K: number): [number, number] {
  const s = k.packSizes(N, K);
  return [k.alloc(s.packedA * 4), k.alloc(s.packedB * 4)];
}
