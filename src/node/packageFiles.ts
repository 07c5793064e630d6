import { existsSync, lstatSync, readdirSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { UserError } from "../errors.js";
import { decodeTar, type TarEntry } from "../codec/tar.js";
import { checkSums, finishPackage, packageFilesOf, packageInfo, packageTar, RUN_FILES } from "../run/packageFormat.js";
import { MAX_DATA_BYTES, optionalRunBytes, readRegularFile, sha256Hex } from "./files.js";
import { readManifest } from "./runDirectory.js";
import { findRunDirs } from "./runs.js";
import { loadKernels, type KernelMode } from "./wasm.js";

/**
 * A reproducibility package: one tar (gzipped when the name ends in .gz or
 * .tgz) with everything under initdrift-package/:
 *   PACKAGE.json       format, tool version, the runs and wasm builds inside
 *   SHA256SUMS         `sha256sum -c` format, every other file
 *   wasm/<file>        the exact kernel binaries the runs used
 *   runs/<run>/...     manifest.json, metrics, analysis.jsonl, summary.json,
 *                      figures and report.html when present (snapshots with
 *                      --with-snapshots; checkpoints never)
 *   summary.json/.csv  the input directory's aggregate, when present (a study
 *                      directory: a run directory's summary.json is its own)
 */
export { PACKAGE_FORMAT, PACKAGE_ROOT, PACKAGE_VERSION, type PackageInfo } from "../run/packageFormat.js";

/**
 * Regular files below `dir`, sorted. A link is refused, never followed: a
 * package holds what the run wrote, not whatever a link points at.
 */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  if (lstatSync(dir).isSymbolicLink()) throw new UserError(`${dir}: is a symbolic link; refused (a package holds only the run's own files)`);
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => {
      const p = join(dir, e.name);
      if (e.isSymbolicLink()) throw new UserError(`${p}: is a symbolic link; refused (a package holds only the run's own files)`);
      return e.isDirectory() ? filesUnder(p) : e.isFile() && !e.name.endsWith(".tmp") ? [p] : [];
    })
    .sort();
}

const runFile = (path: string): Uint8Array => readRegularFile(path, MAX_DATA_BYTES, "refuse");

/** The package's files (paths relative to PACKAGE_ROOT), SHA256SUMS and PACKAGE.json included. */
export function packageEntries(roots: readonly string[], withSnapshots: boolean): Promise<TarEntry[]> {
  const runDirs = findRunDirs(roots);
  if (runDirs.length === 0) throw new UserError(`no run directories (with manifest.json) below ${roots.join(", ")}`);
  const files: TarEntry[] = [];
  const wasm = new Map<string, { sha256: string; bytes: Uint8Array }>();
  const names = new Set<string>();
  for (const dir of runDirs) {
    const name = basename(dir);
    if (names.has(name)) throw new UserError(`two runs are named ${name}; pack them separately`);
    names.add(name);
    const manifest = readManifest(dir)!;
    // A running run's files change under the packer; one killed while running was never finished.
    if (manifest.status === "running")
      throw new UserError(`${dir}: status running (training now, or killed: resume it first); a package holds finished or stopped runs only`);
    const build = loadKernels(manifest.kernels.mode as KernelMode);
    if (build.sha256 !== manifest.kernels.sha256) {
      throw new UserError(
        `${dir}: made with ${manifest.kernels.file} ${manifest.kernels.sha256.slice(0, 12)}, but this build's is ${build.sha256.slice(0, 12)}; pack with the initdrift version that made it (${manifest.tool.version})`,
      );
    }
    wasm.set(manifest.kernels.file, { sha256: manifest.kernels.sha256, bytes: build.bytes });
    for (const f of RUN_FILES) {
      const data = optionalRunBytes(dir, f);
      if (data) files.push({ path: `runs/${name}/${f}`, data });
    }
    for (const f of filesUnder(join(dir, "figures"))) files.push({ path: `runs/${name}/${relative(dir, f)}`, data: runFile(f) });
    if (withSnapshots) for (const f of filesUnder(join(dir, "snapshots"))) files.push({ path: `runs/${name}/${relative(dir, f)}`, data: runFile(f) });
  }
  for (const [file, { bytes }] of wasm) files.push({ path: `wasm/${file}`, data: bytes });
  // A study's aggregate. A run directory's own summary.json is that run's (already under runs/), not a study's:
  // shipped at the top it would be verified as a study summary and fail.
  const study = roots.length === 1 && !existsSync(join(roots[0]!, "manifest.json")) ? roots[0]! : undefined;
  for (const f of ["summary.json", "summary.csv"]) {
    const data = study ? optionalRunBytes(study, f) : undefined;
    if (data) files.push({ path: f, data });
  }
  return finishPackage(
    files,
    [...names],
    [...wasm].map(([file, { sha256 }]) => ({ file, sha256 })),
    sha256Hex,
  );
}

export function packArchive(entries: readonly TarEntry[], gzip: boolean): Uint8Array {
  const tar = packageTar(entries);
  return gzip ? gzipSync(tar, { level: 9 }) : tar;
}

/**
 * The most a gzipped package may expand to: gzip states no trustworthy size,
 * so a ratio bounds it. A package is JSON, CSV, SVG and float32 arrays, which
 * gzip shrinks a few times at most; 100x (at least 128 MiB, at most 2 GiB)
 * refuses a small file that would inflate to gigabytes.
 */
export function packageCap(gzipBytes: number): number {
  return Math.min(MAX_DATA_BYTES, Math.max(2 ** 27, 100 * gzipBytes));
}

/** Files of a package archive or an extracted package directory, paths relative to its root. */
export function readPackage(target: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  if (statSync(target).isDirectory()) {
    for (const f of filesUnder(target)) files.set(relative(target, f), runFile(f));
    return files;
  }
  let bytes: Uint8Array = readRegularFile(target);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: packageCap(bytes.length) });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE")
        throw new UserError(`${target}: expands past ${packageCap(bytes.length)} bytes (100x its size); not a package initdrift wrote; refused`);
      throw new UserError(`${target}: damaged gzip data`);
    }
  }
  return packageFilesOf(decodeTar(bytes, target), target);
}

/** Checks SHA256SUMS against every file (see run/packageFormat.ts). */
export function checkPackageSums(files: Map<string, Uint8Array>, where: string): Promise<void> {
  return checkSums(files, where, sha256Hex);
}

export { packageInfo };
