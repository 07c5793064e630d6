import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { aggregate } from "../analysis/aggregate.js";
import { decodeNetpbm } from "../codec/netpbm.js";
import { maskContrast } from "../mask/mask.js";
import type { ClaimResult } from "../claims/spec.js";
import type { Manifest } from "../run/manifest.js";
import { decodeNpy } from "../codec/npy.js";
import { snapshotDir } from "../run/session.js";
import { condensation } from "../analysis/condensation.js";
import { figureSimilarity, PANEL_SIDE, weightImage } from "../report/figures.js";
import { runReport, sweepReport, type Figure, type Report } from "../report/report.js";
import { writeFileAtomic } from "./files.js";
import { readManifest } from "./runDirectory.js";
import { UserError } from "../errors.js";
import { findRunDirs, readRun, snapshotEpochsOnDisk } from "./runs.js";

function writeReport(dir: string, report: Report, pngs: { name: string; png: Uint8Array }[] = []): string {
  mkdirSync(join(dir, "figures"), { recursive: true });
  for (const f of report.figures) writeFileAtomic(join(dir, "figures", `${f.name}.svg`), f.svg);
  for (const p of pngs) writeFileAtomic(join(dir, "figures", p.name), p.png);
  const path = join(dir, "report.html");
  writeFileAtomic(path, report.html);
  return path;
}

/** report.html and figures/ for one run directory; masked runs get the weight-matrix images of Figure 1. */
export async function reportRun(dir: string): Promise<string> {
  const manifest = readManifest(dir)!;
  const run = readRun(dir);
  const panels: { epoch: number; png: Uint8Array; contrast: number | undefined }[] = [];
  const pngs: { name: string; png: Uint8Array }[] = [];
  const mask = manifest.config.mask;
  if (mask && existsSync(join(dir, "mask.pbm"))) {
    const bits = Uint8Array.from(decodeNetpbm(readFileSync(join(dir, "mask.pbm")), "mask.pbm").pixels, (v) => (v < 128 ? 1 : 0));
    const epochs = snapshotEpochsOnDisk(dir);
    let limit = 0;
    for (const epoch of epochs) {
      const path = join(dir, snapshotDir(epoch), `${mask.layer}.npy`);
      if (!existsSync(path)) continue;
      const { shape, data } = decodeNpy(readFileSync(path), path);
      if (limit === 0) for (const v of data) limit = Math.max(limit, Math.abs(v));
      pngs.push({ name: `${mask.layer}-e${String(epoch).padStart(6, "0")}.png`, png: await weightImage(data, shape[0]!, shape[1]!, limit || 1) });
      panels.push({ epoch, png: await weightImage(data, shape[0]!, shape[1]!, limit || 1, PANEL_SIDE), contrast: maskContrast(data, bits) });
    }
  }
  // Similarity matrices of the hidden layers at the last snapshot (condensation).
  const extra: Figure[] = [];
  const last = snapshotEpochsOnDisk(dir).at(-1);
  if (last !== undefined) {
    for (const [l, name] of manifest.layout.layers.slice(0, -1).entries()) {
      const wPath = join(dir, snapshotDir(last), `${name}.npy`),
        bPath = join(dir, snapshotDir(last), `b${l + 1}.npy`);
      if (!existsSync(wPath) || !existsSync(bPath)) continue;
      const fanIn = manifest.layout.units[l]!,
        fanOut = manifest.layout.units[l + 1]!;
      const c = condensation(decodeNpy(readFileSync(wPath), wPath).data, decodeNpy(readFileSync(bPath), bPath).data, fanIn, fanOut);
      extra.push({
        name: `similarity-${name}`,
        svg: await figureSimilarity(c.similarity, fanOut, `${name} at epoch ${last}: neuron similarity`, c.orientations),
        caption: `Cosine similarity between the input vectors (weights and bias) of ${name}'s ${fanOut} neurons at epoch ${last}, ordered by orientation cluster: condensed neurons form red blocks.`,
      });
    }
  }
  return writeReport(dir, runReport(manifest, run, panels, extra), pngs);
}

/** The claims evaluated into `dir`/claims.json by reproduce or analyze --claims, if any. */
function savedClaims(dir: string): ClaimResult[] {
  const path = join(dir, "claims.json");
  if (!existsSync(path)) return [];
  try {
    const doc = JSON.parse(readFileSync(path, "utf8")) as { claims?: unknown };
    return Array.isArray(doc.claims) ? (doc.claims as ClaimResult[]) : [];
  } catch {
    throw new UserError(`${path}: not JSON; re-run 'initdrift analyze --claims' to rewrite it`);
  }
}

/** report.html and figures/ for a directory of runs (a sweep, or shards given together). */
export function reportSweep(roots: readonly string[], out: string, claims: readonly ClaimResult[] = savedClaims(out)): string {
  const dirs = findRunDirs(roots);
  const runs = dirs.map((d) => readRun(d));
  const manifests = dirs.map((d) => ({ name: basename(d), manifest: readManifest(d) as Manifest }));
  return writeReport(out, sweepReport(aggregate(runs), manifests, runs, claims));
}

/** A run directory gets a run report; anything else a sweep report. */
export async function report(dir: string, out?: string): Promise<string> {
  return readManifest(dir) ? reportRun(dir) : reportSweep([dir], out ?? dir);
}
