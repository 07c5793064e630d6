import { describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { reportOfRunFiles, snapshotEpochsOf } from "../src/report/runFiles.js";
import { initdrift } from "./helpers/cli.js";
import { makeDataset, writeIdxDataset } from "./helpers/data.js";

/**
 * One report function for the CLI and the page: `initdrift report DIR` (files
 * on disk) and the page's path (the same files in memory, the snapshot
 * epochs found from their names) give the same report.html and figures.
 */
function filesUnder(dir: string, root = dir): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) for (const [k, v] of filesUnder(path, root)) out.set(k, v);
    else out.set(relative(root, path), readFileSync(path));
  }
  return out;
}

describe("the run report", () => {
  it("is the same from a directory (CLI) and from files in memory (page), Figure 1 and similarity figures included", async () => {
    const data = mkdtempSync(join(tmpdir(), "initdrift-run-report-"));
    writeIdxDataset(join(data, "mnist"), makeDataset({ train: 300, test: 60, side: 28, classes: 10 }));
    const dir = join(data, "run");
    const train = [
      "train",
      "--data-dir",
      data,
      "--no-system-data",
      "--width",
      "24",
      "--epochs",
      "3",
      "--mask",
      "a",
      "--snapshots",
      "0,1,2,3",
      "--out",
      dir,
      "--quiet",
    ];
    expect(initdrift(train).status).toBe(0);
    expect(initdrift(["report", dir, "--quiet"]).status).toBe(0);
    const files = filesUnder(dir);
    const page = await reportOfRunFiles((name) => files.get(name), "run", snapshotEpochsOf(files.keys()));
    expect(page).toBeDefined();
    expect(page!.report.html).toBe(readFileSync(join(dir, "report.html"), "utf8"));
    const names = page!.report.figures.map((f) => f.name);
    expect(names).toContain("fig1-mask");
    expect(names).toContain("similarity-W1");
    for (const f of page!.report.figures) expect(f.svg, f.name).toBe(readFileSync(join(dir, "figures", `${f.name}.svg`), "utf8"));
    expect(page!.pngs.map((p) => p.name)).toEqual(["W2-e000000.png", "W2-e000001.png", "W2-e000002.png", "W2-e000003.png"]);
  });
});
