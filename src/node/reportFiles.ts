import { existsSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { aggregate, selectRuns } from "../study/aggregate.js";
import type { ClaimResult } from "../claims/spec.js";
import type { Manifest } from "../run/manifest.js";
import { type Figure, sweepReport, type Report } from "../report/reportPage.js";
import { figureOrientationMap } from "../report/figures.js";
import { condensation } from "../analysis/condensation.js";
import type { LayerAnalysis } from "../analysis/layer.js";
import type { RunRecord } from "../run/record.js";
import { activationOf } from "../train/config.js";
import { reportOfRunFiles } from "../report/runFiles.js";
import { writeFileAtomic, makeDirectories, optionalRunBytes, readRunFile, refuseLinkedFolders } from "./files.js";
import { lockRunDirectory } from "./lock.js";
import { readManifest } from "./runDirectory.js";
import { UserError } from "../errors.js";
import { TOOL_NAME } from "../version.js";
import { findRunDirs, readRun, readSnapshotLayer, snapshotEpochsOnDisk } from "./runs.js";

/** The line every report initdrift writes ends with: a report.html without it is someone else's. */
const REPORT_MARK = `Made by ${TOOL_NAME} `;

function writeReport(dir: string, report: Report, pngs: { name: string; png: Uint8Array }[] = []): string {
  // A figures/ that is a link would send the report's files wherever it points.
  refuseLinkedFolders(dir, "figures/report.svg", "refusing to write the report through it");
  const existing = join(dir, "report.html");
  if (existsSync(existing) && !readRunFile(existing).includes(REPORT_MARK))
    throw new UserError(`${existing} was not written by initdrift; refusing to replace it (give another --out; nothing was written)`);
  makeDirectories(join(dir, "figures"));
  for (const f of report.figures) writeFileAtomic(join(dir, "figures", `${f.name}.svg`), f.svg);
  for (const p of pngs) writeFileAtomic(join(dir, "figures", p.name), p.png);
  const path = join(dir, "report.html");
  writeFileAtomic(path, report.html);
  return path;
}

/** report.html and figures/ for one run directory (the same report the page makes of the same files). */
export async function reportRun(dir: string): Promise<string> {
  readManifest(dir); // one clear error for a damaged manifest before anything is read
  lockRunDirectory(dir); // not while another process writes the run
  const read = (name: string) => optionalRunBytes(dir, name);
  const made = await reportOfRunFiles(read, dir, snapshotEpochsOnDisk(dir));
  if (!made) throw new UserError(`${dir}: metrics.jsonl is missing or empty`);
  return writeReport(dir, made.report, made.pngs);
}

/** The claims evaluated into `dir`/claims.json by reproduce or analyze --claims, if any. */
function savedClaims(dir: string): ClaimResult[] {
  const path = join(dir, "claims.json");
  if (!existsSync(path)) return [];
  try {
    const doc = JSON.parse(readRunFile(path)) as { claims?: unknown; format_version?: unknown };
    // An older claims.json (before scopes and extensions) is left out of the report: 'analyze --claims' rewrites it.
    return doc.format_version === 2 && Array.isArray(doc.claims) ? (doc.claims as ClaimResult[]) : [];
  } catch {
    throw new UserError(`${path}: not JSON; re-run 'initdrift analyze --claims' to rewrite it`);
  }
}

/** report.html and figures/ for a directory of runs (a sweep, or shards given together). */
export function reportSweep(roots: readonly string[], out: string, claims: readonly ClaimResult[] = savedClaims(out)): string {
  const dirs = findRunDirs(roots);
  if (dirs.length === 0) throw new UserError(`no run directories (with manifest.json) below ${roots.join(", ")}: nothing to report`);
  // The same runs as the summary's: each configuration and seed once, finished ones, lengths apart.
  const { runs } = selectRuns(dirs.map((d) => readRun(d)));
  const manifests = dirs.map((d) => ({ name: basename(d), manifest: readManifest(d) as Manifest }));
  return writeReport(out, sweepReport(aggregate(runs), manifests, runs, claims, orientationMapOfOneRun(runs)));
}

/**
 * The condensation study's 2-D map of W1's orientations for one run: the
 * ReLU run (else the first activation) at the smallest scale, first seed,
 * at its snapshot epoch where W1 is most condensed. None where no run
 * recorded cluster sizes or snapshots are missing.
 */
function orientationMapOfOneRun(runs: readonly RunRecord[]): Figure[] {
  const candidates = runs
    .filter((r) => r.analyses.some((a) => a.layer === "W1" && a.condensation?.clusters) && r.hiddenWidths.length >= 1)
    .sort(
      (a, b) =>
        Number(activationOf(a.config) !== "relu") - Number(activationOf(b.config) !== "relu") ||
        a.initScale - b.initScale ||
        a.seed - b.seed ||
        a.dir.localeCompare(b.dir),
    );
  const r = candidates[0];
  if (!r) return [];
  const onDisk = new Set(snapshotEpochsOnDisk(r.dir));
  const best = r.analyses
    .filter((a) => a.layer === "W1" && a.epoch >= 1 && onDisk.has(a.epoch) && a.condensation)
    .reduce<LayerAnalysis | undefined>((x, a) => (!x || a.condensation!.condensed_fraction > x.condensation!.condensed_fraction ? a : x), undefined);
  if (!best) return [];
  const units = r.units ?? [];
  const fanIn = units[0]!,
    fanOut = units[1]!;
  const w = readSnapshotLayer(r.dir, best.epoch, "W1", [fanIn, fanOut]),
    b = readSnapshotLayer(r.dir, best.epoch, "b1", [fanOut]);
  const c = condensation(w, b, fanIn, fanOut);
  const name = basename(r.dir);
  return [
    {
      name: "orientation-map-W1",
      svg: figureOrientationMap(c.similarity, fanOut, c.sizes, `${name}, W1 at epoch ${best.epoch}`),
      caption: `The orientations of W1's neurons in one run (${name}: ${activationOf(r.config)}, init scale ${r.initScale}, seed ${r.seed}) at its snapshot epoch where W1 is most condensed (${best.epoch}): each neuron's unit input vector (weights and bias) projected on the two principal directions of all of them; neurons on one orientation share a point, coloured by the largest orientation clusters (cos >= 0.95).`,
    },
  ];
}

/**
 * A run directory gets a run report, in itself; anything else a sweep
 * report, into `out` (default: itself), which is never a run directory: a
 * sweep's report would replace the run's own report.html and mix its
 * figures into the run's.
 */
export async function report(dir: string, out?: string): Promise<string> {
  if (readManifest(dir)) {
    if (out !== undefined && resolve(out) !== resolve(dir)) throw new UserError(`${dir} is a run: its report goes into the run's own directory; drop --out`, 2);
    return reportRun(dir);
  }
  const target = out ?? dir;
  if (out !== undefined && existsSync(join(out, "manifest.json")))
    throw new UserError(`${out} is a run directory: a sweep's report never goes into a run's files; give another --out (nothing was written)`, 2);
  return reportSweep([dir], target);
}
