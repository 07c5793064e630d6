import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeDataset, writeIdxDataset } from "./helpers/data.js";
import { initdrift } from "./helpers/cli.js";
import { checkXml, seriesCount } from "./helpers/xml.js";

const tmp = () => mkdtempSync(join(tmpdir(), "initdrift-report-"));

describe("reports", () => {
  const data = tmp();
  writeIdxDataset(join(data, "mnist"), makeDataset({ train: 500, test: 100, side: 28, classes: 10 }));
  /** A quiet 2-epoch sweep on the fixture without snapshots. */
  const sweepOnFixture = (out: string, args: string[]) =>
    initdrift(["sweep", "--data-dir", data, "--no-system-data", ...args, "--epochs", "2", "--snapshots", "none", "--out", out, "--quiet"]);

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
    const r = sweepOnFixture(out, ["--widths", "8,16,24", "--runs", "2"]);
    expect(r.status).toBe(0);
    expect(existsSync(join(out, "report.html"))).toBe(true);
    const fig = (name: string) => readFileSync(join(out, "figures", `${name}.svg`), "utf8");
    for (const f of readdirSync(join(out, "figures"))) checkXml(fig(f.replace(/\.svg$/, "")));
    // (a) train and (b) test loss as panels: a mean per width in each, every run drawn behind its width's mean (the paper shows single runs).
    const [trainPanel, testPanel] = fig("fig4ab-mnist")
      .split(/<svg x="/)
      .slice(1);
    for (const panel of [trainPanel!, testPanel!]) {
      expect(seriesCount(panel)).toBe(3);
      expect(seriesCount(panel, "series run")).toBe(6);
    }
    expect(trainPanel).toContain("(a) mnist: train loss");
    expect(testPanel).toContain("(b) mnist: test loss");
    expect(seriesCount(fig("fig4c-mnist"))).toBe(4);
    expect(seriesCount(fig("fig4d-mnist"))).toBe(2);
    expect(seriesCount(fig("fig5-rmsd-mnist"))).toBe(3);
    expect(seriesCount(fig("fig5-rmsd-mnist"), "series run")).toBe(6);
    // Each theta: the mean over the runs that reached it, and the Kaplan-Meier median.
    expect(seriesCount(fig("fig6-t_theta-mnist"))).toBe(10);
    expect(seriesCount(fig("A-c_opt-W2-mnist"))).toBe(3);
    expect(readFileSync(join(out, "report.html"), "utf8")).toContain("initdrift sweep: 6 runs");
  });

  it("labels say what differs between series (the width), captions what they all share (the training subset)", () => {
    const out = tmp();
    const r = sweepOnFixture(out, ["--widths", "8,16", "--runs", "1", "--train-limit", "300"]);
    expect(r.status).toBe(0);
    const svg = readFileSync(join(out, "figures", "fig4ab-mnist.svg"), "utf8");
    expect(svg).toContain(">n = 8x8<");
    expect(svg).not.toContain("train-limit");
    expect(readFileSync(join(out, "report.html"), "utf8")).toMatch(/Every series: train-limit 300\./);
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

  it("initdrift report rebuilds a run's report, byte for byte, and says so in one line for a missing directory", () => {
    const out = join(tmp(), "rebuilt");
    expect(initdrift(["train", "--data-dir", data, "--no-system-data", "--width", "8", "--epochs", "2", "--out", out, "--quiet"]).status).toBe(0);
    const before = readFileSync(join(out, "report.html"), "utf8");
    const figures = readdirSync(join(out, "figures")).sort();
    rmSync(join(out, "report.html"));
    rmSync(join(out, "figures"), { recursive: true });
    expect(initdrift(["report", out, "--quiet"]).status).toBe(0);
    expect(readFileSync(join(out, "report.html"), "utf8")).toBe(before);
    expect(readdirSync(join(out, "figures")).sort()).toEqual(figures);
    const r = initdrift(["report", join(tmp(), "nope")]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no such directory/);
  });
});
