import { Command, Option } from "commander";
import { STUDIES, STUDY_NAMES } from "../claims/presets.js";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { aggregate, type GroupSummary, type RunSelection, SUMMARY_CSV_HEADER, selectRuns, summaryCsv } from "../study/aggregate.js";
import { claimsDocument, evaluateClaims } from "../claims/evaluate.js";
import type { ClaimResult } from "../claims/spec.js";
import { UserError } from "../errors.js";
import { makeDirectories, readRunFile, writeFileAtomic } from "../node/files.js";
import { reportSweep } from "../node/reportFiles.js";
import { findRunDirs, readRun } from "../node/runs.js";

interface AnalyzeFlags {
  out?: string;
  claims: boolean;
  study: string;
  reanalyze: boolean;
  includeUnfinished: boolean;
  quiet: boolean;
}

const fmt = (x: number | null, digits = 4): string => (x === null ? "-" : Number.isInteger(x) ? String(x) : x.toFixed(digits));

/** A compact table of each group on stderr: the numbers a person looks for first. */
export function printTable(groups: readonly GroupSummary[]): void {
  const layers = [...new Set(groups.flatMap((g) => Object.keys(g.layers)))].sort();
  const header = ["dataset", "widths", "runs", "min test loss", "t_min_test", "diverged", "excursions", ...layers.map((l) => `c_opt ${l}`)];
  const rows = groups.map((g) => {
    const last = (l: string) => {
      const points = g.layers[l]?.c_opt ?? [];
      return points.length ? fmt(points[points.length - 1]!.mean) : "-";
    };
    const s = g.scalars;
    return [
      g.dataset,
      g.hidden_widths.join("x") + (g.variant ? ` (${g.variant})` : ""),
      String(g.runs),
      `${fmt(s.min_test_loss!.mean)} ± ${fmt(s.min_test_loss!.std)}`,
      fmt(s.t_min_test!.mean, 1),
      `${s.t_div!.n}/${g.runs}`,
      String(g.excursions.length),
      ...layers.map(last),
    ];
  });
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  for (const r of [header, ...rows])
    process.stderr.write(
      r
        .map((v, c) => v.padEnd(widths[c]!))
        .join("  ")
        .trimEnd() + "\n",
    );
}

/**
 * The claims table on stderr: id, the paper's verdict (marked "?" where
 * fragile), what decided it; then the extensions apart, and the paper's
 * central claims this data cannot test, with what would test them.
 */
export function printClaims(results: readonly ClaimResult[], study = "paper"): void {
  const idWidth = Math.max(...results.map((r) => r.id.length));
  const columns = process.stderr.columns || 160;
  const line = (text: string) => process.stderr.write(`${text.length > columns ? `${text.slice(0, columns - 1)}…` : text}\n`);
  const verdict = (v: string, fragile: boolean) => `${v}${fragile ? " ?" : ""}`.padEnd(16);
  const whose = study === "paper" ? "the paper's claims, on the paper's data" : `the ${study} study's claims, on the data it tests them on`;
  process.stderr.write(`${whose} (? = fragile: near its threshold or changed by leaving a seed out):\n`);
  for (const r of results) line(`${r.id.padEnd(idWidth)}  ${verdict(r.verdict, r.fragile)}  ${r.reason}`);
  const extensions = results.flatMap((r) => r.extensions.map((e) => ({ id: r.id, ...e })));
  if (extensions.length) {
    process.stderr.write("extensions (the same checks on other data; never counted for the paper):\n");
    for (const e of extensions) line(`${e.id.padEnd(idWidth)}  ${verdict(e.verdict, e.fragile)}  ${e.reason}`);
  }
  const count = (v: string) => results.filter((r) => r.verdict === v).length;
  const fragile = results.filter((r) => r.fragile && r.verdict !== "not testable").length;
  process.stderr.write(
    `claims: ${count("reproduced")} reproduced, ${count("not reproduced")} not reproduced, ${count("not testable")} not testable (${fragile} fragile); ${extensions.length} extension verdicts\n`,
  );
  const untested = results.filter((r) => r.central && r.verdict === "not testable");
  if (untested.length) {
    process.stderr.write(`central claims not tested here: ${untested.map((r) => r.id).join(", ")}\n`);
    const ways = [...new Set(untested.map((r) => r.to_test))];
    for (const w of ways) line(`  to test them: ${w}`);
  }
}

/** Evaluates the paper's claims on every run below `roots` (each configuration and seed once), writes claims.json into `out`, and returns the results. */
export function writeClaims(roots: readonly string[], out: string, studyName = "paper"): ClaimResult[] {
  const study = STUDIES[studyName]!;
  const { runs } = selectRuns(
    findRunDirs(roots).map((d) => readRun(d)),
    false,
  );
  const results = evaluateClaims(runs, study.claims);
  refuseForeign(out, ["claims.json"]);
  writeFileAtomic(join(out, "claims.json"), JSON.stringify(claimsDocument(results, runs, study.paper), null, 2) + "\n");
  return results;
}

/**
 * The end of a sweep or a reproduction: summary.json and summary.csv of every
 * run below `out`, the table on stderr, with `claims` claims.json and its
 * table, and with `report` report.html (opening with the claims).
 */
export function finishStudy(out: string, opts: { quiet: boolean; report: boolean; claims: boolean; study?: string }): void {
  const say = (text: string): void => void (opts.quiet ? undefined : process.stderr.write(text));
  const { runs, groups, selection } = summarize([out], out);
  if (!opts.quiet) printTable(groups);
  say(leftOutLine(selection));
  say(`summary of ${runs} runs in ${groups.length} groups -> ${join(out, "summary.json")}\n`);
  const claims = opts.claims ? writeClaims([out], out, opts.study) : [];
  if (opts.claims) {
    if (!opts.quiet) printClaims(claims, opts.study);
    say(`claims -> ${join(out, "claims.json")}\n`);
  }
  if (opts.report) say(`report: ${reportSweep([out], out, claims)}\n`);
}

