import { closeSync, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
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
