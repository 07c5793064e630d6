import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeDataset, writeIdxDataset } from "./helpers/data.js";
import { initdrift } from "./helpers/cli.js";
import { checkXml, seriesCount } from "./helpers/xml.js";

const tmp = () => mkdtempSync(join(tmpdir(), "initdrift-report-"));

describe("init-scale studies", () => {
  const data = tmp();
  writeIdxDataset(join(data, "mnist"), makeDataset({ train: 400, test: 100, side: 28, classes: 10 }));

  it("a sweep over --init-scales groups by scale and draws curvature and condensation against epoch and scale", () => {
    const out = tmp();
    const r = initdrift([
      "sweep",
      "--data-dir",
      data,
      "--no-system-data",
      "--widths",
      "12",
      "--init-scales",
      "0.1,1",
      "--runs",
      "1",
      "--epochs",
      "2",
      "--hessian",
      "--hessian-samples",
      "64",
      "--snapshots",
      "0,2",
      "--out",
      out,
      "--quiet",
    ]);
    expect(r.status).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(summary.groups.map((g: { init_scale: number; variant: string }) => [g.init_scale, g.variant])).toEqual([
      [0.1, "init-scale 0.1"],
      [1, ""],
    ]);
    expect(summary.groups[0].layers.W1.hessian_top_network.map((p: { epoch: number }) => p.epoch)).toEqual([0, 2]);
    expect(summary.groups[0].layers.W1.orientations[0].mean).toBeGreaterThan(1);
    const figures = readdirSync(join(out, "figures"));
    expect(figures).toEqual(
      expect.arrayContaining(["curvature-mnist.svg", "curvature-vs-scale-mnist.svg", "condensation-W1-mnist.svg", "condensation-vs-scale-W2-mnist.svg"]),
    );
    expect(figures).not.toContain("condensation-vs-scale-W3-mnist.svg");
    for (const f of figures) checkXml(readFileSync(join(out, "figures", f), "utf8"));
    expect(seriesCount(readFileSync(join(out, "figures", "curvature-vs-scale-mnist.svg"), "utf8"))).toBe(2);
  });

  it("--hessian does not change the bits of training", () => {
    const hash = (extra: string[]) => {
      const out = join(tmp(), "r");
      expect(
        initdrift([
          "train",
          "--data-dir",
          data,
          "--no-system-data",
          "--width",
          "12",
          "--epochs",
          "2",
          "--snapshots",
          "0,1,2",
          "--no-report",
          "--out",
          out,
          "--quiet",
          ...extra,
        ]).status,
      ).toBe(0);
      return JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")).final_params_sha256;
    };
    expect(hash(["--hessian", "--hessian-samples", "64"])).toBe(hash([]));
  });
});
