/**
 * The defects an adversarial pass found, one test per class: each answers
 * in one line (or works) and loses nothing the user made.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeIdx, makeDataset, writeIdxDataset } from "./helpers/data.js";
import { type CliResult, initdrift } from "./helpers/cli.js";
import { nodePlatform } from "../src/node/platform.js";
import { loadKernels } from "../src/node/wasm.js";
import { executeRun } from "../src/run/session.js";
import { withDefaults } from "../src/train/config.js";

const tmp = () => mkdtempSync(join(tmpdir(), "initdrift-hostile-"));
const data = tmp();
writeIdxDataset(join(data, "mnist"), makeDataset({ train: 300, test: 60, side: 28, classes: 10 }));
const quick = (out: string, extra: string[] = []) =>
  initdrift(["train", "--data-dir", data, "--no-system-data", "--width", "8", "--epochs", "2", "--out", out, "--quiet", "--no-report", ...extra]);
const oneLine = (r: CliResult, message: RegExp) => {
  expect(r.status).not.toBe(0);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(message);
};

describe("a run directory holds one run, and --force replaces it whole", () => {
  it("refuses another seed or configuration in a run's directory; --force clears every file of the old run", () => {
    const out = join(tmp(), "run");
    expect(quick(out, ["--snapshots", "0,1,2"]).status).toBe(0);
    oneLine(
      quick(out, ["--seed", "2"]),
      /holds a run of another configuration \(seed 1, widths 8x8, 2 epochs, config [0-9a-f]{12}\); choose another --out or pass --force/,
    );
    expect(quick(out, ["--seed", "2", "--force", "--snapshots", "0,2"]).status).toBe(0);
    expect(readdirSync(join(out, "snapshots")).sort()).toEqual(["e000000", "e000002"]);
    expect(JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")).seed).toBe(2);
  });

  it("refuses to train into a sweep's directory, or into a directory of someone's files, even with --force", () => {
    const sweep = tmp();
    expect(quick(join(sweep, "a-run")).status).toBe(0);
    oneLine(quick(sweep, ["--force"]), /holds run directories \(a sweep\?\), e\.g\. a-run; give a new or empty directory as --out/);
    const mine = tmp();
    writeFileSync(join(mine, "thesis.tex"), "precious");
    oneLine(quick(mine, ["--force"]), /holds files that are not a run's, e\.g\. thesis\.tex/);
    expect(readFileSync(join(mine, "thesis.tex"), "utf8")).toBe("precious");
  });

  it("a run killed before its first checkpoint starts over without the old run's snapshots", () => {
    const out = join(tmp(), "run");
    expect(quick(out, ["--snapshots", "0,1,2"]).status).toBe(0);
    const manifest = join(out, "manifest.json");
    writeFileSync(manifest, readFileSync(manifest, "utf8").replace('"status": "completed"', '"status": "running"'));
    expect(quick(out, ["--snapshots", "0,2"]).status).toBe(0);
    expect(readdirSync(join(out, "snapshots")).sort()).toEqual(["e000000", "e000002"]);
  });

  it("a checkpoint whose metrics rows are gone is refused in one line, not resumed", () => {
    const out = join(tmp(), "run");
    expect(quick(out, ["--epochs", "4", "--checkpoint-every", "1"]).status).toBe(0);
    const manifest = join(out, "manifest.json");
    writeFileSync(manifest, readFileSync(manifest, "utf8").replace('"status": "completed"', '"status": "interrupted"'));
    const metrics = join(out, "metrics.jsonl");
    writeFileSync(metrics, readFileSync(metrics, "utf8").split("\n").slice(0, 2).join("\n") + "\n");
    oneLine(
      quick(out, ["--epochs", "4"]),
      /the checkpoint is at epoch 3, but metrics\.jsonl holds 2 of its rows 0\.\.3; the run is damaged: use --force to start over/,
    );
  });

  it("a damaged field of a run file is named in one line", () => {
    const out = join(tmp(), "run");
    expect(quick(out).status).toBe(0);
    const metrics = join(out, "metrics.jsonl");
    writeFileSync(metrics, readFileSync(metrics, "utf8").replace(/"rmsd_by_layer":\[[^\]]*\]/, '"rmsd_by_layer":"x"'));
    oneLine(initdrift(["report", out]), /metrics\.jsonl: line 1: field rmsd_by_layer: expected an array, got "x"/);
  });
});

describe("inputs are bounded before they are read", () => {
  it("an IDX 'file' that is a FIFO or /dev/zero is refused at once", () => {
    const dir = join(tmp(), "mnist");
    writeIdxDataset(dir, makeDataset({ train: 50, test: 10, side: 28, classes: 10 }));
    execFileSync("rm", [join(dir, "train-images-idx3-ubyte")]);
    execFileSync("mkfifo", [join(dir, "train-images-idx3-ubyte")]);
    const args = ["train", "--data-dir", join(dir, ".."), "--no-system-data", "--width", "8", "--out", join(tmp(), "r"), "--quiet"];
    oneLine(initdrift(args, {}, 10_000), /train-images-idx3-ubyte: not a regular file/);
    execFileSync("rm", [join(dir, "train-images-idx3-ubyte")]);
    symlinkSync("/dev/zero", join(dir, "train-images-idx3-ubyte"));
    oneLine(initdrift(args, {}, 10_000), /train-images-idx3-ubyte: not a regular file/);
  });

  it("a small gzip that expands past the catalogue's size is refused, not read whole", () => {
    const dir = join(tmp(), "mnist");
    writeIdxDataset(dir, makeDataset({ train: 50, test: 10, side: 28, classes: 10 }));
    // 64 MB of zeros behind an IDX header claiming 80,000 images: about 60 KB on disk.
    const bomb = encodeIdx([80_000, 28, 28], new Uint8Array(80_000 * 784));
    writeFileSync(join(dir, "train-images-idx3-ubyte.gz"), gzipSync(bomb, { level: 9 }));
    execFileSync("rm", [join(dir, "train-images-idx3-ubyte")]);
    const r = initdrift(["train", "--data-dir", join(dir, ".."), "--no-system-data", "--width", "8", "--out", join(tmp(), "r"), "--quiet"], {}, 20_000);
    oneLine(r, /train-images-idx3-ubyte\.gz: gzip data expands past 47040016 bytes, more than this file may hold; refused/);
  });

  it("a stray label (200 in a ten-class set) is refused, not turned into 201 classes", () => {
    const ds = makeDataset({ train: 50, test: 10, side: 28, classes: 10 });
    ds.test.labels[3] = 200;
    const dir = join(tmp(), "set");
    writeIdxDataset(dir, ds);
    oneLine(
      initdrift(["train", "--dataset", `idx:${dir}`, "--width", "8", "--out", join(tmp(), "r"), "--quiet"]),
      /labels run up to 200, but no training sample has label 10; classes must be 0\.\.N-1/,
    );
  });

  it("a network or batch too big for wasm memory answers in one line", () => {
    oneLine(
      quick(join(tmp(), "r"), ["--width", "100000"]),
      /need \d+ MiB of WebAssembly memory, (past wasm32's 4096|more than this engine gives); use a smaller width or batch size/,
    );
  });
});

describe("sweep configs are checked like the command line", () => {
  it.each([
    [{ force: "false" }, /force: expected true or false, got "false"/],
    [{ epochs: true }, /epochs: expected a string, a number or a list of them, got true/],
    [{ widths: [{ a: 1 }] }, /widths: expected a string, a number or a list of them/],
    [[1, 2], /the sweep config must be a JSON object of options/],
  ])("%j", (config, message) => {
    const file = join(tmp(), "c.json");
    writeFileSync(file, JSON.stringify(config));
    oneLine(initdrift(["sweep", "--config", file, "--data-dir", data, "--no-system-data", "--out", join(tmp(), "s")]), message);
  });
});

describe("pack and report never follow a link out of the run", () => {
  let out: string;
  beforeAll(() => {
    out = join(tmp(), "run");
    expect(quick(out).status).toBe(0);
  });

  it("pack refuses a run file that is a link (it packed /etc/passwd that way)", () => {
    const linked = join(tmp(), "run");
    execFileSync("cp", ["-r", out, linked]);
    execFileSync("rm", [join(linked, "summary.json")]);
    symlinkSync("/etc/passwd", join(linked, "summary.json"));
    oneLine(
      initdrift(["pack", linked, "-o", join(tmp(), "p.tar.gz")]),
      /summary\.json: is a symbolic link; files of a run or package are read only as regular files/,
    );
  });

  it("report refuses to read snapshots through a snapshots/ that is a link", () => {
    const linked = join(tmp(), "run");
    execFileSync("cp", ["-r", out, linked]);
    const elsewhere = join(tmp(), "snapshots");
    execFileSync("mv", [join(linked, "snapshots"), elsewhere]);
    symlinkSync(elsewhere, join(linked, "snapshots"));
    oneLine(initdrift(["report", linked]), /snapshots: is a symbolic link; files of a run or package are read only as regular files/);
  });

  it("report refuses to write through a figures/ that is a link", () => {
    const elsewhere = tmp();
    const linked = join(tmp(), "run");
    execFileSync("cp", ["-r", out, linked]);
    symlinkSync(elsewhere, join(linked, "figures"));
    oneLine(initdrift(["report", linked]), /figures: is a symbolic link; refusing to write the report through it/);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it("a run name too long for ustar packs (pax header), and the package verifies", () => {
    const parent = tmp();
    const long = join(parent, `run-${"x".repeat(200)}`);
    mkdirSync(long);
    execFileSync("cp", ["-r", `${out}/.`, long]);
    const pkg = join(tmp(), "long.tar.gz");
    expect(initdrift(["pack", parent, "-o", pkg, "--quiet"]).status).toBe(0);
    expect(existsSync(pkg)).toBe(true);
    const r = initdrift(["verify", pkg, "--data-dir", data]);
    expect(r.stderr).toMatch(/1 reproduced by this build/);
    expect(r.status).toBe(0);
  });
});

describe("no run is left 'running' by an error mid-way", () => {
  it("a layer too small to fit (--widths 2,2: 4 weights) trains to the end, its statistics null", () => {
    const out = join(tmp(), "run");
    const r = quick(out, ["--widths", "2,2"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const w2 = readFileSync(join(out, "analysis.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .find((a) => a.layer === "W2");
    expect(w2.c_opt).toBeNull();
    expect(w2.a1).toBeNull();
  });

  it("an error after the run started leaves its manifest 'failed', with the message", async () => {
    const files = new Map<string, string>();
    let appends = 0;
    const sink = {
      write: (name: string, data: string | Uint8Array) => void files.set(name, typeof data === "string" ? data : "bytes"),
      append: (name: string, data: string) => {
        if (++appends === 3) throw new Error("the disk went away");
        files.set(name, (files.get(name) ?? "") + data);
      },
    };
    const run = executeRun({
      config: withDefaults({ dataset: "fixture", hiddenWidths: [8, 8], epochs: 3 }),
      execution: { sparseInput: "auto" },
      dataset: makeDataset({ train: 100, test: 20 }),
      kernels: loadKernels(),
      platform: nodePlatform(),
      sink,
    });
    await expect(run).rejects.toThrow("the disk went away");
    const manifest = JSON.parse(files.get("manifest.json")!);
    expect(manifest.status).toBe("failed");
    expect(manifest.message).toBe("the disk went away");
  });
});
