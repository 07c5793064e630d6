import { UserError } from "../errors.js";
import { TOOL_NAME, TOOL_VERSION } from "../version.js";
import { parseManifest } from "./documents.js";
import type { RecordedRun } from "./rerun.js";
import { array, literal, object, parseDocument, positiveInt, type Schema, sha256Hex, string } from "../codec/schema.js";
import { encodeTar, type TarEntry } from "../codec/tar.js";

/**
 * The reproducibility package's format, shared by `initdrift pack`/`verify`
 * (node/packageFiles.ts) and the browser page: one tar with everything under
 * initdrift-package/, PACKAGE.json listing the runs and kernel binaries,
 * SHA256SUMS (`sha256sum -c` format) covering every other file.
 */
export const PACKAGE_FORMAT = "initdrift-package";
export const PACKAGE_VERSION = 1;
export const PACKAGE_ROOT = "initdrift-package";
/** The files of a run that go into a package (plus figures/, and snapshots/ on request). */
export const RUN_FILES = ["manifest.json", "metrics.jsonl", "metrics.csv", "analysis.jsonl", "summary.json", "mask.pbm", "report.html"];

export interface PackageInfo {
  format: typeof PACKAGE_FORMAT;
  format_version: number;
  tool: { name: string; version: string };
  runs: string[];
  wasm: { file: string; sha256: string }[];
}

/** PACKAGE.json and SHA256SUMS in front of the files (paths relative to the package root). */
export async function finishPackage(
  files: TarEntry[],
  runs: string[],
  wasm: { file: string; sha256: string }[],
  hash: (b: Uint8Array) => string | Promise<string>,
): Promise<TarEntry[]> {
  const info: PackageInfo = {
    format: PACKAGE_FORMAT,
    format_version: PACKAGE_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    runs: [...runs].sort().map((n) => `runs/${n}`),
    wasm,
  };
  const all = [{ path: "PACKAGE.json", data: new TextEncoder().encode(JSON.stringify(info, null, 2) + "\n") }, ...files];
  const sums: string[] = [];
  for (const f of all) sums.push(`${await hash(f.data)}  ${f.path}`);
  return [{ path: "SHA256SUMS", data: new TextEncoder().encode(sums.join("\n") + "\n") }, ...all];
}

/** Checks SHA256SUMS against every file: each listed file matches, and nothing unlisted is there. */
export async function checkSums(files: Map<string, Uint8Array>, where: string, hash: (b: Uint8Array) => string | Promise<string>): Promise<void> {
  const sums = files.get("SHA256SUMS");
  if (!sums) throw new UserError(`${where}: no SHA256SUMS; not an initdrift package`);
  const listed = new Set<string>();
  for (const line of new TextDecoder()
    .decode(sums)
    .split("\n")
    .filter((l) => l.trim())) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m) throw new UserError(`${where}: SHA256SUMS has a malformed line`);
    const [, hex, path] = m as unknown as [string, string, string];
    listed.add(path);
    const data = files.get(path);
    if (!data) throw new UserError(`${where}: ${path} is listed in SHA256SUMS but missing`);
    if ((await hash(data)) !== hex) throw new UserError(`${where}: ${path} does not match SHA256SUMS (tampered or damaged); refusing the package`);
  }
  for (const path of files.keys()) {
    if (path !== "SHA256SUMS" && !listed.has(path)) throw new UserError(`${where}: ${path} is not listed in SHA256SUMS; refusing the package`);
  }
}

const packageInfoSchema = object({
  format: literal(PACKAGE_FORMAT),
  format_version: positiveInt,
  tool: object({ name: string, version: string }),
  runs: array(string),
  wasm: array(object({ file: string, sha256: sha256Hex })),
}) as unknown as Schema<PackageInfo>;

export function packageInfo(files: Map<string, Uint8Array>, where: string): PackageInfo {
  const raw = files.get("PACKAGE.json");
  if (!raw) throw new UserError(`${where}: no PACKAGE.json; not an initdrift package`);
  const info = parseDocument(new TextDecoder().decode(raw), packageInfoSchema, `${where}: PACKAGE.json`);
  if (info.format_version > PACKAGE_VERSION) {
    throw new UserError(
      `${where}: package format ${info.format_version} is newer than this initdrift (${TOOL_VERSION}) reads (${PACKAGE_VERSION}); upgrade initdrift`,
    );
  }
  const twice = info.runs.find((r, i) => info.runs.indexOf(r) !== i);
  if (twice !== undefined) throw new UserError(`${where}: PACKAGE.json lists ${twice} twice; refusing the package`);
  return info;
}

/** Files of a package tar by path relative to its root. */
export function packageFilesOf(entries: readonly TarEntry[], where = "package"): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const e of entries) {
    // Every file of a package is under its folder: a member beside it would shadow the package's own file of that name.
    if (!e.path.startsWith(`${PACKAGE_ROOT}/`))
      throw new UserError(`${where}: member ${JSON.stringify(e.path)} is outside the package's folder ${PACKAGE_ROOT}/; refusing the package`);
    files.set(e.path.slice(PACKAGE_ROOT.length + 1), e.data);
  }
  return files;
}

/** The package's tar: every file under PACKAGE_ROOT/ (gzip it or not, as the caller likes). */
export function packageTar(entries: readonly TarEntry[]): Uint8Array {
  return encodeTar(entries.map((e) => ({ path: `${PACKAGE_ROOT}/${e.path}`, data: e.data })));
}

/**
 * A run listed in PACKAGE.json: its manifest, the kernel binary it names,
 * the files verify compares (metrics, analysis, summary: text, undefined
 * when absent), and its mask and report when present.
 */
export interface PackagedRun extends RecordedRun {
  /** The run directory's name (without runs/). */
  name: string;
  wasm: Uint8Array | undefined;
  mask: Uint8Array | undefined;
  report: Uint8Array | undefined;
}

/** The recorded files of the run whose files are `read` by name ("metrics.jsonl", ...). */
export function recordedFiles(read: (name: string) => Uint8Array | undefined): Omit<RecordedRun, "manifest"> {
  const text = (name: string) => {
    const b = read(name);
    return b && new TextDecoder().decode(b);
  };
  return { metrics: text("metrics.jsonl"), metricsCsv: text("metrics.csv"), analysis: text("analysis.jsonl"), summary: text("summary.json") };
}

export function packagedRuns(files: Map<string, Uint8Array>, info: PackageInfo, where: string): PackagedRun[] {
  return info.runs.map((run) => {
    const raw = files.get(`${run}/manifest.json`);
    if (!raw) throw new UserError(`${where}: ${run}/manifest.json is missing`);
    const manifest = parseManifest(new TextDecoder().decode(raw), `${where}: ${run}/manifest.json`);
    return {
      name: run.replace(/^runs\//, ""),
      manifest,
      ...recordedFiles((name) => files.get(`${run}/${name}`)),
      wasm: files.get(`wasm/${manifest.kernels.file}`),
      mask: files.get(`${run}/mask.pbm`),
      report: files.get(`${run}/report.html`),
    };
  });
}
