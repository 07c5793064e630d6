/**
 * The page's platform layer: what node/ is to the CLI. Kernels come from
 * the same wasm files the CLI loads (fetched next to the page), datasets
 * from files the user picks or the catalogue's mirrors, packages are built
 * and opened in memory. Decoded datasets are kept by storage.ts.
 */
import { CATALOG, catalogEntry, IDX_ROLES, withFold, type FileRole } from "../data/catalog.js";
import type { Dataset } from "../data/dataset.js";
import { CACHE_FILES, CLASSES_JSON, decodeHasy, encodeHasyCache, hasyDataset, hasyFilesFromArchive, parseCacheMeta } from "../data/hasy.js";
import { gunzip, isGzip } from "../codec/idx.js";
import { loadIdxDataset, matchesCatalog, type IdxFileBytes } from "../data/load.js";
import { UserError } from "../errors.js";
import { inflateZlib } from "../codec/inflate.js";
import type { Manifest } from "../run/manifest.js";
import { parseManifest } from "../run/documents.js";
import {
  checkSums,
  finishPackage,
  packagedRuns,
  recordedFiles,
  packageFilesOf,
  packageInfo,
  packageTar,
  PACKAGE_FORMAT,
  PACKAGE_VERSION,
  RUN_FILES,
  type PackagedRun,
  type PackageInfo,
} from "../run/packageFormat.js";
import { reportOfRunFiles, snapshotEpochsOf } from "../report/runFiles.js";
import type { PlatformInfo } from "../run/session.js";
import { sha256 } from "../codec/sha256.js";
import { decodeTar, type TarEntry } from "../codec/tar.js";
import type { KernelInfo } from "./messages.js";

export const KERNEL_URLS: Record<"exact" | "fast", { file: string; url: URL }> = {
  exact: { file: "initdrift.wasm", url: new URL("../../build/initdrift.wasm", import.meta.url) },
  fast: { file: "initdrift.fast.wasm", url: new URL("../../build/initdrift.fast.wasm", import.meta.url) },
};

export interface PageKernels extends KernelInfo {
  module: WebAssembly.Module;
  bytes: Uint8Array;
}

