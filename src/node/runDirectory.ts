import { closeSync, existsSync, fstatSync, ftruncateSync, openSync, readdirSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.js";
import { LOCK_FILE, lockRunDirectory } from "./lock.js";
import type { Manifest } from "../run/manifest.js";
import type { RunSink } from "../run/session.js";
import { writeFileAtomic, makeDirectories, readRunFile } from "./files.js";
import { parseManifest } from "../run/documents.js";

/** A run directory on disk; every file is replaced atomically. */
export class DirectorySink implements RunSink {
  constructor(readonly dir: string) {}

  write(name: string, data: string | Uint8Array): void {
    const path = join(this.dir, name);
    makeDirectories(join(path, ".."));
    writeFileAtomic(path, data);
  }

  remove(name: string): void {
    rmSync(join(this.dir, name), { force: true });
  }

  /**
   * One epoch's line: no fsync (a killed process loses nothing the kernel
   * was given; resume rewrites from the checkpoint). A write that fails part
   * way (a full disk) is cut back off, so the file stays whole lines.
   */
  append(name: string, data: string): void {
    const path = join(this.dir, name);
    const fd = openSync(path, "a");
    const before = fstatSync(fd).size;
    try {
      const bytes = Buffer.from(data, "utf8");
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    } catch (e) {
      ftruncateSync(fd, before);
      if (e && typeof e === "object" && "code" in e) (e as NodeJS.ErrnoException).path = path;
      throw e;
    } finally {
      closeSync(fd);
    }
  }
}

/** The manifest of a run directory, or undefined when there is none. */
export function readManifest(dir: string): Manifest | undefined {
  const path = join(dir, "manifest.json");
  if (!existsSync(path)) return undefined;
  return parseManifest(readRunFile(path), path);
}

/** What a run directory may hold: the files a run writes, its lock, and temporary files of atomic writes. */
const RUN_ENTRIES = new Set([
  "manifest.json",
  "metrics.jsonl",
  "metrics.csv",
  "analysis.jsonl",
  "summary.json",
  "mask.pbm",
  "report.html",
  "figures",
  "snapshots",
  "checkpoint",
  LOCK_FILE,
]);
const isTemporary = (name: string) => name.startsWith(".") && name.endsWith(".tmp");

/** Removes every run file of `dir` but the lock (the caller holds it). */
function clearRun(dir: string, entries: readonly string[]): void {
  try {
    for (const name of entries) if (name !== LOCK_FILE) rmSync(join(dir, name), { recursive: true, force: true });
  } catch (e) {
    throw new UserError(`cannot clear run directory ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/**
 * Decides what to do with a run directory: start a new run, or continue an
 * unfinished one of the same configuration (status running, interrupted or
 * failed, from its checkpoint if it has one). A finished run, or a run of
 * another configuration or seed, is never touched without --force; --force
 * clears the directory and starts over. A directory holding anything that
 * is not a run's (a sweep's run directories, someone's files) is refused
 * even with --force: nothing a user made is deleted by a typo in --out.
 * With skipFinished (a sweep), a finished run of this very configuration
 * is "finished": left alone, unlocked.
 */
export function prepareRunDirectory(
  dir: string,
  opts: { force: boolean; resume: boolean; configSha256: string; skipFinished?: boolean },
): "new" | "resume" | "finished" {
  if (opts.skipFinished && !opts.force) {
    let done: Manifest | undefined;
    try {
      done = readManifest(dir);
    } catch {
      done = undefined; // damaged: said below
    }
    if (done?.config_sha256 === opts.configSha256 && (done.status === "completed" || done.status === "diverged")) return "finished";
  }
  // The lock first: two writers must not both decide to start (or clear) the same directory.
  try {
    makeDirectories(dir);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`cannot create run directory ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  lockRunDirectory(dir);
  const entries = readdirSync(dir).filter((n) => !isTemporary(n));
  const foreign = entries.filter((n) => !RUN_ENTRIES.has(n));
  if (foreign.length > 0) {
    const what = foreign.some((n) => existsSync(join(dir, n, "manifest.json"))) ? "run directories (a sweep?)" : "files that are not a run's";
    throw new UserError(`${dir} holds ${what}, e.g. ${foreign[0]}; give a new or empty directory as --out`);
  }
  let existing: Manifest | undefined;
  try {
    existing = readManifest(dir);
  } catch (e) {
    if (!opts.force) throw new UserError(`${(e as Error).message}; pass --force to clear the run and start over`);
  }
  if (existing && !opts.force) {
    if (existing.config_sha256 !== opts.configSha256) {
      throw new UserError(
        `${dir} holds a run of another configuration (seed ${existing.seed}, widths ${existing.config.hiddenWidths.join("x")}, ${existing.config.epochs} epochs, config ${existing.config_sha256.slice(0, 12)}); choose another --out or pass --force to replace it`,
      );
    }
    const unfinished = existing.status === "running" || existing.status === "interrupted" || existing.status === "failed";
    if (!unfinished) throw new UserError(`${dir} already holds a run (status ${existing.status}); choose another --out or pass --force to replace it`);
    if (!opts.resume)
      throw new UserError(`${dir} holds an unfinished run (status ${existing.status}); drop --no-resume to continue it, or pass --force to start over`);
    // Killed before its first checkpoint: nothing to continue from, and its snapshots must not outlive it.
    if (existsSync(join(dir, "checkpoint", "state.json"))) return "resume";
  }
  clearRun(dir, entries);
  return "new";
}
