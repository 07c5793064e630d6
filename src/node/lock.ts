import { hostname } from "node:os";
import { join } from "node:path";
import { closeSync, openSync, readFileSync, rmSync, statSync, utimesSync, writeSync } from "node:fs";
import { UserError } from "../errors.js";

/**
 * One writer per run directory: an advisory lock file, `.lock`, holding the
 * writer's pid and host. A second writer (train, a sweep worker, report,
 * analyze --reanalyze, a resume) refuses in one line. A lock left by a
 * process that died is taken over: on the same host when its pid is gone; on
 * another host (a cluster's shared file system) when it has not been touched
 * for STALE_SECONDS, since its holder refreshes it every HEARTBEAT_SECONDS.
 * Locks are released when the process exits.
 */
export const LOCK_FILE = ".lock";
export const HEARTBEAT_SECONDS = 30;
export const STALE_SECONDS = 600;

interface LockInfo {
  pid: number;
  host: string;
  since: string;
}

const held = new Set<string>();
let heartbeat: ReturnType<typeof setInterval> | undefined;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readLock(path: string): LockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(path, "utf8")) as LockInfo;
    return typeof info.pid === "number" && typeof info.host === "string" ? info : undefined;
  } catch {
    return undefined; // unreadable or half-written: treated as stale below
  }
}

function releaseAll(): void {
  for (const path of held) {
    const info = readLock(path);
    if (info?.pid === process.pid && info.host === hostname()) rmSync(path, { force: true });
  }
  held.clear();
}

/** Takes the lock of a run directory (which must exist), or throws UserError naming its holder. Idempotent within a process. */
export function lockRunDirectory(dir: string): void {
  const path = join(dir, LOCK_FILE);
  if (held.has(path)) return;
  const me: LockInfo = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      held.add(path);
      if (!heartbeat) {
        heartbeat = setInterval(() => {
          const now = new Date();
          for (const p of held) utimesSync(p, now, now);
        }, HEARTBEAT_SECONDS * 1000);
        heartbeat.unref();
        process.once("exit", releaseAll);
      }
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const other = readLock(path);
    const ageSeconds = (Date.now() - statSync(path).mtimeMs) / 1000;
    const stale = !other || (other.host === me.host ? !alive(other.pid) : ageSeconds > STALE_SECONDS);
    if (!stale) {
      throw new UserError(`${dir} is being written by process ${other!.pid} on ${other!.host} (since ${other!.since}); wait for it, or stop it first`);
    }
    rmSync(path, { force: true }); // a dead writer's lock: take it over (the exclusive create decides between two takers)
  }
  throw new UserError(`${dir}: could not take its lock (${path}); another process keeps taking it`);
}