export async function loadPageKernels(mode: "exact" | "fast"): Promise<PageKernels> {
  const { file, url } = KERNEL_URLS[mode];
  const res = await fetch(url);
  if (!res.ok) throw new UserError(`${file}: HTTP ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(bytes);
  } catch (e) {
    throw new UserError(
      mode === "fast"
        ? "this browser lacks WebAssembly relaxed SIMD; use the exact kernels"
        : `this browser cannot compile the kernels (WebAssembly SIMD needed): ${(e as Error).message}`,
    );
  }
  return { mode, file, sha256: await sha256(bytes), module, bytes };
}

export function pagePlatform(): PlatformInfo {
  const ua = navigator.userAgent;
  const engine = /(Chrome|Firefox|Version)\/([\d.]+)/.exec(ua);
  return {
    runtime: "browser",
    version: engine ? `${engine[1] === "Version" ? "Safari" : engine[1]} ${engine[2]}` : ua,
    os: navigator.platform || "unknown",
    arch: "wasm32",
    cpu: `${navigator.hardwareConcurrency || 1} logical cores`,
  };
}

const roleOf = (name: string): FileRole | undefined => IDX_ROLES.find((r) => r.names.some((n) => name === n || name === `${n}.gz`))?.role;

/** The catalogue entry whose raw files these are, by SHA-256 (the CLI's identity for a dataset). */
function catalogueName(d: Dataset): string | undefined {
  for (const info of Object.values(CATALOG)) {
    if (info.format !== "idx") continue;
    if (matchesCatalog(info, d.files)) return info.name;
  }
  return undefined;
}

/**
 * A dataset from files the user picked or dropped: the four IDX files (raw
 * or .gz; recognised as MNIST or Fashion-MNIST by their SHA-256, so runs
 * carry the name the CLI uses), or HASYv2.tar.bz2 / a plain tar of it.
 */
export async function datasetFromFiles(files: readonly File[], opts: { fold: number; onNote: (text: string) => void }): Promise<Dataset> {
  const archive = files.find((f) => /\.(tar|tar\.bz2|tbz2?)$/i.test(f.name));
  if (archive) return hasyFromArchive(new Uint8Array(await archive.arrayBuffer()), archive.name, opts.fold, opts.onNote);
  const byRole = {} as IdxFileBytes;
  for (const f of files) {
    const role = roleOf(f.name);
    if (!role) throw new UserError(`${f.name}: not an IDX file of a dataset (names like train-images-idx3-ubyte[.gz]) nor a HASYv2 archive`);
    const bytes = new Uint8Array(await f.arrayBuffer());
    byRole[role] = { path: f.name, bytes, sha256: await sha256(bytes) };
  }
  const missing = IDX_ROLES.filter((r) => !byRole[r.role]).map((r) => r.names[0]);
  if (missing.length) throw new UserError(`missing ${missing.join(", ")} (pick all four IDX files together)`);
  const d = await loadIdxDataset("idx:browser", byRole, {});
  const name = catalogueName(d);
  return name ? { ...d, name, verified: true } : d;
}

export async function hasyFromArchive(bytes: Uint8Array, name: string, fold: number, onNote: (text: string) => void): Promise<Dataset> {
  onNote(`${name}: decompressing`);
  // PNGs through the project's synchronous inflater: a DecompressionStream per small image is mostly set-up.
  const files = hasyFilesFromArchive(isGzip(bytes) ? await gunzip(bytes, name) : bytes, name, inflateZlib);
  const decoded = await decodeHasy(files, fold, (split, done, total) => onNote(`decoding ${split} images: ${done} / ${total}`));
  // Web Crypto has no MD5, so a page cannot check the archive against the catalogue: unverified.
  const cache = new Map(encodeHasyCache(decoded, { name, verified: false }).map((c) => [c.file, c.bytes]));
  const idx = {} as IdxFileBytes;
  for (const [role, file] of Object.entries(CACHE_FILES)) {
    const b = cache.get(file)!;
    idx[role as FileRole] = { path: `${name}#fold-${fold}/${file}`, bytes: b, sha256: await sha256(b) };
  }
  return hasyDataset(withFold("hasyv2", fold), idx, parseCacheMeta(cache.get(CLASSES_JSON)!, name), name);
}

/** Downloads a catalogue IDX dataset from its mirrors (where the network and CORS allow) and checks every file's SHA-256. */
export async function fetchCatalogDataset(name: string, onNote: (text: string) => void): Promise<Dataset> {
  const info = catalogEntry(name);
  if (info?.format !== "idx") throw new UserError(`${name}: the page fetches IDX datasets only; pick HASYv2.tar.bz2 from disk`);
  const files = {} as IdxFileBytes;
  for (const c of info.files) {
    let got: Uint8Array | undefined;
    const problems: string[] = [];
    for (const mirror of info.mirrors) {
      const url = `${mirror}${c.file}.gz`;
      onNote(`fetching ${url}`);
      try {
        const res = await fetch(url);
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const raw = await gunzip(new Uint8Array(await res.arrayBuffer()), url);
        if (raw.length !== c.bytes || (await sha256(raw)) !== c.sha256) throw new Error("checksum mismatch");
        got = raw;
        break;
      } catch (e) {
        problems.push(`${url}: ${(e as Error).message}`);
      }
    }
    if (!got) throw new UserError(`${name}: could not fetch ${c.file} (${problems.at(-1) ?? "no mirror"})`);
    files[c.role] = { path: c.file, bytes: got, sha256: c.sha256 };
  }
  return loadIdxDataset(name, files, { classes: info.classes, info });
}

/** One finished (or stopped) run in the page: its name and files. */
export interface PageRun {
  name: string;
  manifest: Manifest;
  files: Map<string, Uint8Array>;
}

