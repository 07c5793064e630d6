import { beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeDataset, writeIdxDataset } from "./helpers/data.js";
import { CLI, type CliResult, cliEnv, initdrift } from "./helpers/cli.js";

const tmp = () => mkdtempSync(join(tmpdir(), "initdrift-sweep-"));
const data = tmp();
writeIdxDataset(join(data, "mnist"), makeDataset({ train: 500, test: 100, side: 28, classes: 10 }));
const base = [
  "sweep",
  "--data-dir",
  data,
  "--no-system-data",
  "--widths",
  "8,16",
  "--runs",
  "2",
  "--epochs",
  "2",
  "--snapshots",
  "none",
  "--threads",
  "1",
  "--quiet",
];
const groups = (dir: string) => JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")).groups;
const runDirs = (dir: string) =>
  readdirSync(dir)
    .filter((d) => d.startsWith("mnist-"))
    .sort();

function run(args: string[], env: Record<string, string> = {}): Promise<number | null> {
  return new Promise((resolve) => {
    // The private cache of every CLI test (cliEnv), never the user's ~/.cache/initdrift.
    spawn(process.execPath, [CLI, ...args], { stdio: "ignore", env: cliEnv(env) }).on("exit", (code) => resolve(code));
  });
}

describe("initdrift sweep on idx:DIR and bad batches", () => {
  it("sweeps any IDX set named idx:DIR (was an internal error)", () => {
    const dir = join(tmp(), "set");
    writeIdxDataset(dir, makeDataset({ train: 300, test: 60, side: 28, classes: 10 }));
    const out = tmp();
    const r = initdrift(["sweep", "--datasets", `idx:${dir}`, "--widths", "8", "--runs", "1", "--epochs", "1", "--out", out, "--quiet", "--no-report"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(readdirSync(out).filter((d) => statSync(join(out, d)).isDirectory())).toHaveLength(1);
  });

  it("a width or initialiser named twice, an empty entry or an unknown initialiser is refused in one line (two workers would share a run directory)", () => {
    for (const [args, message] of [
      [["--widths", "2,2"], /--widths names 2 twice/],
      [["--widths", "16,,16"], /an entry of '16,,16' is empty/],
      [["--widths", "8", "--inits", "hessian,he-normal,hessian"], /--inits names hessian twice/],
      [["--widths", "8", "--inits", "he-normal,kaiming"], /expected initialisers from glorot-uniform, .*, hessian, got 'he-normal,kaiming'/],
    ] as const) {
      const r = initdrift(["sweep", "--data-dir", data, "--no-system-data", ...args, "--runs", "1", "--out", join(tmp(), "w"), "--quiet"]);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });

  it("--no-partial-batch with fewer samples than a batch says so in one line instead of a false 'diverged'", () => {
    const r = initdrift([
      "train",
      "--data-dir",
      data,
      "--no-system-data",
      "--width",
      "8",
      "--train-limit",
      "100",
      "--no-partial-batch",
      "--out",
      join(tmp(), "r"),
      "--quiet",
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toEqual(["initdrift: --no-partial-batch with 100 training samples and batch size 128 leaves no batch to train on"]);
  });
});

describe("initdrift sweep", () => {
  const whole = tmp();
  let wholeRun: CliResult;
  beforeAll(() => {
    wholeRun = initdrift([...base, "--out", whole]);
  });

  it("runs every dataset x width x seed job into its own directory and writes the summary", () => {
    expect(wholeRun.stderr).toBe("");
    expect(wholeRun.status).toBe(0);
    expect(runDirs(whole).map((d) => d.replace(/-[0-9a-f]{8}$/, ""))).toEqual(["mnist-w16x16-s1", "mnist-w16x16-s2", "mnist-w8x8-s1", "mnist-w8x8-s2"]);
    expect(groups(whole).map((g: { hidden_widths: number[]; runs: number }) => [g.hidden_widths[0], g.runs])).toEqual([
      [8, 2],
      [16, 2],
    ]);
  });

  it("two shards run as two processes merge into the same summary as the unsharded sweep", async () => {
    const a = tmp(),
      b = tmp(),
      merged = tmp();
    const codes = await Promise.all([
      run([...base, "--out", a], { SLURM_ARRAY_TASK_ID: "0", SLURM_ARRAY_TASK_COUNT: "2" }),
      run([...base, "--out", b, "--shard", "1/2"]),
    ]);
    expect(codes).toEqual([0, 0]);
    expect(runDirs(a)).toHaveLength(2);
    expect(runDirs(b)).toHaveLength(2);
    expect(initdrift(["analyze", a, b, "--out", merged, "--quiet"]).status).toBe(0);
    expect(groups(merged)).toEqual(groups(whole));
  });

  it("skips finished jobs when run again (a retried shard is idempotent)", () => {
    const before = runDirs(whole).map((d) => statSync(join(whole, d, "manifest.json")).mtimeMs);
    const again = initdrift([...base.filter((x) => x !== "--quiet"), "--out", whole, "--no-analyze"]);
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/4 jobs already finished, skipped/);
    expect(runDirs(whole).map((d) => statSync(join(whole, d, "manifest.json")).mtimeMs)).toEqual(before);
  });

  it("takes a JSON config file, with the command line winning", () => {
    const out = tmp();
    const config = join(tmp(), "sweep.json");
    writeFileSync(config, JSON.stringify({ widths: [8, 16, 32], runs: 1, epochs: 1, lr: 0.05 }));
    const r = initdrift(["sweep", "--data-dir", data, "--no-system-data", "--config", config, "--widths", "8", "--snapshots", "none", "--quiet", "--out", out]);
    expect(r.status).toBe(0);
    const dirs = runDirs(out);
    expect(dirs).toHaveLength(1);
    const m = JSON.parse(readFileSync(join(out, dirs[0]!, "manifest.json"), "utf8"));
    expect(m.config).toMatchObject({ hiddenWidths: [8, 8], epochs: 1, learningRate: 0.05 });
  });

  it("refuses unknown config keys and bad values in one line", () => {
    const config = join(tmp(), "bad.json");
    writeFileSync(config, JSON.stringify({ widths: [8], lrate: 0.1 }));
    const r = initdrift(["sweep", "--config", config, "--out", tmp()]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/unknown key 'lrate'/);
    writeFileSync(config, JSON.stringify({ epochs: -3 }));
    const bad = initdrift(["sweep", "--config", config, "--out", tmp()]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/expected a non-negative integer, got '-3'/);
    expect(initdrift(["sweep", "--datasets", "cifar", "--out", tmp()]).stderr).toMatch(/unknown dataset 'cifar'/);
  });
});
