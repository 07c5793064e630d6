import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { sha256Hex } from "./datasets.js";

export type KernelMode = "exact" | "debug";

const FILES: Record<KernelMode, string> = {
  exact: "initdrift.wasm",
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

const cache = new Map<KernelMode, LoadedKernels>();

/** Reads and compiles a kernel build once per process. */
export function loadKernels(mode: KernelMode = "exact"): LoadedKernels {
  const hit = cache.get(mode);
  if (hit) return hit;
  const path = kernelPath(mode);
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch {
    throw new Error(`kernel build ${path} is missing: run 'npm run build'`);
  }
  const loaded = { mode, file: FILES[mode], path, bytes, sha256: sha256Hex(bytes), module: new WebAssembly.Module(bytes) };
  cache.set(mode, loaded);
  return loaded;
}
