/**
 * A reader that closes standard output (`initdrift train --json | head -1`)
 * ends the command quietly: no stack trace, and the run it was training is
 * checkpointed and marked interrupted, never left "running".
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { CLI, cliEnv } from "./helpers/cli.js";
import { makeDataset, writeIdxDataset } from "./helpers/data.js";

const tmp = () => mkdtempSync(join(tmpdir(), "initdrift-closed-"));

/** Runs the CLI, reads its first stdout line, then closes the pipe as `head -1` does; resolves with its exit and stderr. */
function firstLineThenClose(args: string[]): Promise<{ code: number | null; stderr: string; first: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: cliEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let out = "",
      err = "",
      first = "";
    child.stderr.on("data", (d) => (err += d));
    child.stdout.on("data", (d) => {
      out += d;
      if (!first && out.includes("\n")) {
        first = out.split("\n")[0]!;
        child.stdout.destroy();
      }
    });
    child.on("close", (code) => resolve({ code, stderr: err, first }));
  });
}

it("train --json | head -1: no stack trace, and the run is checkpointed as interrupted", async () => {
  const data = tmp();
  writeIdxDataset(join(data, "mnist"), makeDataset({ train: 200, test: 40, side: 28, classes: 10 }));
  const out = join(tmp(), "run");
  const r = await firstLineThenClose([
    "train",
    "--data-dir",
    data,
    "--no-system-data",
    "--width",
    "8",
    "--epochs",
    "3000",
    "--json",
    "--out",
    out,
    "--no-report",
  ]);
  expect(JSON.parse(r.first).epoch).toBe(0);
  expect(r.stderr).not.toMatch(/Unhandled|EPIPE|internal error|at .*\.js:\d+/);
  const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
  expect(manifest.status).toBe("interrupted");
  expect(manifest.epochs_completed).toBeLessThan(3000);
  expect(existsSync(join(out, "checkpoint", "state.json"))).toBe(true);
}, 60_000);

it("Ctrl-C reaches a single run between epochs: it stops, checkpoints and says interrupted (exit 130)", async () => {
  const data = tmp();
  writeIdxDataset(join(data, "mnist"), makeDataset({ train: 200, test: 40, side: 28, classes: 10 }));
  const out = join(tmp(), "run");
  const child = spawn(
    process.execPath,
    [CLI, "train", "--data-dir", data, "--no-system-data", "--width", "8", "--epochs", "20000", "--out", out, "--no-report", "--quiet"],
    {
      env: cliEnv(),
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  await new Promise((r) => setTimeout(r, 2500));
  child.kill("SIGINT");
  const code = await new Promise((resolve) => child.on("close", resolve));
  expect(code).toBe(130);
  const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
  expect(manifest.status).toBe("interrupted");
  expect(existsSync(join(out, "checkpoint", "state.json"))).toBe(true);
}, 60_000);
