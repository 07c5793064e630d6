import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.js";
import type { Manifest } from "../run/manifest.js";
import type { RunSink } from "../run/session.js";
import { writeFileAtomic } from "./files.js";

/** A run directory on disk; every file is replaced atomically. */
export class DirectorySink implements RunSink {
  constructor(readonly dir: string) {}

  write(name: string, data: string | Uint8Array): void {
    const path = join(this.dir, name);
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileAtomic(path, data);
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

/** Creates a run directory, refusing to overwrite a run unless forced. */
export function prepareRunDirectory(dir: string, force: boolean): void {
  const existing = readManifest(dir);
  if (existing && !force) {
    throw new UserError(`${dir} already holds a run (status ${existing.status}); choose another --out or pass --force to replace it`);
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UserError(`cannot create run directory ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
