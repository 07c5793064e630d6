import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodePng } from "../src/codec/png.js";
import { weightImage } from "../src/report/figures.js";
import { linePlot, ticks } from "../src/report/svg.js";
import { makeDataset, writeIdxDataset } from "./helpers/data.js";
import { initdrift } from "./helpers/cli.js";
import { checkXml, seriesCount } from "./helpers/xml.js";

const tmp = () => mkdtempSync(join(tmpdir(), "initdrift-report-"));

describe("SVG plots", () => {
  it("are well-formed XML with one group per series, text escaped", () => {
    const svg = linePlot({
      title: "a < b & c",
      x: { label: "x", log: true },
      y: { label: "y" },
      series: [
        {
          name: "one",
          points: [
            [1, 2],
            [10, 3],
            [100, NaN],
            [1000, 4],
          ],
          band: [
            [1, 1, 3],
            [10, 2, 4],
          ],
        },
        { name: 'two "quoted"', points: [[1, 1]], errors: [[1, 1, 0.5, 1.5]], markers: true },
      ],
    });
    expect(checkXml(svg)[0]).toBe("svg");
    expect(seriesCount(svg)).toBe(2);
    expect(svg).toContain("a &lt; b &amp; c");
  });

  it("the checker itself rejects broken XML", () => {
    expect(() => checkXml("<svg><g></svg>")).toThrow(/does not close/);
    expect(() => checkXml('<svg a="1" a="2"/>')).toThrow(/duplicate/);
    expect(() => checkXml("<svg>a & b</svg>")).toThrow(/bare &/);
  });

  it("ticks: 1-2-5 steps and decades", () => {
    expect(ticks(0, 1, false).map((v) => Number(v.toFixed(12)))).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(ticks(1, 1000, true)).toEqual([1, 10, 100, 1000]);
    expect(ticks(10, 300, true)).toEqual([10, 20, 50, 100, 200]);
  });
});

describe("weight-matrix images", () => {
  it("decode back to the colour map: white at 0, saturated at +-limit", async () => {
    const img = await decodePng(await weightImage([0, 1, -1, 0.5], 2, 2, 1), "w.png");
    expect([img.width, img.height]).toEqual([2, 2]);
    expect(img.pixels[0]).toBe(255);
    expect(img.pixels[1]).toBeLessThan(100);
    expect(img.pixels[2]).toBeLessThan(120);
    expect(img.pixels[3]).toBeGreaterThan(img.pixels[1]!);
  });

  it("subsample large matrices to at most 512 pixels a side", async () => {
    const img = await decodePng(await weightImage(new Float32Array(1000 * 600), 1000, 600, 1), "big.png");
    expect(Math.max(img.width, img.height)).toBeLessThanOrEqual(512);
  });
});

describe("reports", () => {
  const data = tmp();
  writeIdxDataset(join(data, "mnist"), makeDataset({ train: 500, test: 100, side: 28, classes: 10 }));

  it("a masked run gets report.html with Figures 1, 3, 5 and A inline, and the figures as files", () => {
    const out = join(tmp(), "run");
    const r = initdrift([
      "train",
      "--data-dir",
      data,
      "--no-system-data",
      "--width",
      "20",
      "--epochs",
      "3",
      "--mask",
      "a",
      "--snapshots",
      "0,1,3",
      "--out",
      out,
      "--quiet",
    ]);
    expect(r.status).toBe(0);
    const files = readdirSync(join(out, "figures")).sort();
    expect(files).toEqual(
      expect.arrayContaining([
        "fig1-mask.svg",
        "fig3-W1.svg",
        "fig3-W2.svg",
        "fig3-W3.svg",
        "fig5-loss.svg",
        "fig5-rmsd.svg",
        "mask-contrast.svg",
        "A-c_opt-W2.svg",
        "W2-e000000.png",
        "W2-e000003.png",
      ]),
    );
    for (const f of files.filter((x) => x.endsWith(".svg"))) checkXml(readFileSync(join(out, "figures", f), "utf8"));
    expect(seriesCount(readFileSync(join(out, "figures", "fig1-mask.svg"), "utf8"))).toBe(3);
    expect(seriesCount(readFileSync(join(out, "figures", "fig5-rmsd.svg"), "utf8"))).toBe(4);
    expect(seriesCount(readFileSync(join(out, "figures", "fig3-W2.svg"), "utf8"))).toBe(4);
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/(src|href)="(https?:|\/\/)/);
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(files.filter((x) => x.endsWith(".svg")).length);
    expect(html).toContain(JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")).final_params_sha256);
  });

  it("a small generated sweep gets Figures 4, 5, 6 and A with one series per width", () => {
    const out = tmp();
    const r = initdrift([
      "sweep",
      "--data-dir",
      data,
      "--no-system-data",
      "--widths",
      "8,16,24",
      "--runs",
      "2",
      "--epochs",
      "2",
      "--snapshots",
      "none",
      "--out",
      out,
      "--quiet",
    ]);
    expect(r.status).toBe(0);
    expect(existsSync(join(out, "report.html"))).toBe(true);
    const fig = (name: string) => readFileSync(join(out, "figures", `${name}.svg`), "utf8");
    for (const f of readdirSync(join(out, "figures"))) checkXml(fig(f.replace(/\.svg$/, "")));
    expect(seriesCount(fig("fig4ab-mnist"))).toBe(6);
    // Every run drawn behind its width's mean, as the paper shows single runs.
    expect(seriesCount(fig("fig4ab-mnist"), "series run")).toBe(6);
    expect(seriesCount(fig("fig4c-mnist"))).toBe(4);
    expect(seriesCount(fig("fig4d-mnist"))).toBe(2);
    expect(seriesCount(fig("fig5-rmsd-mnist"))).toBe(3);
    expect(seriesCount(fig("fig5-rmsd-mnist"), "series run")).toBe(6);
    // Each theta: the mean over the runs that reached it, and the Kaplan-Meier median.
    expect(seriesCount(fig("fig6-t_theta-mnist"))).toBe(10);
    expect(seriesCount(fig("A-c_opt-W2-mnist"))).toBe(3);
    expect(readFileSync(join(out, "report.html"), "utf8")).toContain("initdrift sweep: 6 runs");
  });

  it("a masked run whose curves are nearly flat still ends with its report (the tick loop used to stall: 'invalid size error')", () => {
    const out = join(tmp(), "masked");
    const r = initdrift([
      "train",
      "--width",
      "32",
      "--epochs",
      "3",
      "--train-limit",
      "2000",
      "--test-limit",
      "500",
      "--snapshots",
      "0,1,3",
      "--mask",
      "a",
      "--out",
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/completed: 3 epochs/);
    expect(existsSync(join(out, "report.html"))).toBe(true);
  });

  it("initdrift report rebuilds a report, and says so in one line for a missing directory", () => {
    const r = initdrift(["report", join(tmp(), "nope")]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no such directory/);
  });
});

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
