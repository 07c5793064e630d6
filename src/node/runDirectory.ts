import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.js";
import { lockRunDirectory } from "./lock.js";
import type { Manifest } from "../run/manifest.js";
import type { RunSink } from "../run/session.js";
import { writeFileAtomic, makeDirectories } from "./files.js";

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
}

/** The manifest of a run directory, or undefined when there is none. */
export function readManifest(dir: string): Manifest | undefined {
  const path = join(dir, "manifest.json");
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Manifest;
  } catch (e) {
    throw new UserError(`${path}: not a readable manifest (${(e as Error).message})`);
  }
}

/**
 * Decides what to do with a run directory: start a new run, or continue an
 * unfinished one (status running or interrupted: killed or stopped). A
 * finished run (completed, diverged) is never overwritten without --force;
 * --force starts over and clears the old run's snapshots and checkpoint.
 */
export function prepareRunDirectory(dir: string, opts: { force: boolean; resume: boolean }): "new" | "resume" {
  // The lock first: two writers must not both decide to start (or clear) the same directory.
  try {
    makeDirectories(dir);
  } catch (e) {
    throw new UserError(`cannot create run directory ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  lockRunDirectory(dir);
  const existing = readManifest(dir);
  if (existing && !opts.force) {
    const unfinished = existing.status === "running" || existing.status === "interrupted";
    if (!unfinished) throw new UserError(`${dir} already holds a run (status ${existing.status}); choose another --out or pass --force to replace it`);
    if (!opts.resume)
      throw new UserError(`${dir} holds an unfinished run (status ${existing.status}); drop --no-resume to continue it, or pass --force to start over`);
    return "resume";
  }
  try {
    if (existing) for (const sub of ["checkpoint", "snapshots"]) rmSync(join(dir, sub), { recursive: true, force: true });
  } catch (e) {
    throw new UserError(`cannot create run directory ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return "new";
}
