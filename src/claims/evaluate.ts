import type { RunRecord } from "../run/record.js";
import { type Check, holds, type Tolerances, withRuns } from "./check.js";
import { CHECKS } from "./checks/index.js";
import { confidence, decidingMargin, marginOf } from "./confidence.js";
import { type DataUnit, dataUnits, primaryRuns, runName, unmet, width } from "./data.js";
import { PAPER_CLAIMS } from "./paper-claims.js";
import type { ClaimResult, ClaimSpec, DataVerdict, Margin, Verdict } from "./spec.js";

export { rankCorrelation } from "./data.js";

/**
 * Every claim's verdict, computed from runs. A claim is decided for the
 * paper only on the paper's data in its scope (the datasets the paper states
 * it for, verified against the catalogue, whole sets); the same check on any
 * other data is reported beside it as an extension and never counts for the
 * paper. Each verdict carries the numbers that decided it, the deciding part
 * beside its threshold, and its stability under leave-one-seed-out
 * resampling. Runs that ended completed or diverged count.
 */
export function evaluateClaims(runs: readonly RunRecord[], claims: readonly ClaimSpec[] = PAPER_CLAIMS): ClaimResult[] {
  const units = dataUnits(runs.filter((r) => r.status === "completed" || r.status === "diverged"));
  return claims.map((c) => evaluateClaim(c, units));
}

export function checkOf(claim: ClaimSpec): Check {
  const check = CHECKS[claim.check];
  if (!check) throw new RangeError(`claim ${claim.id}: no check named ${claim.check}`);
  return check;
}

const toleranceValues = (c: ClaimSpec): Tolerances => Object.fromEntries(Object.entries(c.tolerances).map(([k, t]) => [k, t.value]));

interface UnitOutcome {
  verdict: Verdict;
  reason: string;
  evidence: Record<string, unknown>;
  margin: Margin | null;
}

/** One claim on one body of data. `resample`: a leave-one-seed-out resample (its seed count is not held against it). */
function decide(claim: ClaimSpec, unit: DataUnit, resample = false): UnitOutcome {
  const primary = primaryRuns(unit);
  const why =
    unit.runs.length === 0
      ? `no runs of ${unit.data}`
      : (unmet({ minEpochs: claim.requires.minEpochs }, unit.data, unit.runs) ??
        unmet({ ...claim.requires, minEpochs: undefined }, unit.data, primary.length ? primary : unit.runs, resample));
  if (why) return { verdict: "not testable", reason: why, evidence: {}, margin: null };
  const d = checkOf(claim).evaluate(unit, toleranceValues(claim), claim.requires);
  if (d.parts === null) return { verdict: "not testable", reason: `${unit.data}: ${d.note ?? "nothing to test"}`, evidence: d.evidence, margin: null };
  const margin = decidingMargin(d.parts);
  const failing = d.parts.filter((p) => !holds(p));
  const evidence = { parts: d.parts.map(marginOf), ...d.evidence };
  const say = (m: Margin) => `${m.name} ${fmt(m.value)} (needs ${m.relation} ${fmt(m.threshold)})`;
  return failing.length
    ? { verdict: "not reproduced", reason: `${unit.data}: ${failing.map((p) => say(marginOf(p))).join("; ")}`, evidence, margin }
    : { verdict: "reproduced", reason: `${unit.data}: holds; closest to failing: ${say(margin!)}`, evidence, margin };
}

const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : Number.isFinite(x) ? String(Number(x.toPrecision(3))) : String(x));

/** Several units' outcomes as one verdict: not reproduced where any fails, reproduced where all tested hold. */
function combine(outcomes: readonly UnitOutcome[], missing: readonly string[]): UnitOutcome {
  const tested = outcomes.filter((o) => o.verdict !== "not testable");
  const untested = [...outcomes.filter((o) => o.verdict === "not testable").map((o) => o.reason), ...missing];
  if (tested.length === 0) return { verdict: "not testable", reason: untested.join("; ") || "no runs", evidence: {}, margin: null };
  const failed = tested.filter((o) => o.verdict === "not reproduced");
  const deciding = failed.length ? failed : tested;
  const distance = (m: Margin | null) => (m ? (m.relative ?? Math.abs(m.value - m.threshold)) : Infinity);
  const pick = deciding.reduce((a, b) => ((failed.length ? distance(b.margin) > distance(a.margin) : distance(b.margin) < distance(a.margin)) ? b : a));
  const reason = [...deciding.map((o) => o.reason), ...(untested.length ? [`not tested: ${untested.join("; ")}`] : [])].join(" | ");
  return { verdict: failed.length ? "not reproduced" : "reproduced", reason, evidence: {}, margin: pick.margin };
}

/** The verdicts of every leave-one-seed-out resample of `units`, combined as `combine` does. */
function resampled(claim: ClaimSpec, units: readonly DataUnit[], missing: readonly string[]): Verdict[] {
  const seeds = [...new Set(units.flatMap((u) => u.runs.map((r) => r.seed)))].sort((a, b) => a - b);
  if (seeds.length < 2) return [];
  return seeds.map(
    (s) =>
      combine(
        units.map((u) =>
          decide(
            claim,
            withRuns(
              u,
              u.runs.filter((r) => r.seed !== s),
            ),
            true,
          ),
        ),
        missing,
      ).verdict,
  );
}

