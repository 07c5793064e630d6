import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { CLI, cliEnv } from "./helpers/cli.js";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeDataset, writeIdxDataset } from "./helpers/data.js";
import { initdrift } from "./helpers/cli.js";

const tmp = () => mkdtempSync(join(tmpdir(), "initdrift-pool-"));
const data = tmp();
writeIdxDataset(join(data, "mnist"), makeDataset({ train: 600, test: 100, side: 28, classes: 10 }));
const base = ["train", "--data-dir", data, "--no-system-data", "--width", "24", "--epochs", "2", "--quiet"];
const hashOf = (dir: string) => JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")).final_params_sha256 as string;

describe("seeds on worker threads", () => {
  it("3 seeds on 2 threads give each seed's lone-run bits", () => {
    const pooled = tmp();
    expect(initdrift([...base, "--seed", "4", "--runs", "3", "--threads", "2", "--out", pooled]).status).toBe(0);
    // The parent also holds the runs' joint report (report.html, figures/).
    const dirs = readdirSync(pooled)
      .filter((d) => d.startsWith("mnist-"))
      .sort();
    expect(dirs).toHaveLength(3);
    for (const seed of [4, 5, 6]) {
      const lone = join(tmp(), "run");
      expect(initdrift([...base, "--seed", String(seed), "--out", lone]).status).toBe(0);
      const dir = dirs.find((d) => d.includes(`-s${seed}-`));
      expect(dir, `seed ${seed} directory`).toBeDefined();
      expect(hashOf(join(pooled, dir!))).toBe(hashOf(lone));
      const metrics = (d: string) =>
        readFileSync(join(d, "metrics.jsonl"), "utf8")
          .split("\n")
          .map((l) => l && JSON.parse(l))
          .filter(Boolean)
          .map((r) => r.train_loss);
      expect(metrics(join(pooled, dir!))).toEqual(metrics(lone));
    }
  });

  it("one thread or two make no difference to the bits", () => {
    const one = tmp(),
      two = tmp();
    expect(initdrift([...base, "--runs", "2", "--threads", "1", "--out", one]).status).toBe(0);
    expect(initdrift([...base, "--runs", "2", "--threads", "2", "--out", two]).status).toBe(0);
    const runs = readdirSync(one).filter((d) => d.startsWith("mnist-"));
    expect(runs).toHaveLength(2);
    for (const d of runs) expect(hashOf(join(two, d))).toBe(hashOf(join(one, d)));
  });
});

describe("workers started ahead of the dataset", () => {
  it("do not hold the process open when the dataset then fails to load", () => {
    // A worker left holding the event loop would hang: killed after 20 s, status null.
    const r = initdrift(["train", "--dataset", `idx:${join(tmp(), "absent")}`, "--runs", "4", "--threads", "2", "--out", tmp()], {}, 20_000);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no IDX set/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe("stopping a pool", () => {
  it("Ctrl-C reaches runs in the middle of their jobs: each stops after its current epoch", async () => {
    const out = tmp();
    const child = spawn(
      process.execPath,
      [CLI, ...base.filter((a) => a !== "--quiet").map((a) => (a === "2" ? "500" : a)), "--runs", "2", "--threads", "2", "--json", "--out", out],
      { env: cliEnv() },
    );
    let seen = 0;
    child.stdout.on("data", (d: Buffer) => {
      seen += (d.toString().match(/"epoch":[1-9]/g) ?? []).length;
      if (seen >= 2 && !child.killed) child.kill("SIGINT");
    });
    const code = await new Promise<number | null>((r) => child.on("exit", r));
    expect(code).not.toBe(0);
    const dirs = readdirSync(out).filter((d) => d.startsWith("mnist-"));
    expect(dirs).toHaveLength(2);
    for (const d of dirs) {
      const m = JSON.parse(readFileSync(join(out, d, "manifest.json"), "utf8"));
      expect(m.status).toBe("interrupted");
      expect(m.epochs_completed).toBeLessThan(500);
    }
  });
});

describe("--kernels fast", () => {
  it("trains with relaxed-SIMD FMA and records the mode in the manifest", () => {
    const out = join(tmp(), "fast");
    expect(initdrift([...base, "--kernels", "fast", "--out", out]).status).toBe(0);
    const m = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(m.kernels.mode).toBe("fast");
    expect(m.kernels.file).toBe("initdrift.fast.wasm");
    expect(m.status).toBe("completed");
  });
});
