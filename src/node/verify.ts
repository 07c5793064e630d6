import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import type { Dataset } from "../data/dataset.js";
import { UserError } from "../errors.js";
import type { Manifest } from "../run/manifest.js";
import { datasetDifferences, maskBitsOf, rerun } from "../run/verify.js";
import { Rng } from "../math/rng.js";
import { loadNamedDataset, type LocateOptions } from "./datasets.js";
import { sha256Hex } from "./files.js";
import { packagedRuns } from "../run/package.js";
import { checkPackageSums, packageInfo, readPackage } from "./package.js";
import { nodePlatform } from "./platform.js";
import { findRunDirs } from "./runs.js";
import { enableRelaxedSimd, kernelPath } from "./wasm.js";

/** A run to re-run: its manifest and the exact kernel binary it names. */
export interface VerifyItem {
  name: string;
  manifest: Manifest;
  wasm: Uint8Array;
  /** mask.pbm of a masked run. */
  mask?: Uint8Array | undefined;
}

export interface VerifyResult {
  name: string;
  ok: boolean;
  expected: string | null;
  actual: string | null;
  /** Why it could not be re-run, or why it differs. */
  problem?: string;
}

/** The runs of a package (archive or extracted, checksums checked) or of a plain directory of run directories. */
export async function verifyItems(target: string): Promise<{ items: VerifyItem[]; packaged: boolean }> {
  if (!existsSync(target)) throw new UserError(`${target}: no such file or directory`);
  // A directory without SHA256SUMS holds plain run directories; anything else is a package.
  if (statSync(target).isDirectory() && !existsSync(join(target, "SHA256SUMS"))) {
    const items = findRunDirs([target]).map((dir) => {
      const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Manifest;
      const path = kernelPath(manifest.kernels.mode as "exact" | "fast" | "debug");
      const mask = join(dir, "mask.pbm");
      return {
        name: basename(dir),
        manifest,
        wasm: existsSync(path) ? readFileSync(path) : new Uint8Array(0),
        mask: existsSync(mask) ? readFileSync(mask) : undefined,
      };
    });
    return { items, packaged: false };
  }
  const files = readPackage(target);
  await checkPackageSums(files, target);
  const info = packageInfo(files, target);
  const items = packagedRuns(files, info, target).map((r) => ({ name: r.name, manifest: r.manifest, wasm: r.wasm ?? new Uint8Array(0), mask: r.mask }));
  return { items, packaged: true };
}

/** K runs chosen by a seeded shuffle, in name order. */
export function sampleItems<T extends { name: string }>(items: T[], k: number | undefined, seed: number): T[] {
  if (k === undefined || k >= items.length) return items;
  const idx = Uint32Array.from({ length: items.length }, (_, i) => i);
  Rng.forStream(seed, "verify-sample").shuffle(idx);
  return Array.from(idx.subarray(0, k), (i) => items[i]!).sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Re-runs each item with its own kernel binary on the dataset it names, up
 * to the epochs it completed, and compares final_params_sha256.
 */
export async function verifyRuns(items: VerifyItem[], data: LocateOptions, onResult: (r: VerifyResult) => void): Promise<VerifyResult[]> {
  const datasets = new Map<string, Dataset>();
  const results: VerifyResult[] = [];
  for (const item of items) {
    const m = item.manifest;
    const fail = (problem: string): VerifyResult => ({ name: item.name, ok: false, expected: m.final_params_sha256, actual: null, problem });
    let result: VerifyResult;
    if (m.config.mask && !item.mask) {
      result = fail("mask.pbm of this masked run is missing");
    } else if (sha256Hex(item.wasm) !== m.kernels.sha256) {
      result = fail(`kernel binary ${m.kernels.file} is missing or not the one the run used`);
    } else {
      const key = `${m.dataset.name}${m.config.invert ? " inverted" : ""}`;
      if (!datasets.has(key)) datasets.set(key, await loadNamedDataset(m.dataset.name, { ...data, invert: m.config.invert }));
      const dataset = datasets.get(key)!;
      const differs = datasetDifferences(m, dataset);
      if (differs.length > 0) {
        result = fail(`dataset file ${differs.join(", ")} differs from the run's (SHA-256)`);
      } else {
        if (m.kernels.mode === "fast" && !enableRelaxedSimd()) throw new UserError("a run used --kernels fast, which needs relaxed SIMD; this engine lacks it");
        const module = new WebAssembly.Module(item.wasm as Uint8Array<ArrayBuffer>);
        const maskBits = m.config.mask && item.mask ? maskBitsOf(item.mask, `${item.name}/mask.pbm`) : undefined;
        const actual = await rerun(m, module, dataset, nodePlatform(), maskBits);
        result = { name: item.name, ok: actual === m.final_params_sha256, expected: m.final_params_sha256, actual };
        if (!result.ok) result.problem = m.kernels.mode === "fast" ? "fast kernels are not bit-reproducible across machines" : "parameters differ";
      }
    }
    results.push(result);
    onResult(result);
  }
  return results;
}
