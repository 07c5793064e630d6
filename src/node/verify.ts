import { existsSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import type { Dataset } from "../data/dataset.js";
import { UserError } from "../errors.js";
import { Rng } from "../math/rng.js";
import type { Manifest } from "../run/manifest.js";
import { packagedRuns, recordedFiles } from "../run/package.js";
import { datasetDifferences, maskBitsOf, type RecordedRun, reproductionDifferences, rerun } from "../run/verify.js";
import { loadNamedDataset, type LocateOptions } from "./datasets.js";
import { optionalRunBytes, sha256Hex } from "./files.js";
import { checkPackageSums, packageInfo, readPackage } from "./package.js";
import { nodePlatform } from "./platform.js";
import { readManifest } from "./runDirectory.js";
import { findRunDirs } from "./runs.js";
import { type KernelMode, loadKernels } from "./wasm.js";

/** A run to re-run: its recorded files, and the kernel binary its package carries (if any). */
export interface VerifyItem extends RecordedRun {
  name: string;
  /** The kernel binary shipped with the run (a package's wasm/), when there is one. */
  wasm: Uint8Array | undefined;
  /** mask.pbm of a masked run. */
  mask?: Uint8Array | undefined;
}

/**
 * reproduced: this build's kernels gave every recorded bit back.
 * self-consistent: the package's own kernel did (--package-kernels), which shows the package agrees with itself, not that this build reproduces it.
 * mismatch: something differs, listed in `differences`.
 * not-verified: it could not be re-run (not completed, dataset or kernel missing); `problem` says why.
 */
export type VerifyVerdict = "reproduced" | "self-consistent" | "mismatch" | "not-verified";

export interface VerifyResult {
  name: string;
  verdict: VerifyVerdict;
  ok: boolean;
  expected: string | null;
  actual: string | null;
  /** The run's kernel is not a build of this initdrift (or not the one its package ships). */
  kernel_note?: string;
  differences?: string[];
  problem?: string;
}

/** What was found besides the runs: members no listing names, a package that lists nothing. */
export interface VerifyTarget {
  items: VerifyItem[];
  packaged: boolean;
  /** Run directories in the package that PACKAGE.json does not list. */
  unlisted: string[];
}

/** The runs of a package (archive or extracted, checksums checked) or of a plain directory of run directories. */
export async function verifyItems(target: string): Promise<VerifyTarget> {
  if (!existsSync(target)) throw new UserError(`${target}: no such file or directory`);
  // A directory without SHA256SUMS holds plain run directories; anything else is a package.
  if (statSync(target).isDirectory() && !existsSync(join(target, "SHA256SUMS"))) {
    const items = findRunDirs([target]).map((dir) => ({
      name: basename(dir),
      manifest: readManifest(dir)!,
      ...recordedFiles((name) => optionalRunBytes(dir, name)),
      wasm: undefined,
      mask: optionalRunBytes(dir, "mask.pbm"),
    }));
    return { items, packaged: false, unlisted: [] };
  }
  const files = readPackage(target);
  await checkPackageSums(files, target);
  const info = packageInfo(files, target);
  const listed = new Set(info.runs);
  const unlisted = [
    ...new Set(
      [...files.keys()]
        .filter((p) => p.startsWith("runs/"))
        .map((p) => p.split("/").slice(0, 2).join("/"))
        .filter((r) => !listed.has(r)),
    ),
  ].sort();
  return { items: packagedRuns(files, info, target), packaged: true, unlisted };
}

/** K runs chosen by a seeded shuffle, in name order. */
export function sampleItems<T extends { name: string }>(items: T[], k: number | undefined, seed: number): T[] {
  if (k === undefined || k >= items.length) return items;
  const idx = Uint32Array.from({ length: items.length }, (_, i) => i);
  Rng.forStream(seed, "verify-sample").shuffle(idx);
  return Array.from(idx.subarray(0, k), (i) => items[i]!).sort((a, b) => a.name.localeCompare(b.name));
}

/** The kernel a run is re-run with, and what to say about it. */
function chooseKernel(m: Manifest, shipped: Uint8Array | undefined, packageKernels: boolean): { module?: WebAssembly.Module; note?: string; problem?: string } {
  const build = loadKernels(m.kernels.mode as KernelMode);
  const shippedSha = shipped && sha256Hex(shipped);
  const notes: string[] = [];
  if (shipped && shippedSha !== m.kernels.sha256) notes.push(`the shipped ${m.kernels.file} is not the binary the run names`);
  if (m.kernels.sha256 !== build.sha256)
    notes.push(`${m.kernels.file} ${m.kernels.sha256.slice(0, 12)} is not a known build of this initdrift (${build.sha256.slice(0, 12)})`);
  const note = notes.length > 0 ? notes.join("; ") : undefined;
  if (!packageKernels) return { module: build.module, ...(note ? { note } : {}) };
  if (!shipped || shippedSha !== m.kernels.sha256)
    return { problem: `kernel binary ${m.kernels.file} is missing or not the one the run used`, ...(note ? { note } : {}) };
  return { module: new WebAssembly.Module(shipped as Uint8Array<ArrayBuffer>), ...(note ? { note } : {}) };
}

/**
 * Re-runs each item on the dataset it names and compares every recorded
 * bit: final hash, metrics rows (all but wall seconds), analysis.jsonl and
 * summary.json. By default with this build's kernels (a reproduction); with
 * packageKernels, with the binary the package ships (self-consistency).
 */
export async function verifyRuns(
  items: VerifyItem[],
  data: LocateOptions,
  onResult: (r: VerifyResult) => void,
  packageKernels = false,
): Promise<VerifyResult[]> {
  const datasets = new Map<string, Dataset>();
  const results: VerifyResult[] = [];
  for (const item of items) {
    const m = item.manifest;
    const base = { name: item.name, expected: m.final_params_sha256, actual: null };
    const notVerified = (problem: string, note?: string): VerifyResult => ({
      ...base,
      verdict: "not-verified",
      ok: false,
      problem,
      ...(note ? { kernel_note: note } : {}),
    });
    let result: VerifyResult;
    const kernel = chooseKernel(m, item.wasm, packageKernels);
    if (m.status !== "completed" && m.status !== "diverged") {
      result = notVerified(`not completed (status ${m.status}, ${m.epochs_completed} of ${m.config.epochs} epochs): nothing to reproduce`);
    } else if (m.config.mask && !item.mask) {
      result = notVerified("mask.pbm of this masked run is missing");
    } else if (!kernel.module) {
      result = notVerified(kernel.problem!, kernel.note);
    } else {
      const key = `${m.dataset.name}${m.config.invert ? " inverted" : ""}`;
      if (!datasets.has(key)) datasets.set(key, await loadNamedDataset(m.dataset.name, { ...data, invert: m.config.invert }));
      const differs = datasetDifferences(m, datasets.get(key)!);
      if (differs.length > 0) {
        result = notVerified(`dataset file ${differs.join(", ")} differs from the run's (SHA-256)`, kernel.note);
      } else {
        const maskBits = m.config.mask && item.mask ? maskBitsOf(item.mask, `${item.name}/mask.pbm`) : undefined;
        const got = await rerun(m, kernel.module, datasets.get(key)!, nodePlatform(), maskBits);
        const differences = reproductionDifferences(item, got, item.name);
        const ok = differences.length === 0;
        result = {
          ...base,
          actual: got.final_params_sha256,
          verdict: ok ? (packageKernels ? "self-consistent" : "reproduced") : "mismatch",
          ok,
          ...(kernel.note ? { kernel_note: kernel.note } : {}),
          ...(ok ? {} : { differences, problem: m.kernels.mode === "fast" ? "fast kernels are not bit-reproducible across machines" : differences[0] }),
        };
      }
    }
    results.push(result);
    onResult(result);
  }
  return results;
}
