import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import type { ArchiveDatasetInfo, IdxDatasetInfo } from "../data/catalog.js";
import { CLASSES_JSON } from "../data/hasy.js";
import { UserError } from "../errors.js";
import { findIdxFiles, type LocateOptions, searchDirs } from "./datasets.js";
import { md5Hex } from "./fetch.js";
import { makeDirectories, readRegularFile, replaceInstalled, sha256Hex, writeFileAtomic } from "./files.js";
import { MAX_IDX_BYTES } from "../codec/idx.js";
import { archiveIn, foldDir, hasyFolderRoot, installHasyFold } from "./hasyInstall.js";

/**
 * The dataset store on this machine: where catalogue datasets are found, and
 * installing files a user already has into the cache, checked against the
 * catalogue. `initdrift data` prints what these return.
 */

/** Raw bytes of a dataset file, gunzipped when needed. */
export function rawBytes(path: string): Uint8Array {
  const bytes = readRegularFile(path);
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_IDX_BYTES });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw new UserError(`${path}: gzip data expands past ${MAX_IDX_BYTES} bytes; refused`);
    throw new UserError(`${path}: broken gzip data`);
  }
}

/** Where a dataset is found, and whether each file matches the catalogue (raw SHA-256). */
export function locateIdx(info: IdxDatasetInfo, f: LocateOptions, hash: boolean) {
  for (const dir of searchDirs(info.name, { dataDir: f.dataDir, cacheDir: f.cacheDir, systemData: f.systemData })) {
    const paths = findIdxFiles(dir);
    if (!paths) continue;
    const files = info.files.map((c) => {
      const path = paths[c.role]!;
      if (!hash) return { role: c.role, path, ok: null as boolean | null };
      const raw = rawBytes(path);
      return { role: c.role, path, ok: raw.length === c.bytes && sha256Hex(raw) === c.sha256 };
    });
    return { dir, files };
  }
  return undefined;
}

/** HASYv2 in the search directories: decoded folds, the archive (MD5 checked when `hash`), an unpacked folder. */
export function locateHasy(info: ArchiveDatasetInfo, f: LocateOptions, hash: boolean) {
  const found: { dir: string; folds: number[]; archive?: { path: string; ok: boolean | null }; folder?: string }[] = [];
  for (const dir of searchDirs(info.name, { dataDir: f.dataDir, cacheDir: f.cacheDir, systemData: f.systemData })) {
    const folds = Array.from({ length: info.folds }, (_, k) => k + 1).filter((k) => existsSync(join(foldDir(dir, k), CLASSES_JSON)));
    const archive = archiveIn(dir, info);
    const folder = hasyFolderRoot(dir);
    if (folds.length === 0 && !archive && !folder) continue;
    found.push({
      dir,
      folds,
      ...(archive ? { archive: { path: archive, ok: hash ? md5Hex(readFileSync(archive)) === info.archive.md5 : null } } : {}),
      ...(folder ? { folder } : {}),
    });
  }
  return found;
}

/**
 * Installs the four IDX files of a catalogue dataset from `dir` into the
 * cache, each checked against the catalogue (raw size and SHA-256). The cache
 * entry appears whole or not at all. Returns the installed directory.
 */
export function importIdx(info: IdxDatasetInfo, dir: string, cacheDir: string): string {
  const name = info.name;
  const paths = existsSync(dir) ? findIdxFiles(resolve(dir)) : undefined;
  if (!paths) throw new UserError(`${dir}: the four files of ${name} (${info.files.map((c) => c.file).join(", ")}, raw or .gz) are not all there`);
  const cache = join(cacheDir, name);
  const staging = `${cache}.importing-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  makeDirectories(staging);
  try {
    for (const c of info.files) {
      const raw = rawBytes(paths[c.role]!);
      const got = sha256Hex(raw);
      if (raw.length !== c.bytes || got !== c.sha256) {
        throw new UserError(
          `${paths[c.role]}: not the official ${c.file} (${raw.length} bytes, sha256 ${got.slice(0, 16)}..., expected ${c.bytes} bytes, ${c.sha256.slice(0, 16)}...); nothing installed`,
        );
      }
      writeFileAtomic(join(staging, c.file), raw);
    }
    // The cache entry appears whole or not at all.
    replaceInstalled(cache, staging);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return cache;
}

/**
 * Imports HASYv2: an archive must be the official one (MD5); it is copied
 * into the cache, so other folds decode later without naming it again. A
 * folder cannot be checked against the catalogue and is marked unverified.
 */
export async function importHasy(
  info: ArchiveDatasetInfo,
  path: string,
  fold: number,
  cacheDir: string,
  onProgress?: (split: string, done: number, total: number) => void,
): Promise<{ fold: number; dir: string }> {
  if (!existsSync(path)) throw new UserError(`${path}: no such file or folder`);
  const cache = join(cacheDir, info.name);
  let source = resolve(path);
  if (statSync(path).isFile()) {
    const bytes = readRegularFile(path);
    const md5 = md5Hex(bytes);
    if (md5 !== info.archive.md5)
      throw new UserError(
        `${path}: not the official ${info.archive.file} (md5 ${md5}, expected ${info.archive.md5}); nothing installed. A repacked copy can be imported as an unpacked folder`,
      );
    makeDirectories(cache);
    const target = join(cache, info.archive.file);
    if (resolve(target) !== source) writeFileAtomic(target, bytes);
    source = target;
  } else if (!readdirSync(path).length) throw new UserError(`${path}: empty folder`);
  return { fold, dir: await installHasyFold(source, fold, cache, info, onProgress) };
}
