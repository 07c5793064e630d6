import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { inflateSync } from "node:zlib";
import type { ArchiveDatasetInfo } from "../data/catalog.js";
import type { Dataset } from "../data/dataset.js";
import {
  CACHE_FILES,
  CLASSES_JSON,
  decodeHasy,
  encodeHasyCache,
  hasyDataset,
  hasyFilesFromArchive,
  LABELS_CSV,
  parseCacheMeta,
  type HasyCacheMeta,
  type HasyFiles,
} from "../data/hasy.js";
import type { IdxFileBytes } from "../data/load.js";
import { UserError } from "../errors.js";
import { makeDirectories, optionalRunBytes, readFileShared, readRegularFile, replaceInstalled, sha256Hex, writeFileAtomic } from "./files.js";
import { md5Hex } from "./fetch.js";

/**
 * HASYv2 on disk: the official archive or its unpacked folder, decoded once
 * per fold into <cache>/hasyv2/fold-K (IDX + classes.json), which later runs
 * read in well under a second. The archive itself is kept in <cache>/hasyv2
 * by `data import` and `data fetch`, so other folds decode without it being
 * named again.
 */
/** Node's zlib inflate, stopped past what a PNG's header declares (it throws ERR_BUFFER_TOO_LARGE there). */
const boundedInflate = (data: Uint8Array, maxOutputLength: number): Uint8Array => inflateSync(data, { maxOutputLength });

/** A HASYv2 folder: the one holding hasy-data-labels.csv, or its HASYv2/ subfolder. */
export function hasyFolderRoot(dir: string): string | undefined {
  for (const d of [dir, join(dir, "HASYv2"), join(dir, "hasyv2")]) if (existsSync(join(d, LABELS_CSV))) return d;
  return undefined;
}

/**
 * A HASYv2 folder's files by their names in its CSVs. Nothing is read from
 * outside the folder: a name that climbs out ("../", absolute) is refused,
 * and so is a file or folder on the way that is a symbolic link.
 */
export function folderFiles(root: string): HasyFiles {
  return {
    name: root,
    inflateSync: boundedInflate,
    read: async (path) => {
      if (isAbsolute(path) || path.split(/[\\/]/).includes("..")) throw new UserError(`${root}: '${path}' points outside the HASYv2 folder`);
      return optionalRunBytes(root, path, 2 ** 24);
    },
  };
}

/** The archive's files (bzip2-compressed or plain tar), and its MD5. */
export function archiveFiles(path: string): { files: HasyFiles; md5: string } {
  let bytes: Uint8Array;
  try {
    bytes = readRegularFile(path);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const md5 = md5Hex(bytes);
  return { files: hasyFilesFromArchive(bytes, path, boundedInflate), md5 };
}

/** Where a HASYv2 archive sits in a directory, if it does. */
export function archiveIn(dir: string, info: ArchiveDatasetInfo): string | undefined {
  const p = join(dir, info.archive.file);
  return existsSync(p) && statSync(p).isFile() ? p : undefined;
}

export const foldDir = (cacheRoot: string, fold: number): string => join(cacheRoot, `fold-${fold}`);

/**
 * Decodes fold K from an archive or folder and installs it into
 * <datasetCache>/fold-K whole or not at all; returns that directory.
 */
export async function installHasyFold(
  source: string,
  fold: number,
  datasetCache: string,
  info: ArchiveDatasetInfo,
  onProgress?: (split: string, done: number, total: number) => void,
): Promise<string> {
  let files: HasyFiles, meta: HasyCacheMeta["source"];
  if (existsSync(source) && statSync(source).isDirectory()) {
    const root = hasyFolderRoot(source);
    if (!root) throw new UserError(`${source}: no ${LABELS_CSV} here or in HASYv2/ (is this HASYv2?)`);
    files = folderFiles(root);
    meta = { name: resolve(root), verified: false };
  } else {
    const a = archiveFiles(source);
    files = a.files;
    meta = { name: resolve(source), md5: a.md5, verified: a.md5 === info.archive.md5 };
  }
  const decoded = await decodeHasy(files, fold, onProgress);
  const target = foldDir(datasetCache, fold);
  const staging = `${target}.installing-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  makeDirectories(staging);
  try {
    for (const f of encodeHasyCache(decoded, meta)) writeFileAtomic(join(staging, f.file), f.bytes);
    replaceInstalled(target, staging);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return target;
}

/** A decoded fold from its cache directory (undefined when there is none, or it is incomplete). */
export async function loadHasyFold(name: string, dir: string, invert: boolean | undefined): Promise<Dataset | undefined> {
  const metaPath = join(dir, CLASSES_JSON);
  if (!existsSync(metaPath)) return undefined;
  const meta = parseCacheMeta(readFileSync(metaPath), metaPath);
  const files = {} as IdxFileBytes;
  for (const [role, file] of Object.entries(CACHE_FILES)) {
    const path = join(dir, file);
    if (!existsSync(path)) throw new UserError(`${path}: missing from the HASYv2 cache; delete ${dir} and decode again`);
    const bytes = readFileShared(path);
    files[role as keyof IdxFileBytes] = { path, bytes, sha256: sha256Hex(bytes) };
  }
  return hasyDataset(name, files, meta, dir, invert);
}
