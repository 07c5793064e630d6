import { condensation } from "../analysis/condensation.js";
import { decodeNetpbm } from "../codec/netpbm.js";
import { decodeNpy } from "../codec/npy.js";
import { UserError } from "../errors.js";
import { maskContrast } from "../mask/mask.js";
import { runRecordOf } from "../run/record.js";
import { parseAnalyses, parseManifest, parseMetricRows } from "../run/documents.js";
import { snapshotDir } from "../run/session.js";
import { figureOrientationMap, figureSimilarity, PANEL_SIDE, weightImage } from "./figures.js";
import { type Figure, type Report, runReport } from "./reportPage.js";

/**
 * The one report of a run, from its files: the CLI (a directory on disk) and
 * the page (files in memory) both call this, so they write the same
 * report.html and figures for the same run.
 */

/** A run's file by its name in the run directory (e.g. "snapshots/e000003/W2.npy"), or undefined. */
export type RunFileReader = (name: string) => Uint8Array | undefined;

export interface RunReportFiles {
  report: Report;
  /** The masked layer at every snapshot epoch, full size, for figures/. */
  pngs: { name: string; png: Uint8Array }[];
}

/** Figure 1 shows at most this many snapshot epochs (spread evenly, first and last always). */
export const MAX_PANELS = 8;

/** The epochs of the snapshot directories among a run's file names. */
export function snapshotEpochsOf(names: Iterable<string>): number[] {
  const epochs = new Set<number>();
  for (const n of names) {
    const m = /^snapshots\/e(\d+)\//.exec(n);
    if (m) epochs.add(Number(m[1]));
  }
  return [...epochs].sort((a, b) => a - b);
}

function panelEpochs(epochs: number[]): number[] {
  if (epochs.length <= MAX_PANELS) return epochs;
  const every = Math.ceil(epochs.length / MAX_PANELS);
  return epochs.filter((_, i) => i % every === 0 || i === epochs.length - 1);
}

/**
 * report.html's content and figures for one run: key numbers, the loss and
 * RMSD curves, Figure 3 per layer, Figures A1/A2; for a masked run the masked
 * layer at its snapshot epochs (Figure 1) and as PNG files; the hidden layers'
 * similarity matrices at the last snapshot. undefined when the run has no
 * metrics yet.
 */
export async function reportOfRunFiles(read: RunFileReader, label: string, snapshotEpochs: readonly number[]): Promise<RunReportFiles | undefined> {
  const text = (name: string): string | undefined => {
    const bytes = read(name);
    return bytes && new TextDecoder().decode(bytes);
  };
  const manifestText = text("manifest.json");
  if (!manifestText) return undefined;
  const manifest = parseManifest(manifestText, `${label}/manifest.json`);
  const rows = parseMetricRows(text("metrics.jsonl"), `${label}/metrics.jsonl`);
  if (rows.length === 0) return undefined;
  const analyses = parseAnalyses(text("analysis.jsonl"), `${label}/analysis.jsonl`);
  const run = runRecordOf(label, manifest, rows, analyses);
  // Each snapshot is checked against the shape the run's layout gives it (Wk: units[k-1] x units[k], bk: units[k]).
  const units = manifest.layout.units;
  const npy = (epoch: number, name: string) => {
    const path = `${snapshotDir(epoch)}/${name}.npy`;
    const bytes = read(path);
    if (!bytes) return undefined;
    const array = decodeNpy(bytes, path);
    const k = Number(name.slice(1));
    const shape = name.startsWith("W") ? [units[k - 1], units[k]] : [units[k]];
    if (array.shape.length !== shape.length || array.shape.some((n, i) => n !== shape[i]))
      throw new UserError(`${label}/${path}: shape [${array.shape.join(", ")}], but the run's layout gives ${name} the shape [${shape.join(", ")}]`);
    return array;
  };

  const panels: { epoch: number; png: Uint8Array; contrast: number | undefined }[] = [];
  const pngs: { name: string; png: Uint8Array }[] = [];
  const mask = manifest.config.mask;
  const pbm = read("mask.pbm");
  if (mask && pbm) {
    const bits = Uint8Array.from(decodeNetpbm(pbm, "mask.pbm").pixels, (v) => (v < 128 ? 1 : 0));
    const shown = new Set(panelEpochs(snapshotEpochs.filter((e) => npy(e, mask.layer))));
    let limit = 0;
    for (const epoch of snapshotEpochs) {
      const w = npy(epoch, mask.layer);
      if (!w) continue;
      // One colour scale for every epoch: the first snapshot's largest |w|, so the panels compare.
      if (limit === 0) for (const v of w.data) limit = Math.max(limit, Math.abs(v));
      const [rows_, cols] = [w.shape[0]!, w.shape[1]!];
      pngs.push({ name: `${mask.layer}-e${String(epoch).padStart(6, "0")}.png`, png: await weightImage(w.data, rows_, cols, limit || 1) });
      if (shown.has(epoch)) panels.push({ epoch, png: await weightImage(w.data, rows_, cols, limit || 1, PANEL_SIDE), contrast: maskContrast(w.data, bits) });
    }
  }

  // Similarity matrices of the hidden layers at the last snapshot (condensation).
  const extra: Figure[] = [];
  const last = snapshotEpochs.at(-1);
  if (last !== undefined) {
    for (const [l, name] of manifest.layout.layers.slice(0, -1).entries()) {
      const w = npy(last, name),
        b = npy(last, `b${l + 1}`);
      if (!w || !b) continue;
      const fanOut = manifest.layout.units[l + 1]!;
      const c = condensation(w.data, b.data, manifest.layout.units[l]!, fanOut);
      extra.push({
        name: `similarity-${name}`,
        svg: await figureSimilarity(c.similarity, fanOut, `${name} at epoch ${last}: neuron similarity`, c.orientations),
        caption: `Cosine similarity between the input vectors (weights and bias) of ${name}'s ${fanOut} neurons at epoch ${last}, ordered by orientation cluster: condensed neurons form red blocks.`,
      });
      extra.push({
        name: `orientations-${name}`,
        svg: figureOrientationMap(c.similarity, fanOut, c.sizes, `${name} at epoch ${last}: neuron orientations`),
        caption: `The orientations of ${name}'s neurons at epoch ${last} on a plane: each neuron's unit input vector (weights and bias) projected on the two principal directions of all of them. Neurons on one orientation share a point; the colours are the largest orientation clusters (cos >= 0.95).`,
      });
    }
  }
  return { report: runReport(manifest, run, panels, extra), pngs };
}