/** What would make a claim testable for the paper. */
/** A claim's requirements in words: the horizon, widths, seeds and events it needs. */
export function requirementsOf(claim: ClaimSpec): string[] {
  const r = claim.requires;
  return [
    r.minEpochs ? `at least ${r.minEpochs} epochs` : "",
    r.minWidths ? `${r.minWidths} or more widths` : "",
    r.widths ? `widths ${r.widths.join(" and ")}` : "",
    r.minSeeds ? `${r.minSeeds} or more seeds per width` : "",
    r.minEvents ? `at least ${r.minEvents} ${checkOf(claim).events ?? "events"}` : "",
  ].filter(Boolean);
}

function toTest(claim: ClaimSpec, missingDatasets: readonly string[]): string {
  const needs = requirementsOf(claim);
  const runs = `runs of ${claim.scope.join(", ")} on ${claim.data === "verified" ? "verified files" : "the whole, verified data"}${needs.length ? ` with ${needs.join(", ")}` : ""}`;
  const hasy = missingDatasets.includes("hasyv2")
    ? "; HASYv2: 'initdrift data fetch hasyv2' (or 'data import hasyv2 PATH'), then 'initdrift reproduce --preset paper --datasets hasyv2' (about 470 core-hours; docs/cluster/ has the Slurm recipe)"
    : "";
  return `${runs}${hasy}`;
}

function evaluateClaim(claim: ClaimSpec, units: readonly DataUnit[]): ClaimResult {
  const check = checkOf(claim);
  const inScope = (u: DataUnit) => claim.scope.includes(u.dataset) && (claim.data === "verified" ? u.verified : u.paper);
  const paperUnits = units.filter(inScope);
  const missingDatasets = claim.scope.filter((d) => !paperUnits.some((u) => u.dataset === d));
  const missing = missingDatasets.map((d) => {
    const other = units.filter((u) => u.dataset === d).map((u) => u.data);
    const counted = claim.data === "verified" ? "runs on verified files" : "the paper's data";
    return other.length
      ? `${d}: only ${other.join(", ")}, not ${counted} (an extension)`
      : `${d}: no ${counted === "the paper's data" ? "runs of the paper's data" : counted}`;
  });
  const outcomes = paperUnits.map((u) => decide(claim, u));
  const paper = combine(outcomes, missing);
  const evidence: Record<string, unknown> = Object.fromEntries(paperUnits.map((u, k) => [u.data, { verdict: outcomes[k]!.verdict, ...outcomes[k]!.evidence }]));
  if (missing.length) evidence.not_tested = missing;
  const extensions: DataVerdict[] = units
    .filter((u) => !inScope(u))
    .map((u) => {
      const o = decide(claim, u);
      return { data: u.data, verdict: o.verdict, reason: o.reason, evidence: o.evidence, ...confidence(o.verdict, o.margin, resampled(claim, [u], [])) };
    });
  return {
    id: claim.id,
    source: claim.source,
    quote: claim.quote,
    statement: claim.statement,
    scope: claim.scope,
    central: claim.central === true,
    quantity: claim.quantity,
    predicate: check.describe(toleranceValues(claim)),
    tolerances: claim.tolerances,
    requires: claim.requires,
    verdict: paper.verdict,
    reason: paper.reason,
    ...confidence(paper.verdict, paper.margin, resampled(claim, paperUnits, missing)),
    evidence,
    ...(paper.verdict === "not testable" ? { to_test: toTest(claim, missingDatasets) } : {}),
    extensions,
  };
}

/** claims.json: the paper's tally, the extensions apart, what is fragile and what is untested, and every excursion of the runs. */
export function claimsDocument(
  results: readonly ClaimResult[],
  runs: readonly RunRecord[],
  paper = "Jesus et al. 2021, Mathematics 9(18) 2246",
): Record<string, unknown> {
  const tally = (verdicts: readonly Verdict[]) => {
    const counts: Record<Verdict, number> = { reproduced: 0, "not reproduced": 0, "not testable": 0 };
    for (const v of verdicts) counts[v]++;
    return counts;
  };
  return {
    format: "initdrift-claims",
    format_version: 2,
    paper,
    runs: runs.length,
    counts: tally(results.map((r) => r.verdict)),
    fragile: results.filter((r) => r.fragile).map((r) => r.id),
    extension_counts: tally(results.flatMap((r) => r.extensions.map((e) => e.verdict))),
    untested_central: results.filter((r) => r.central && r.verdict === "not testable").map((r) => ({ id: r.id, to_test: r.to_test })),
    // Jumps of the train loss that came back down: never a divergence, listed so a reader sees them.
    excursions: runs.flatMap((r) => r.regimes.excursions.map((e) => ({ run: runName(r), dataset: r.dataset, width: width(r), seed: r.seed, ...e }))),
    claims: results,
  };
}
