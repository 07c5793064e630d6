import {
  readdirSync,
  readFileSync,
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { UserError } from "../errors.js";
import { basename, dirname, join, resolve } from "node:path";
import { createHash, randomBytes } from "node:crypto";

/**
 * Writes a file so that readers see either the old content or the whole new
 * content, never a prefix: write a temporary file beside it, fsync, rename.
 * The temporary name starts with '.' and ends in '.tmp' so tools skip it.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, "w");
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    // Name the file the caller asked for, not the temporary one.
    if (e && typeof e === "object" && "code" in e) (e as NodeJS.ErrnoException).path = path;
    throw e;
  }
}

/** SHA-256 hex of bytes, synchronously (Node's crypto; the platform-neutral code uses codec/sha256.ts). */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Largest JSON document (manifest, metrics, analysis, ...) read: a 1000-epoch analysis.jsonl is tens of MB. */
export const MAX_DOCUMENT_BYTES = 2 ** 28;
/** Largest data file (IDX, archive, package) read whole. */
export const MAX_DATA_BYTES = 2 ** 31;

/**
 * Checks, before opening it, that `path` is a regular file of at most
 * `maxBytes`: /dev/zero, a FIFO (whose open blocks for ever) or a directory
 * answers in one line. With links "refuse", a symbolic link is refused too:
 * files inside a run directory or package are never read through a link
 * that could point anywhere (pack once packed /etc/passwd that way).
 */
export function checkRegularFile(path: string, maxBytes: number, links: "follow" | "refuse" = "follow"): number {
  let st: ReturnType<typeof statSync>;
  try {
    st = links === "refuse" ? lstatSync(path) : statSync(path);
  } catch (e) {
    throw new UserError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (st.isSymbolicLink()) throw new UserError(`${path}: is a symbolic link; files of a run or package are read only as regular files`);
  if (!st.isFile()) throw new UserError(`${path}: not a regular file`);
  if (st.size > maxBytes) throw new UserError(`${path}: ${st.size} bytes, more than the ${maxBytes} such a file may have; refused`);
  return st.size;
}

/** A regular file's bytes (see checkRegularFile). */
export function readRegularFile(path: string, maxBytes = MAX_DATA_BYTES, links: "follow" | "refuse" = "follow"): Buffer {
  checkRegularFile(path, maxBytes, links);
  return readFileSync(path);
}

/** A run or package document's text: a regular file, no link, at most MAX_DOCUMENT_BYTES. */
export function readRunFile(path: string): string {
  return readRegularFile(path, MAX_DOCUMENT_BYTES, "refuse").toString("utf8");
}

/**
 * Refuses (one line, `why` saying what for) a folder on the way from `dir`
 * to its file `name` ("snapshots/e000001/W1.npy") that is a symbolic link:
 * nothing is read or written outside the run through one. Folders that do
 * not exist yet pass.
 */
export function refuseLinkedFolders(dir: string, name: string, why: string): void {
  let at = dir;
  for (const part of name.split("/").slice(0, -1)) {
    at = join(at, part);
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(at);
    } catch {
      return;
    }
    if (st.isSymbolicLink()) throw new UserError(`${at}: is a symbolic link; ${why}`);
  }
}

/**
 * A file of a run directory by name ("snapshots/e000001/W1.npy"), or
 * undefined when absent. Present but a link, below a folder that is a link,
 * or not a regular file is an error: nothing is read from outside the run.
 */
export function optionalRunBytes(dir: string, name: string, maxBytes = MAX_DATA_BYTES): Uint8Array | undefined {
  refuseLinkedFolders(dir, name, "files of a run or package are read only as regular files");
  const path = join(dir, name);
  try {
    lstatSync(path);
  } catch {
    return undefined;
  }
  return readRegularFile(path, maxBytes, "refuse");
}

/**
 * Reads a file into a SharedArrayBuffer: a raw IDX file's pixels are then
 * shared with worker threads as they are, never copied.
 */
export function readFileShared(path: string): Uint8Array {
  checkRegularFile(path, MAX_DATA_BYTES);
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

/**
 * mkdir -p without Node's recursive mkdirSync, which never returns for a
 * path under /proc (--out /proc/foo spun for ever): the missing directories
 * are made one by one, parents first, and the first that cannot be made
 * throws its own error (ENOENT, EACCES, ...), which the CLI reports in one line.
 */
export function makeDirectories(dir: string): void {
  const missing: string[] = [];
  let p = resolve(dir);
  while (!existsSync(p)) {
    missing.push(p);
    const parent = dirname(p);
    if (parent === p) break;
    p = parent;
  }
  if (existsSync(p) && !statSync(p).isDirectory()) throw new UserError(`${p}: not a directory`);
  for (const m of missing.reverse()) {
    try {
      mkdirSync(m);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST" && statSync(m).isDirectory()) continue;
      throw e;
    }
  }
}

/**
 * Installs a staged dataset folder of the cache as `target`, in one rename.
 * An existing `target` is replaced only when it holds nothing but files of
 * the names being installed (an earlier install of them): a --cache-dir may
 * be a folder of someone's own, and nothing in it is deleted.
 */
export function replaceInstalled(target: string, staging: string): void {
  if (existsSync(target)) {
    const installing = new Set(readdirSync(staging));
    const foreign = readdirSync(target).filter((n) => !installing.has(n) && !(n.startsWith(".") && n.endsWith(".tmp")));
    if (foreign.length > 0)
      throw new UserError(
        `${target} holds files initdrift did not put there (e.g. ${foreign[0]}); refusing to replace it (choose another --cache-dir; nothing was removed)`,
      );
    rmSync(target, { recursive: true, force: true });
  }
  renameSync(staging, target);
}