/** What each file analyze writes starts with when initdrift wrote it: anything else in its place is someone else's. */
const OURS = {
  "summary.json": (t: string) => t.includes('"format": "initdrift-summary"'),
  "summary.csv": (t: string) => t.startsWith(`${SUMMARY_CSV_HEADER}\n`),
  "claims.json": (t: string) => t.includes('"format": "initdrift-claims"'),
};

/** Refuses, before anything is written, when a file of one of these names in `out` was not written by initdrift. */
function refuseForeign(out: string, names: readonly (keyof typeof OURS)[]): void {
  for (const name of names) {
    const path = join(out, name);
    if (existsSync(path) && !OURS[name](readRunFile(path)))
      throw new UserError(`${path} was not written by initdrift; refusing to replace it (give another --out; nothing was written)`);
  }
}

/** What an aggregate left out, in one line for stderr, or "" when nothing. */
export function leftOutLine(selection: RunSelection): string {
  const parts = [
    selection.unfinished.length ? `${selection.unfinished.length} unfinished run(s) (--include-unfinished counts them)` : "",
    selection.duplicates.length
      ? `${selection.duplicates.length} duplicate(s) of runs already counted (same configuration and seed): ${selection.duplicates.slice(0, 3).join(", ")}${selection.duplicates.length > 3 ? ", ..." : ""}`
      : "",
  ].filter(Boolean);
  return parts.length ? `left out: ${parts.join("; ")}\n` : "";
}

/** Aggregates every run below `roots` (see selectRuns for what is mixed) and writes summary.json and summary.csv into `out`. */
export function summarize(
  roots: readonly string[],
  out: string | undefined,
  reanalyze = false,
  includeUnfinished = false,
): { runs: number; groups: GroupSummary[]; selection: RunSelection } {
  const runDirs = findRunDirs(roots);
  if (runDirs.length === 0) throw new UserError(`no run directories (with manifest.json) below ${roots.join(", ")}`);
  const selection = selectRuns(
    runDirs.map((d) => readRun(d, reanalyze)),
    includeUnfinished,
  );
  const groups = aggregate(selection.runs);
  const counted = selection.runs.length;
  if (out === undefined) return { runs: counted, groups, selection };
  const leftOut = { unfinished: selection.unfinished, duplicates: selection.duplicates };
  refuseForeign(out, ["summary.json", "summary.csv"]);
  writeFileAtomic(
    join(out, "summary.json"),
    JSON.stringify({ format: "initdrift-summary", format_version: 1, runs: counted, left_out: leftOut, groups }, null, 2) + "\n",
  );
  writeFileAtomic(join(out, "summary.csv"), summaryCsv(groups));
  return { runs: counted, groups, selection };
}

export function analyzeCommand(): Command {
  return new Command("analyze")
    .description("mean and spread across seeds of every run below DIR..., grouped by dataset and widths: summary.json and summary.csv")
    .argument("<dir...>", "directories holding run directories (several merge, e.g. shard outputs)")
    .option("--out <dir>", "where summary.json and summary.csv go (default: the first DIR)")
    .option("--reanalyze", "recompute each run's analysis.jsonl and summary.json from its snapshots first", false)
    .option("--claims", "also evaluate the paper's claims on these runs: claims.json and a table", false)
    .addOption(
      new Option("--study <name>", "whose claims --claims evaluates: paper (Jesus et al.), condensation (Zhou et al.) or hessian-init (Skorski et al.)")
        .choices(STUDY_NAMES)
        .default("paper"),
    )
    .option("--include-unfinished", "count runs that did not finish (running, interrupted, failed) in the aggregates", false)
    .option("--quiet", "print nothing but errors", false)
    .action((dirs: string[], flags: AnalyzeFlags) => {
      const out = resolve(flags.out ?? dirs[0]!);
      // A run directory's summary.json is the run's own: the aggregate never overwrites it.
      const intoRun = existsSync(join(out, "manifest.json"));
      if (intoRun && (flags.out !== undefined || flags.claims)) {
        throw new UserError(`${out} is a run directory: its summary.json is the run's own; give --out another directory`, 2);
      }
      if (!intoRun) {
        // Every file it will write checked first: a refusal leaves the directory as it was.
        if (existsSync(out)) refuseForeign(out, flags.claims ? ["summary.json", "summary.csv", "claims.json"] : ["summary.json", "summary.csv"]);
        makeDirectories(out);
      }
      const roots = dirs.map((d) => resolve(d));
      const { runs, groups, selection } = summarize(roots, intoRun ? undefined : out, flags.reanalyze, flags.includeUnfinished);
      if (!flags.quiet) {
        printTable(groups);
        process.stderr.write(leftOutLine(selection));
        const where = intoRun
          ? `not written: ${out} is a run directory; --out DIR writes summary.json and summary.csv`
          : `-> ${join(out, "summary.json")}, summary.csv`;
        process.stderr.write(`${runs} runs in ${groups.length} groups ${where}\n`);
      }
      if (flags.claims) {
        const results = writeClaims(
          dirs.map((d) => resolve(d)),
          out,
          flags.study,
        );
        if (!flags.quiet) {
          printClaims(results, flags.study);
          process.stderr.write(`claims -> ${join(out, "claims.json")}\n`);
        }
      }
    });
}
