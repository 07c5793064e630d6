import { beforeAll, describe, expect, it } from "vitest";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeNpy, encodeNpy } from "../src/codec/npy.js";
import { makeDataset, writeIdxDataset } from "./helpers/data.js";
import { initdrift, trainOnFixture } from "./helpers/cli.js";

const tmp = () => mkdtempSync(join(tmpdir(), "initdrift-analyze-"));
const data = tmp();
writeIdxDataset(join(data, "mnist"), makeDataset({ train: 600, test: 100, side: 28, classes: 10 }));
const sweep = tmp();
let runs: string[] = [];
// The shared sweep is trained once, before the tests, not while they are collected.
beforeAll(() => {
  for (const width of ["12", "20"]) {
    const r = initdrift([
      "train",
      "--data-dir",
      data,
      "--no-system-data",
      "--width",
      width,
      "--epochs",
      "4",
      "--runs",
      "2",
      "--threads",
      "2",
      "--snapshots",
      "0,2",
      "--out",
      sweep,
      "--quiet",
    ]);
    if (r.status !== 0) throw new Error(r.stderr);
  }
  runs = readdirSync(sweep)
    .filter((d) => d.startsWith("mnist-"))
    .sort();
});

const json = (path: string) => JSON.parse(readFileSync(path, "utf8"));
const jsonl = (path: string) =>
  readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

describe("run files from training", () => {
  it("snapshots every layer at 0, the listed epochs and the last, as .npy with the layer's shape", () => {
    const dir = join(sweep, runs[0]!);
    expect(readdirSync(join(dir, "snapshots")).sort()).toEqual(["e000000", "e000002", "e000004"]);
    expect(readdirSync(join(dir, "snapshots", "e000004")).sort()).toEqual(["W1.npy", "W2.npy", "W3.npy", "b1.npy", "b2.npy", "b3.npy"]);
    expect(decodeNpy(readFileSync(join(dir, "snapshots", "e000000", "W2.npy")), "W2").shape).toEqual([12, 12]);
  });

  it("writes analysis.jsonl: one line per layer per analysed epoch, with every statistic", () => {
    const lines = jsonl(join(sweep, runs[0]!, "analysis.jsonl"));
    expect(lines.map((l) => `${l.epoch}:${l.layer}`)).toEqual(["0:W1", "0:W2", "0:W3", "2:W1", "2:W2", "2:W3", "4:W1", "4:W2", "4:W3"]);
    for (const key of ["rmsd", "a0", "a1", "b0", "b1", "b2", "c_opt", "bands", "hist2d"]) expect(lines[3]).toHaveProperty(key);
    expect(lines[0].rmsd).toBe(0);
    expect(lines[0].c_opt).toBeCloseTo(1, 3);
  });

  it("writes summary.json with the regimes", () => {
    const s = json(join(sweep, runs[0]!, "summary.json"));
    expect(s).toMatchObject({ dataset: "mnist", hidden_widths: [12, 12], status: "completed", epochs_completed: 4, t_div: null });
    expect(s.t_theta.map((t: { theta: number }) => t.theta)).toEqual([1, 0.1, 0.01, 0.001, 0.0001]);
    expect(s.last_analysis).toHaveLength(3);
  });
});

describe("initdrift analyze", () => {
  it("groups by widths and gives the mean and spread across seeds", () => {
    const r = initdrift(["analyze", sweep, "--quiet"]);
    expect(r.status).toBe(0);
    const summary = json(join(sweep, "summary.json"));
    expect(summary.groups.map((g: { hidden_widths: number[]; runs: number }) => [g.hidden_widths[0], g.runs])).toEqual([
      [12, 2],
      [20, 2],
    ]);
    const g = summary.groups[0];
    const perRun = runs.filter((d) => d.includes("-w12x12-")).map((d) => json(join(sweep, d, "summary.json")).min_test_loss as number);
    const mean = (perRun[0]! + perRun[1]!) / 2;
    expect(g.scalars.min_test_loss.mean).toBeCloseTo(mean, 12);
    expect(g.scalars.min_test_loss.std).toBeCloseTo(Math.abs(perRun[0]! - perRun[1]!) / Math.SQRT2, 12);
    expect(g.series.test_loss.map((p: { epoch: number }) => p.epoch)).toEqual([0, 1, 2, 3, 4]);
    expect(g.layers.W2.c_opt.map((p: { epoch: number; n: number }) => [p.epoch, p.n])).toEqual([
      [0, 2],
      [2, 2],
      [4, 2],
    ]);
    const csv = readFileSync(join(sweep, "summary.csv"), "utf8").split("\n");
    expect(csv[0]).toBe("dataset,hidden_widths,variant,quantity,layer,epoch,mean,std,n");
    expect(csv.some((l) => l.startsWith("mnist,20x20,,c_opt,W1,4,"))).toBe(true);
  });

  it("re-analysis from the snapshots reproduces the analysis made while training", () => {
    // On a copy whose analysis.jsonl is gone: the file compared is the one re-analysis wrote, not the one it found.
    const dir = join(tmp(), "copy");
    cpSync(join(sweep, runs[1]!), dir, { recursive: true });
    rmSync(join(dir, "analysis.jsonl"));
    expect(initdrift(["analyze", dir, "--reanalyze", "--out", tmp(), "--quiet"]).status).toBe(0);
    expect(readFileSync(join(dir, "analysis.jsonl"), "utf8")).toBe(readFileSync(join(sweep, runs[1]!, "analysis.jsonl"), "utf8"));
  });

  it("re-analysis reproduces analysis.jsonl byte for byte with the Hessian fields and ten layers in layout order", () => {
    const dir = join(tmp(), "deep");
    // Ten hidden layers: W10 and W11 sort before W2 as strings, not in the layout.
    const widths = ["--widths", "8,8,8,8,8,8,8,8,8,8"];
    const r = trainOnFixture(data, dir, [...widths, "--epochs", "2", "--hessian", "--hessian-samples", "64"]);
    expect(r.status, r.stderr).toBe(0);
    const before = readFileSync(join(dir, "analysis.jsonl"), "utf8");
    expect(before).toMatch(/"hessian_top":/);
    expect(initdrift(["analyze", dir, "--reanalyze", "--out", tmp(), "--quiet"]).status).toBe(0);
    expect(readFileSync(join(dir, "analysis.jsonl"), "utf8")).toBe(before);
  });

  it("merges several directories (shard outputs) into one summary", () => {
    const out = tmp();
    const dirs = runs.map((d) => join(sweep, d));
    expect(initdrift(["analyze", ...dirs, "--out", out, "--quiet"]).status).toBe(0);
    expect(json(join(out, "summary.json")).runs).toBe(4);
    expect(existsSync(join(out, "summary.csv"))).toBe(true);
  });

  it("says so in one line when there is nothing to analyse", () => {
    const r = initdrift(["analyze", tmp()]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/no run directories/);
  });
});

