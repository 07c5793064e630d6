import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { UserError } from "../errors.js";
import { hasRelaxedSimd, hasSimd } from "../train/features.js";
import { sha256Hex } from "./files.js";

/**
 * exact: deterministic SIMD, the default (same bits everywhere).
 * fast: relaxed-SIMD fused multiply-add; bits may differ between machines.
 * debug: the exact kernels with assertions, for tests.
 */
export type KernelMode = "exact" | "fast" | "debug";

const FILES: Record<KernelMode, string> = {
  exact: "initdrift.wasm",
  fast: "initdrift.fast.wasm",
  debug: "initdrift.debug.wasm",
};

export interface LoadedKernels {
  mode: KernelMode;
  file: string;
  path: string;
  bytes: Uint8Array<ArrayBuffer>;
  sha256: string;
  module: WebAssembly.Module;
}

/** Path of a kernel build; src/node and dist/node are both two levels below the package root. */
export function kernelPath(mode: KernelMode): string {
  return fileURLToPath(new URL(`../../build/${FILES[mode]}`, import.meta.url));
}

/** Makes relaxed SIMD available if the engine has it behind a flag (Node 20's V8). */
export function enableRelaxedSimd(): boolean {
  if (hasRelaxedSimd()) return true;
  setFlagsFromString("--experimental-wasm-relaxed-simd");
  return hasRelaxedSimd();
}

const cache = new Map<KernelMode, LoadedKernels>();

/** Reads, checks the engine supports, and compiles a kernel build, once per process. */
export function loadKernels(mode: KernelMode = "exact"): LoadedKernels {
  const hit = cache.get(mode);
  if (hit) return hit;
  if (!hasSimd()) throw new UserError("this JavaScript engine lacks WebAssembly SIMD, which initdrift's kernels need");
  if (mode === "fast" && !enableRelaxedSimd()) {
    throw new UserError("--kernels fast needs WebAssembly relaxed SIMD, which this engine lacks; use --kernels exact");
  }
  const path = kernelPath(mode);
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch {
    throw new UserError(`kernel build ${path} is missing: run 'npm run build'`);
  }
  const loaded = { mode, file: FILES[mode], path, bytes, sha256: sha256Hex(bytes), module: new WebAssembly.Module(bytes) };
  cache.set(mode, loaded);
  return loaded;
}
