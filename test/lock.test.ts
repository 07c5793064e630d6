import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { CLI, cliEnv, initdrift } from "./helpers/cli.js";

/**
 * One writer per run directory: a second train, a report or a re-analysis
 * of a directory another live process is writing is refused in one line,
 * and the files stay the first writer's; a lock left by a dead process is
 * taken over.
 */
const tmp = () => mkdtempSync(join(tmpdir(), "initdrift-lock-"));
// Real MNIST, big enough that the first run is still training when the second starts.
const long = ["train", "--width", "256", "--epochs", "40", "--train-limit", "6000", "--test-limit", "200", "--snapshots", "none", "--no-report", "--quiet"];
const small = ["train", "--width", "8", "--epochs", "1", "--train-limit", "300", "--test-limit", "50", "--no-report", "--quiet"];
const oneLine = (r: { status: number | null; stderr: string }, pattern: RegExp) => {
  expect(r.status).not.toBe(0);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
};

describe("one writer per run directory", () => {
  it("a second writer is refused in one line while the first runs, and the first's files are whole", async () => {
    const out = join(tmp(), "run");
    const first = spawn(process.execPath, [CLI, ...long, "--seed", "1", "--out", out], { stdio: "ignore", env: cliEnv() });
    const done = new Promise<number | null>((r) => first.on("exit", r));
    for (let i = 0; i < 200 && !existsSync(join(out, "manifest.json")); i++) await new Promise((r) => setTimeout(r, 100));
    oneLine(initdrift([...long, "--seed", "2", "--out", out]), /is being written by process \d+ on /);
    oneLine(initdrift(["report", out]), /is being written by process/);
    oneLine(initdrift(["analyze", out, "--reanalyze", "--out", tmp()]), /is being written by process/);
    expect(await done).toBe(0);
    const m = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect([m.status, m.seed]).toEqual(["completed", 1]);
    expect(existsSync(join(out, ".lock"))).toBe(false);
  }, 120_000);

  it("a lock left by a dead process on this host is taken over", () => {
    const out = join(tmp(), "run");
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, ".lock"), JSON.stringify({ pid: 2 ** 22 + 7, host: hostname(), since: "2026-01-01T00:00:00Z" }));
    const r = initdrift([...small, "--out", out]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("another host's lock is honoured while fresh and taken over once stale", () => {
    const out = join(tmp(), "run");
    mkdirSync(out, { recursive: true });
    const lock = join(out, ".lock");
    writeFileSync(lock, JSON.stringify({ pid: 1, host: "some-other-node", since: "2026-01-01T00:00:00Z" }));
    oneLine(initdrift([...small, "--out", out]), /is being written by process 1 on some-other-node/);
    const hourAgo = new Date(Date.now() - 3600_000);
    utimesSync(lock, hourAgo, hourAgo);
    expect(initdrift([...small, "--out", out]).status).toBe(0);
  });
});
