import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { basename, join } from "node:path";
import type { Dataset } from "../data/dataset.js";
import { UserError } from "../errors.js";
import { Rng } from "../math/rng.js";
import type { Manifest } from "../run/manifest.js";
import { packagedRuns, recordedFiles } from "../run/packageFormat.js";
import { datasetDifferences, firstDifference, maskBitsOf, type RecordedRun, type Reproduction, reproductionDifferences, rerun } from "../run/rerun.js";
import { aggregate, selectRuns, summaryCsv } from "../study/aggregate.js";
import { runRecordOf } from "../run/record.js";
import { parseMetricRows } from "../run/documents.js";
import { loadNamedDataset, type LocateOptions } from "./datasets.js";
import { optionalRunBytes, sha256Hex } from "./files.js";
import { checkPackageSums, packageInfo, readPackage } from "./packageFiles.js";
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
  /** A package's files by path (packages only). */
  files?: Map<string, Uint8Array>;
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
  return { items: packagedRuns(files, info, target), packaged: true, unlisted, files };
}

const RERUN_WORKER = fileURLToPath(new URL("../../dist/node/rerunWorker.js", import.meta.url));

/** The seconds a package's own kernel gets to re-run a run: ten times its recorded training time, and at least a minute. */
export function defaultKernelLimit(m: Manifest, metrics: string | undefined): number {
  const ended = m.ended_at ? (Date.parse(m.ended_at) - Date.parse(m.started_at)) / 1000 : Number.NaN;
  const rows = metrics ? parseMetricRows(metrics, "metrics.jsonl") : [];
  const recorded = Number.isFinite(ended) && ended > 0 ? ended : rows.reduce((s, r) => s + (r.seconds ?? 0), 0);
  return Math.max(60, Math.ceil(10 * recorded));
}

/**
 * A re-run in a worker thread, stopped (terminated) past `seconds`: a
 * package's kernel is not this build's code, and one that never returns
 * must not hold verify for ever.
 */
function rerunWithin(
  seconds: number,
  job: { manifest: Manifest; module: WebAssembly.Module; dataset: Dataset; platform: ReturnType<typeof nodePlatform>; maskBits?: Uint8Array },
): Promise<Reproduction | "timeout"> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(RERUN_WORKER, { workerData: job });
    const timer = setTimeout(() => {
      void worker.terminate();
      resolve("timeout");
    }, seconds * 1000);
    worker.once("message", (m: { ok: true; got: Reproduction } | { ok: false; error: { message: string; user: boolean } }) => {
      clearTimeout(timer);
      void worker.terminate();
      if (m.ok) resolve(m.got);
      else reject(m.error.user ? new UserError(m.error.message) : new Error(m.error.message));
    });
    worker.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
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
  onReproduction?: (name: string, got: Reproduction) => void,
  kernelLimitSeconds?: number,
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
        const limit = packageKernels ? (kernelLimitSeconds ?? defaultKernelLimit(m, item.metrics)) : undefined;
        const got =
          limit === undefined
            ? await rerun(m, kernel.module, datasets.get(key)!, nodePlatform(), maskBits)
            : await rerunWithin(limit, {
                manifest: m,
                module: kernel.module,
                dataset: datasets.get(key)!,
                platform: nodePlatform(),
                ...(maskBits ? { maskBits } : {}),
              });
        if (got === "timeout") {
          result = {
            ...base,
            verdict: "mismatch",
            ok: false,
            differences: [`the package's kernel ran past ${limit} s (ten times the run's recorded time, or --kernel-time-limit); stopped`],
            problem: `the package's kernel ran past ${limit} s; stopped`,
            ...(kernel.note ? { kernel_note: kernel.note } : {}),
          };
          results.push(result);
          onResult(result);
          continue;
        }
        onReproduction?.(item.name, got);
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

/** How verify vouched for every file of a package. */
export interface Coverage {
  /** Recomputed from the re-runs and compared. */
  compared: number;
  /** Checked otherwise: checksums and format (SHA256SUMS, PACKAGE.json), kernel binaries against the runs' manifests. */
  checked: number;
  /** Neither, with the reason, grouped. */
  notChecked: Map<string, string[]>;
  /** Where the package's own summary.json or summary.csv differs from the one the re-runs give. */
  summaryDifferences: string[];
}

/** Files a run's re-run recomputes (mask.pbm: its bits are checked against the config's hash before the re-run). */
const RERUN_FILES = new Set(["manifest.json", "metrics.jsonl", "metrics.csv", "analysis.jsonl", "summary.json", "mask.pbm"]);

/**
 * Sorts every file of a package into compared with the re-runs, checked
 * otherwise, or not checked and why; and, when every listed run was re-run,
 * recomputes the package's summary.json and summary.csv from the re-runs
 * and compares them (a recorded field or line the re-runs do not give back
 * is a difference; a field a newer initdrift adds is not).
 */
export function packageCoverage(files: Map<string, Uint8Array>, items: readonly VerifyItem[], reproductions: ReadonlyMap<string, Reproduction>): Coverage {
  const coverage: Coverage = { compared: 0, checked: 0, notChecked: new Map(), summaryDifferences: [] };
  const skip = (why: string, path: string) => coverage.notChecked.set(why, [...(coverage.notChecked.get(why) ?? []), path]);
  const allRerun = items.length > 0 && items.every((i) => reproductions.has(i.name));
  for (const path of [...files.keys()].sort()) {
    const run = /^runs\/([^/]+)\/(.+)$/.exec(path);
    if (path === "SHA256SUMS" || path === "PACKAGE.json" || path.startsWith("wasm/")) coverage.checked++;
    else if (path === "summary.json" || path === "summary.csv") {
      if (allRerun) coverage.compared++;
      else skip(`only ${reproductions.size} of ${items.length} runs were re-run, so the study's summary could not be recomputed`, path);
    } else if (run) {
      const [, name, file] = run;
      if (!reproductions.has(name!)) skip("its run was not re-run (sampled out, or not re-runnable: see above)", path);
      else if (RERUN_FILES.has(file!)) coverage.compared++;
      else if (file === "report.html" || file!.startsWith("figures/")) skip("a report, drawn from the compared files (remade by 'initdrift report')", path);
      else if (file!.startsWith("snapshots/")) skip("a snapshot: the re-run compares the final parameters' hash and the analyses, not every snapshot", path);
      else skip("not a file initdrift writes", path);
    } else skip("not a file initdrift writes", path);
  }
  if (allRerun) {
    const records = items.map((i) => {
      const got = reproductions.get(i.name)!;
      return runRecordOf(i.name, got.manifest, got.metrics, got.analyses);
    });
    const groups = aggregate(selectRuns(records).runs);
    const summary = files.get("summary.json");
    if (summary) {
      let recorded: { groups?: unknown };
      try {
        recorded = JSON.parse(new TextDecoder().decode(summary)) as { groups?: unknown };
      } catch {
        recorded = {};
      }
      const field = firstDifference(recorded.groups, JSON.parse(JSON.stringify(groups)), "groups");
      if (field !== undefined) coverage.summaryDifferences.push(`summary.json differs from the re-runs' (${field})`);
    }
    const csv = files.get("summary.csv");
    if (csv) {
      const again = new Set(summaryCsv(groups).split("\n"));
      const line = new TextDecoder()
        .decode(csv)
        .split("\n")
        .find((l) => l && !again.has(l));
      if (line !== undefined) coverage.summaryDifferences.push(`summary.csv has a line the re-runs do not give: ${line.slice(0, 80)}`);
    }
  }
  return coverage;
}
