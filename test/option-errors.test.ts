/** Options a user can get wrong are user errors: one line naming the option, a non-zero exit, never "internal error". */
import { describe, expect, it } from "vitest";
import { initdrift } from "./helpers/cli.js";

describe("names that are also properties of every JavaScript object are plain unknown names", () => {
  it.each([
    ["train", "--dataset", "constructor", "--epochs", "1"],
    ["sweep", "--datasets", "__proto__", "--widths", "8", "--epochs", "1"],
    ["reproduce", "--datasets", "toString", "--dry-run"],
    ["data", "fetch", "constructor"],
    ["data", "import", "__proto__", "."],
  ])("%s %s %s", (...args) => {
    const r = initdrift([...args]);
    expect(r.status).not.toBe(0);
    expect(r.status).not.toBe(70);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/unknown dataset '(constructor|__proto__|toString)'/);
  });
});

describe("studies too large to plan or to fit are refused before planning", () => {
  const quick = (extra: string[]) => initdrift(["reproduce", "--dry-run", "--datasets", "mnist", "--out", "/nonexistent/never-written", ...extra], {}, 20_000);

  it("a million seeds: refused in one line at once, not planned for minutes", () => {
    const r = quick(["--runs", "1000000"]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^initdrift: the study has 3,000,000 jobs .*at most 10,000 in one study$/);
  });

  it("a width whose network cannot fit this machine's memory: refused, naming the width and the sizes", () => {
    const r = quick(["--widths", "1000000"]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^initdrift: width 1000000 on mnist: a network of 1\.00e\+12 parameters needs about \d+ GiB; this machine has \d+ GiB$/);
  });

  it("more threads than cores are capped at the cores, and it says so", () => {
    const r = quick(["--runs", "3", "--widths", "8", "--epochs", "1", "--threads", "1000"]);
    expect(r.stderr).toMatch(/--threads 1000 is more than the \d+ cores here; using \d+/);
  });
});

it("an IDX test set of 0 images is a user error naming the file, not a diverged run", async () => {
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { makeDataset, writeIdxDataset } = await import("./helpers/data.js");
  const dir = mkdtempSync(join(tmpdir(), "initdrift-empty-"));
  writeIdxDataset(join(dir, "mnist"), makeDataset({ train: 50, test: 0, side: 28, classes: 10 }));
  const r = initdrift(["train", "--data-dir", dir, "--no-system-data", "--width", "8", "--epochs", "1", "--out", join(dir, "run")]);
  expect(r.status).toBe(1);
  expect(r.stderr.trim()).toMatch(/^initdrift: .*t10k-images-idx3-ubyte.*: holds 0 images; a training or test set needs at least one$/);
});
