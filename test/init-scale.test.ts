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
  /** A quiet 2-epoch sweep of width 12 on the fixture, with the curvature on 64 samples. */
  const sweep = (out: string, args: string[]) =>
    initdrift([
      "sweep",
      "--data-dir",
      data,
      "--no-system-data",
      "--widths",
      "12",
      "--runs",
      "1",
      "--epochs",
      "2",
      "--hessian",
      "--hessian-samples",
      "64",
      ...args,
      "--out",
      out,
      "--quiet",
    ]);

  it("a sweep over --init-scales groups by scale and draws curvature and condensation against epoch and scale", () => {
    const out = tmp();
    const r = sweep(out, ["--init-scales", "0.1,1", "--snapshots", "0,2"]);
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

  it("a sweep over --inits draws one line per initialiser against scale, and --init hessian sets every layer's curvature gain to 1, the same bits twice", () => {
    const out = tmp();
    const inits = (dir: string) => sweep(dir, ["--inits", "he-normal,hessian", "--init-scales", "0.5,1", "--analyze-every", "2"]);
    expect(inits(out).status).toBe(0);
    const figures = readdirSync(join(out, "figures"));
    expect(figures).toEqual(expect.arrayContaining(["outcome-vs-scale-mnist.svg", "curvature-gain-W1-mnist.svg", "curvature-gain-W3-mnist.svg"]));
    for (const f of ["outcome-vs-scale-mnist.svg", "curvature-gain-W2-mnist.svg", "curvature-vs-scale-mnist.svg"])
      expect(seriesCount(readFileSync(join(out, "figures", f), "utf8")), f).toBe(f.startsWith("curvature-vs") ? 4 : 2);
    const dirOf = (root: string) =>
      readdirSync(root).find((d) => d.includes("-w12x12-s1-") && JSON.parse(readFileSync(join(root, d, "manifest.json"), "utf8")).config.init === "hessian")!;
    const principled = join(out, dirOf(out));
    const manifest = JSON.parse(readFileSync(join(principled, "manifest.json"), "utf8"));
    expect(manifest.initial_weight_rms).toHaveLength(3);
    const gains = readFileSync(join(principled, "analysis.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .filter((a) => a.epoch === 0)
      .map((a) => a.hessian_gain);
    for (const g of gains) expect(g).toBeCloseTo(1, 5);
    const again = tmp();
    expect(inits(again).status).toBe(0);
    expect(JSON.parse(readFileSync(join(again, dirOf(again), "manifest.json"), "utf8")).final_params_sha256).toBe(manifest.final_params_sha256);
  });
});
