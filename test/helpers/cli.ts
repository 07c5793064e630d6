import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** One cache directory for every CLI run of a test process: never the user's ~/.cache/initdrift. */
const PRIVATE_CACHE = mkdtempSync(join(tmpdir(), "initdrift-cache-"));

/** The environment of a CLI child: this process's, with the private cache. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, XDG_CACHE_HOME: PRIVATE_CACHE, ...extra };
}

/** Runs the built CLI (npm test builds it first) with a private cache directory (XDG_CACHE_HOME) unless `env` names one. */
export function initdrift(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: timeoutMs, env: cliEnv(env) });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `initdrift train` on a fixture data directory (the machine's datasets left out) into `out`, quietly and without a report. */
export function trainOnFixture(data: string, out: string, args: string[]): CliResult {
  return initdrift(["train", "--data-dir", data, "--no-system-data", ...args, "--out", out, "--quiet", "--no-report"]);
}