describe("analyze never overwrites a run's own files, and counts a run once", () => {
  const data = tmp();
  writeIdxDataset(join(data, "mnist"), makeDataset({ train: 300, test: 50, side: 28, classes: 10 }));
  const run = join(tmp(), "run");
  beforeAll(() => {
    initdrift(["train", "--data-dir", data, "--no-system-data", "--width", "8", "--epochs", "1", "--out", run, "--quiet", "--no-report"]);
  });

  it("analyze RUN_DIR prints the table and leaves the run's summary.json as it was", () => {
    const before = readFileSync(join(run, "summary.json"), "utf8");
    const r = initdrift(["analyze", run]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/not written: .* is a run directory/);
    expect(readFileSync(join(run, "summary.json"), "utf8")).toBe(before);
  });

  it("--out into a run directory is refused in one line", () => {
    const r = initdrift(["analyze", run, "--out", run]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/is a run directory: its summary.json is the run's own/);
  });

  it("the same run named twice (and through its parent) counts once", () => {
    const out = tmp();
    expect(initdrift(["analyze", run, `${run}/`, join(run, ".."), "--out", out, "--quiet"]).status).toBe(0);
    expect(json(join(out, "summary.json")).runs).toBe(1);
  });
});

describe("analyze tells a divergence from a spike that comes back (the paper's divergence stays up)", () => {
  const data = tmp();
  writeIdxDataset(join(data, "mnist"), makeDataset({ train: 300, test: 50, side: 28, classes: 10 }));
  const real = join(tmp(), "real");
  beforeAll(() => {
    const r = trainOnFixture(data, real, ["--width", "8", "--epochs", "100", "--snapshots", "0,100"]);
    if (r.status !== 0) throw new Error(r.stderr);
  });

  /** A copy of the real run whose train loss is 3.0 over [from, to). */
  function edited(from: number, to: number): string {
    const copy = join(tmp(), "copy");
    cpSync(real, copy, { recursive: true });
    const path = join(copy, "metrics.jsonl");
    const rows = readFileSync(path, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    for (const row of rows) if (row.epoch >= from && row.epoch < to) row.train_loss = 3.0;
    writeFileSync(path, `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`);
    return copy;
  }
  const group = (dir: string) => {
    const out = tmp();
    const r = initdrift(["analyze", dir, "--out", out]);
    expect(r.status, r.stderr).toBe(0);
    return { g: json(join(out, "summary.json")).groups[0], stderr: r.stderr, csv: readFileSync(join(out, "summary.csv"), "utf8") };
  };

  it("a loss at 3.0 for epochs 20-26 only is an excursion, never a divergence", () => {
    const { g, csv } = group(edited(20, 27));
    expect(g.scalars.t_div.n).toBe(0);
    expect(g.excursions).toHaveLength(1);
    expect(g.excursions[0]).toMatchObject({ onset: 20, end: 27, length: 7, peak_loss: 3 });
    expect(csv).toMatch(/excursion_length_seed_1,,20,7,/);
  });

  it("a loss that jumps to 3.0 at epoch 20 and stays there is a divergence at 20", () => {
    const { g, stderr } = group(edited(20, 101));
    expect(g.scalars.t_div).toMatchObject({ mean: 20, n: 1 });
    expect(g.excursions).toHaveLength(0);
    expect(stderr).toMatch(/1\/1/);
  });

  it("the same jump at epoch 80, too close to the end to tell, is censored, not a divergence", () => {
    const { g } = group(edited(80, 101));
    expect(g.scalars.t_div.n).toBe(0);
    expect(g.scalars.t_div_censored).toMatchObject({ mean: 80, n: 1 });
  });
});

describe("analyze says what it mixes", () => {
  const data = tmp();
  writeIdxDataset(join(data, "mnist"), makeDataset({ train: 200, test: 40, side: 28, classes: 10 }));
  const train = (out: string, epochs: string, seed = "1") =>
    initdrift(["train", "--data-dir", data, "--no-system-data", "--width", "8", "--epochs", epochs, "--seed", seed, "--out", out, "--quiet", "--no-report"]);
  const root = tmp();
  beforeAll(() => {
    for (const [name, epochs, seed] of [
      ["short-1", "2", "1"],
      ["short-2", "2", "2"],
      ["long-1", "5", "1"],
    ] as const)
      expect(train(join(root, name), epochs, seed).status).toBe(0);
  });

  it("three copies of one run count once, and the copies are named", () => {
    const copies = tmp();
    for (const n of ["a", "b", "c"]) cpSync(join(root, "short-1"), join(copies, n), { recursive: true });
    const out = tmp();
    const r = initdrift(["analyze", copies, "--out", out]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/left out: 2 duplicate\(s\) of runs already counted \(same configuration and seed\): .*\/b, .*\/c/);
    const summary = json(join(out, "summary.json"));
    expect(summary.runs).toBe(1);
    expect(summary.groups[0].seeds).toEqual([1]);
    expect(summary.left_out.duplicates).toHaveLength(2);
  });

  it("an unfinished run is left out of the aggregates unless asked for, and the table says so", () => {
    const mixed = tmp();
    cpSync(join(root, "short-1"), join(mixed, "done"), { recursive: true });
    cpSync(join(root, "short-2"), join(mixed, "killed"), { recursive: true });
    const manifest = join(mixed, "killed", "manifest.json");
    writeFileSync(manifest, readFileSync(manifest, "utf8").replace('"status": "completed"', '"status": "running"'));
    const out = tmp();
    const r = initdrift(["analyze", mixed, "--out", out]);
    expect(r.stderr).toMatch(/left out: 1 unfinished run\(s\) \(--include-unfinished counts them\)/);
    expect(json(join(out, "summary.json")).groups[0].seeds).toEqual([1]);
    expect(initdrift(["analyze", mixed, "--out", out, "--include-unfinished", "--quiet"]).status).toBe(0);
    expect(json(join(out, "summary.json")).groups[0].seeds).toEqual([1, 2]);
  });

  it("runs of different lengths are different groups, and the label says which length", () => {
    const out = tmp();
    expect(initdrift(["analyze", root, "--out", out, "--quiet"]).status).toBe(0);
    const groups = json(join(out, "summary.json")).groups as { variant: string; runs: number }[];
    expect(groups.map((g) => [g.variant, g.runs]).sort()).toEqual([
      ["2 epochs", 2],
      ["5 epochs", 1],
    ]);
  });
});

describe("--reanalyze checks every snapshot against the run's layout", () => {
  const data = tmp();
  writeIdxDataset(join(data, "mnist"), makeDataset({ train: 200, test: 40, side: 28, classes: 10 }));
  const run = join(tmp(), "run");
  beforeAll(() => {
    const r = trainOnFixture(data, run, ["--width", "8", "--epochs", "2", "--snapshots", "0,2"]);
    if (r.status !== 0) throw new Error(r.stderr);
  });
  const copyWith = (epoch: string, layer: string, replace: (a: { shape: number[]; data: Float32Array }) => Uint8Array): string => {
    const copy = join(tmp(), "copy");
    cpSync(run, copy, { recursive: true });
    const path = join(copy, "snapshots", epoch, `${layer}.npy`);
    writeFileSync(path, replace(decodeNpy(readFileSync(path), layer)));
    return copy;
  };

  it("a kernel saved transposed is refused in one line naming both shapes, and analysis.jsonl is left as it was", () => {
    const copy = copyWith("e000002", "W1", (a) => encodeNpy(a.data, [a.shape[1]!, a.shape[0]!]));
    const before = readFileSync(join(copy, "analysis.jsonl"), "utf8");
    const r = initdrift(["analyze", copy, "--reanalyze", "--out", tmp()]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/W1\.npy: shape \[8, 784\], but the run's layout gives W1 the shape \[784, 8\]$/);
    expect(readFileSync(join(copy, "analysis.jsonl"), "utf8")).toBe(before);
  });

  it("non-finite initial weights are refused: there is no start to measure drift from", () => {
    const copy = copyWith("e000000", "W2", (a) =>
      encodeNpy(
        a.data.map((v, i) => (i === 3 ? Number.NaN : v)),
        a.shape,
      ),
    );
    const r = initdrift(["analyze", copy, "--reanalyze", "--out", tmp()]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/W2\.npy: non-finite initial values/);
  });
});
