import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initdrift } from "./helpers/cli.js";
import { oneLine, quick, tmp } from "./helpers/hostile.js";

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
