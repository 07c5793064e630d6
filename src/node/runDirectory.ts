import { closeSync, existsSync, fstatSync, ftruncateSync, openSync, readdirSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.js";
import { LOCK_FILE, lockRunDirectory } from "./lock.js";
import type { Manifest } from "../run/manifest.js";
import type { RunSink } from "../run/session.js";
import { makeDirectories, readRunFile, refuseLinkedFolders, writeFileAtomic } from "./files.js";
import { parseManifest } from "../run/documents.js";

/** A run directory on disk; every file is replaced atomically. */
export class DirectorySink implements RunSink {
  constructor(readonly dir: string) {}

  write(name: string, data: string | Uint8Array): void {
    // A snapshots/ or checkpoint/ that is a link (put there, or left by a copy) would send the run's files wherever it points.
    refuseLinkedFolders(this.dir, name, "a run writes its files only inside its own directory");
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

/**
 * What a run writes, file by file: the top-level documents, figures/*.svg
 * and *.png, snapshots/eNNNNNN/{W,b}N.npy, checkpoint/ (state.json,
 * initial.npy, params-eNNNNNN.npy), the lock, and the temporary files of
 * atomic writes. Anything else was put there by someone else and is never
 * removed.
 */
const TOP_FILES = new Set(["manifest.json", "metrics.jsonl", "metrics.csv", "analysis.jsonl", "summary.json", "mask.pbm", "report.html", LOCK_FILE]);
const FOLDERS: Record<string, (path: string[]) => boolean> = {
  figures: (p) => p.length === 1 && /^[\w.-]+\.(svg|png)$/.test(p[0]!),
  snapshots: (p) => (p.length === 1 && /^e\d{6}$/.test(p[0]!)) || (p.length === 2 && /^e\d{6}$/.test(p[0]!) && /^[Wb]\d+\.npy$/.test(p[1]!)),
  checkpoint: (p) => p.length === 1 && /^(state\.json|initial\.npy|params-e\d{6}\.npy)$/.test(p[0]!),
};
const isTemporary = (name: string) => name.startsWith(".") && name.endsWith(".tmp");

/** Every path below `dir` (relative, '/'-separated), folders too, that a run did not write; and the files it did. */
function sortFiles(dir: string): { foreign: string[]; ours: string[] } {
  const foreign: string[] = [],
    ours: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (isTemporary(entry.name)) continue;
    const folder = FOLDERS[entry.name];
    if (entry.isFile() && TOP_FILES.has(entry.name)) ours.push(entry.name);
    else if (folder && entry.isDirectory() && !entry.isSymbolicLink()) {
      const walk = (path: string[]): void => {
        for (const e of readdirSync(join(dir, entry.name, ...path), { withFileTypes: true })) {
          const sub = [...path, e.name];
          if (isTemporary(e.name)) continue;
          if (!folder(sub) || e.isSymbolicLink()) foreign.push([entry.name, ...sub].join("/"));
          else if (e.isDirectory()) walk(sub);
          else ours.push([entry.name, ...sub].join("/"));
        }
      };
      walk([]);
    } else foreign.push(entry.name);
  }
  return { foreign, ours };
}

/** Removes the run's own files (never the lock: the caller holds it), then the run's folders left empty. */
function clearRun(dir: string, ours: readonly string[]): string[] {
  const removed = ours.filter((name) => name !== LOCK_FILE);
  try {
    for (const name of removed) rmSync(join(dir, name), { force: true });
    for (const folder of Object.keys(FOLDERS)) {
      const path = join(dir, folder);
      if (!existsSync(path)) continue;
      for (const sub of readdirSync(path)) rmSync(join(path, sub), { recursive: true, force: true }); // empty eNNNNNN/ and temporaries
      rmSync(path, { recursive: true, force: true });
    }
  } catch (e) {
    throw new UserError(`cannot clear run directory ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return removed;
}

/** What --force says it removed: how many of the run's files, and the first few. */
export function removedNote(dir: string, files: readonly string[]): string {
  return `--force: removed the run in ${dir} (${files.length} files it wrote: ${files.slice(0, 4).join(", ")}${files.length > 4 ? ", ..." : ""})`;
}

/**
 * Decides what to do with a run directory: start a new run, or continue an
 * unfinished one of the same configuration (status running, interrupted or
 * failed, from its checkpoint if it has one). A finished run, or a run of
 * another configuration or seed, is never touched without --force; --force
 * removes only the files that run wrote and says which (`onRemoved`). A
 * directory holding anything a run does not write (a sweep's run
 * directories, a report, someone's notes in snapshots/), or files without a
 * run's manifest, is refused even with --force: nothing a user made is
 * deleted or overwritten by a typo in --out. With skipFinished (a sweep), a
 * finished run of this very configuration is "finished": left alone,
 * unlocked.
 */
export function prepareRunDirectory(
  dir: string,
  opts: { force: boolean; resume: boolean; configSha256: string; skipFinished?: boolean; onRemoved?: (files: string[]) => void },
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
  const { foreign, ours } = sortFiles(dir);
  if (foreign.length > 0) {
    const what = foreign.some((n) => existsSync(join(dir, n, "manifest.json"))) ? "run directories (a sweep?)" : "files that are not a run's";
    throw new UserError(`${dir} holds ${what}, e.g. ${foreign[0]}; give a new or empty directory as --out (nothing was removed)`);
  }
  const theirs = ours.filter((n) => n !== LOCK_FILE);
  if (theirs.length > 0 && !existsSync(join(dir, "manifest.json"))) {
    throw new UserError(
      `${dir} holds files but no run (e.g. ${theirs[0]}), so none of them is known to be initdrift's; give a new or empty directory as --out (nothing was removed)`,
    );
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
  const removed = clearRun(dir, ours);
  if (removed.length > 0) opts.onRemoved?.(removed);
  return "new";
}
