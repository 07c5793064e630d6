import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CHECKS } from "../src/claims/checks/index.js";
import { FRAGILE_MARGIN } from "../src/claims/confidence.js";
import { claimsDocument, evaluateClaims, rankCorrelation } from "../src/claims/evaluate.js";
import { PAPER_CLAIMS } from "../src/claims/paper-claims.js";
import { claim, decaying, expectVerdict, run, seeds, spiking } from "./helpers/runs.js";

/** The claims machinery: scope and extensions, the paper's data, margins, resampling, and the claims as data. */

describe("each claim in its scope", () => {
  const fashionTrend = () => [10, 30, 100, 300].flatMap((w) => seeds({ dataset: "fashion-mnist", width: w, epochs: 1000, loss: decaying(1 / w) }));

  it("a HASYv2 claim run on Fashion-MNIST is an extension with its own verdict; for the paper it is not testable, saying how to test it", () => {
    const r = claim("wider-lower-minimum-loss", fashionTrend());
    expect(r.verdict).toBe("not testable");
    expect(r.reason).toMatch(/hasyv2: no runs of the paper's data/);
    expect(r.to_test).toMatch(/initdrift data fetch hasyv2/);
    expect(r.to_test).toMatch(/--preset paper/);
    expect(r.extensions).toEqual([expect.objectContaining({ data: "fashion-mnist", verdict: "reproduced" })]);
  });

  it("HASYv2 files not verified against the catalogue (an import, a fixture) count as an extension, named as such", () => {
    const runs = [10, 30, 100, 300].flatMap((w) => seeds({ dataset: "hasyv2", width: w, epochs: 1000, loss: decaying(1 / w), verified: false }));
    const r = claim("wider-lower-minimum-loss", runs);
    expect(r.verdict).toBe("not testable");
    expect(r.reason).toMatch(/hasyv2: only hasyv2 \(files not verified against the catalogue\), not the paper's data/);
    expect(r.extensions[0]).toMatchObject({ data: "hasyv2 (files not verified against the catalogue)", verdict: "reproduced" });
    // The same runs verified are the paper's data.
    expect(
      claim(
        "wider-lower-minimum-loss",
        runs.map((x) => ({ ...x, datasetVerified: true })),
      ).verdict,
    ).toBe("reproduced");
  });

  it("a claim stated for all three datasets counts each one tested and names the untested ones", () => {
    const runs = [10, 30, 100].flatMap((w) => [
      ...seeds({ width: w, rmsd: (t) => t / w }),
      ...seeds({ dataset: "fashion-mnist", width: w, rmsd: (t) => t / w }),
    ]);
    const r = expectVerdict("wider-stays-closer", runs, "reproduced");
    expect(Object.keys(r.evidence)).toEqual(expect.arrayContaining(["mnist", "fashion-mnist", "not_tested"]));
    expect(r.reason).toMatch(/not tested: hasyv2/);
    expect(r.extensions).toEqual([]);
  });
});

describe("how sure a verdict is", () => {
  it("carries the deciding number beside its threshold", () => {
    const runs = [10, 30, 100, 300].flatMap((w) => seeds({ dataset: "hasyv2", epochs: 1000, width: w, loss: decaying(1 / w) }));
    const r = claim("wider-lower-minimum-loss", runs);
    expect(r.margin).toEqual({
      name: "rank correlation of width with the minimum train loss",
      value: -1,
      relation: "<=",
      threshold: -0.8,
      holds: true,
      relative: 0.25,
    });
    expect(r.stability).toBe(1);
    expect(r.fragile).toBe(false);
  });

  it(`is fragile within ${FRAGILE_MARGIN * 100}% of its threshold`, () => {
    // Width 100 and 300 swap: rho = 0.8 exactly against <= -0.8 ... reversed: rho -0.8 at the threshold.
    const floors: Record<number, number> = { 10: 1, 30: 0.1, 100: 0.001, 300: 0.01 };
    const runs = [10, 30, 100, 300].flatMap((w) => seeds({ dataset: "hasyv2", epochs: 1000, width: w, loss: decaying(floors[w]!) }));
    const r = expectVerdict("wider-lower-minimum-loss", runs, "reproduced");
    expect(r.margin?.relative).toBe(0);
    expect(r.fragile).toBe(true);
    expect(r.fragile_because.join()).toMatch(/within 10% of its threshold/);
  });

  it("is fragile when leaving one seed out changes it: one seed's spike decides MNIST's unstable learners", () => {
    const runs = [10, 30, 100].flatMap((w) => seeds({ width: w, epochs: 1000 }, 3, (k) => (w === 30 && k === 0 ? { loss: spiking(400, 407) } : {})));
    const r = expectVerdict("mnist-no-unstable-learners", runs, "not reproduced");
    expect(r.resamples).toBe(3);
    expect(r.stability).toBeCloseTo(2 / 3, 3);
    expect(r.fragile).toBe(true);
  });

  it("resting on one seed is fragile: there is no resample to check it against", () => {
    const r = expectVerdict(
      "wider-stays-closer",
      [10, 30, 100].flatMap((w) => seeds({ width: w, rmsd: (t) => t / w }, 1)),
      "reproduced",
    );
    expect(r.stability).toBeNull();
    expect(r.fragile_because).toEqual(["one seed: no resample to check it against"]);
  });
});

describe("claims.json", () => {
  it("tallies the paper's verdicts apart from the extensions, lists the fragile ones and the central claims left untested", () => {
    const runs = [10, 30, 100, 300].flatMap((w) => seeds({ dataset: "fashion-mnist", width: w, epochs: 1000, loss: decaying(1 / w) }));
    const results = evaluateClaims(runs);
    const doc = claimsDocument(results, runs) as {
      format_version: number;
      counts: Record<string, number>;
      extension_counts: Record<string, number>;
      untested_central: { id: string; to_test: string }[];
      excursions: unknown[];
    };
    expect(doc.format_version).toBe(2);
    const counts = doc.counts;
    expect(counts.reproduced! + counts["not reproduced"]! + counts["not testable"]!).toBe(PAPER_CLAIMS.length);
    const ext = doc.extension_counts;
    expect(ext.reproduced! + ext["not reproduced"]! + ext["not testable"]!).toBe(results.flatMap((r) => r.extensions).length);
    const untested = doc.untested_central;
    expect(untested.map((u) => u.id)).toContain("rmsd-jumps-with-loss");
    for (const u of untested) expect(u.to_test.length).toBeGreaterThan(20);
    expect(doc.excursions).toEqual([]);
  });

  it("lists every excursion of the runs, which no claim counts as a divergence", () => {
    const runs = [run({ dataset: "fashion-mnist", width: 30, epochs: 300, loss: spiking(100, 107) })];
    const doc = claimsDocument(evaluateClaims(runs), runs) as { excursions: { run: string; onset: number; length: number }[] };
    expect(doc.excursions).toEqual([expect.objectContaining({ run: "fashion-mnist-w30-s1", onset: 100, length: 7 })]);
  });

  it("every claim gets a verdict, a reason, its quote, scope, predicate and evidence", () => {
    const all = evaluateClaims([10, 30, 100, 300].flatMap((w) => seeds({ width: w })));
    expect(all.map((c) => c.id)).toEqual(PAPER_CLAIMS.map((c) => c.id));
    for (const c of all) {
      expect(["reproduced", "not reproduced", "not testable"]).toContain(c.verdict);
      for (const text of [c.source, c.reason, c.quote, c.predicate]) expect(text.length).toBeGreaterThan(0);
      expect(c.scope.length).toBeGreaterThan(0);
      expect(typeof c.evidence).toBe("object");
    }
  });

  it("finished runs only: a run still running counts for nothing", () => {
    const runs = [10, 30, 100].flatMap((w) => seeds({ width: w, rmsd: (t) => t / w }));
    const r = claim(
      "wider-stays-closer",
      runs.map((x) => ({ ...x, status: "running" })),
    );
    expect(r.verdict).toBe("not testable");
  });
});

describe("the claims as data", () => {
  it("every claim names a check of the table and gives exactly the tolerances that check reads, each with its reason", () => {
    for (const c of PAPER_CLAIMS) {
      const check = CHECKS[c.check];
      expect(check, c.id).toBeDefined();
      expect(Object.keys(c.tolerances).sort(), c.id).toEqual(Object.keys(check!.tolerances).sort());
      for (const [name, t] of Object.entries(c.tolerances)) {
        expect(Number.isFinite(t.value), `${c.id}.${name}`).toBe(true);
        expect(t.why.length, `${c.id}.${name}`).toBeGreaterThan(15);
      }
      if (check!.events) expect(c.requires.minEvents, `${c.id} counts ${check!.events}`).toBeGreaterThanOrEqual(1);
    }
  });

  it("ids are unique and every scope names the paper's datasets", () => {
    expect(new Set(PAPER_CLAIMS.map((c) => c.id)).size).toBe(PAPER_CLAIMS.length);
    for (const c of PAPER_CLAIMS) for (const d of c.scope) expect(["mnist", "fashion-mnist", "hasyv2"]).toContain(d);
  });

  // The paper's text is not part of the repository: it lies in shared/ beside the checkout (developers' machines
  // and CI). A checkout without it cannot check the quotes, and skips this one test.
  const paper = join(import.meta.dirname, "..", "..", "shared", "paper", "initial-weights-paper.txt");
  it.skipIf(!existsSync(paper))("every quote is the paper's own words (each fragment between '...' found in its text)", () => {
    // The text renders math as spaced letters ("c o p t", "w i"): read those as the quotes write them.
    const squash = (s: string) =>
      s
        .replace(/[\s\u2009]+/g, " ")
        .replace(/[’]/g, "'")
        .replace(/[•▾▴◂]/g, "")
        .replace(/\(\s*\)/g, "")
        .replace(/\( /g, "(")
        .replace(/ \)/g, ")")
        .replace(/ +/g, " ")
        .trim();
    const math = (s: string) =>
      s
        .replace(/\bc o p t\b/g, "c_opt")
        .replace(/\bw ([if])\b/g, "w_$1")
        .replace(/\ba ([01])\b/g, "a$1")
        .replace(/ ,/g, ",");
    const text = math(squash(readFileSync(paper, "utf8")));
    for (const c of PAPER_CLAIMS)
      for (const fragment of c.quote.split("...").map((f) => squash(f).replace(/^[.,; ]+|[.,; ]+$/g, ""))) {
        if (fragment) expect(text.includes(fragment), `${c.id}: "${fragment}"`).toBe(true);
      }
  });
});

it("rank correlation is Spearman's, ties averaged", () => {
  expect(rankCorrelation([1, 2, 3, 4], [10, 20, 30, 40])).toBe(1);
  expect(rankCorrelation([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
  expect(rankCorrelation([1, 2, 3], [1, 1, 2])).toBeCloseTo(Math.sqrt(3) / 2, 12);
  expect(run({ width: 10 }).datasetVerified).toBe(true);
});