/** A package `initdrift verify` accepts: the same layout and checksums as `initdrift pack` writes. */
export async function buildPackage(runs: readonly PageRun[], kernels: readonly PageKernels[]): Promise<Uint8Array> {
  const files: TarEntry[] = [];
  const wasm = new Map<string, PageKernels>();
  for (const r of runs) {
    for (const f of RUN_FILES) {
      const b = r.files.get(f);
      if (b) files.push({ path: `runs/${r.name}/${f}`, data: b });
    }
    const k = kernels.find((x) => x.sha256 === r.manifest.kernels.sha256);
    if (!k) throw new UserError(`${r.name}: its kernel binary is not loaded`);
    wasm.set(k.file, k);
  }
  for (const k of wasm.values()) files.push({ path: `wasm/${k.file}`, data: k.bytes });
  const entries = await finishPackage(
    files,
    runs.map((r) => r.name),
    [...wasm.values()].map((k) => ({ file: k.file, sha256: k.sha256 })),
    sha256,
  );
  const gz = new Blob([packageTar(entries) as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(gz).arrayBuffer());
}

export interface OpenedPackage {
  info: PackageInfo;
  files: Map<string, Uint8Array>;
  runs: PackagedRun[];
}

/** Opens a package (.tar.gz or .tar), checking SHA256SUMS like `initdrift verify --checksums-only`. */
export async function openPackage(bytes: Uint8Array, name: string): Promise<OpenedPackage> {
  const tar = isGzip(bytes) ? await gunzip(bytes, name) : bytes;
  const files = packageFilesOf(decodeTar(tar, name), name);
  await checkSums(files, name, sha256);
  const info = packageInfo(files, name);
  const runs = packagedRuns(files, info, name);
  return { info, files, runs };
}

/**
 * Run directories picked as a folder (the CLI's runs/..., or a sweep): every
 * manifest.json found marks a run; its kernel binary is the page's own when
 * the SHA-256 matches (a run directory does not carry one). `report` is the
 * run's report.html when it has one.
 */
export async function openRunDirectories(files: readonly File[], pageKernels: readonly PageKernels[]): Promise<OpenedPackage> {
  const byPath = new Map<string, Uint8Array>();
  for (const f of files) byPath.set(f.webkitRelativePath || f.name, new Uint8Array(await f.arrayBuffer()));
  const roots = [...byPath.keys()]
    .filter((p) => p === "manifest.json" || p.endsWith("/manifest.json"))
    .map((p) => p.slice(0, -"manifest.json".length))
    .sort();
  if (roots.length === 0) throw new UserError("no run directory there (no manifest.json); pick a run directory or a folder of runs");
  const runs = [];
  for (const root of roots) {
    const manifest = parseManifest(new TextDecoder().decode(byPath.get(`${root}manifest.json`)!), `${root}manifest.json`);
    const name = root.replace(/\/$/, "").split("/").pop() || "run";
    runs.push({
      name,
      manifest,
      ...recordedFiles((file) => byPath.get(`${root}${file}`)),
      wasm: pageKernels.find((k) => k.sha256 === manifest.kernels.sha256)?.bytes,
      mask: byPath.get(`${root}mask.pbm`),
      report: byPath.get(`${root}report.html`) ?? (await reportFromFiles(root, name, byPath)),
    });
  }
  const info: PackageInfo = {
    format: PACKAGE_FORMAT,
    format_version: PACKAGE_VERSION,
    tool: runs[0]!.manifest.tool,
    runs: runs.map((r) => `runs/${r.name}`),
    wasm: [],
  };
  return { info, files: byPath, runs };
}

/** A report made in the page for a run directory written with --no-report: the CLI's report function on its files. */
async function reportFromFiles(root: string, name: string, files: Map<string, Uint8Array>): Promise<Uint8Array | undefined> {
  const names = [...files.keys()].filter((n) => n.startsWith(root)).map((n) => n.slice(root.length));
  const made = await reportOfRunFiles((file) => files.get(`${root}${file}`), name, snapshotEpochsOf(names));
  return made && new TextEncoder().encode(made.report.html);
}

/** Offers bytes as a download. */
export function download(bytes: Uint8Array, name: string, type = "application/octet-stream"): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
