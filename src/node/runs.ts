import { existsSync, readdirSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import type { RunRecord } from "../run/record.js";
import { runRecordOf } from "../run/record.js";
import type { LayerAnalysis } from "../analysis/layer.js";
import { createLayout } from "../model/layout.js";
import { analyzeLayers } from "../run/recorder.js";
import { DEFAULT_THETAS } from "../analysis/regimes.js";
import { UserError } from "../errors.js";
import type { Manifest } from "../run/manifest.js";
import { decodeNpy } from "../codec/npy.js";
import { parseAnalyses, parseMetricRows } from "../run/documents.js";
import { runSummary, snapshotDir } from "../run/session.js";
import type { MetricRow } from "../run/metrics.js";
import { optionalRunBytes, readRunFile, writeFileAtomic } from "./files.js";
import { lockRunDirectory } from "./lock.js";
import { readManifest } from "./runDirectory.js";

/** Every run directory (one holding manifest.json) at or below each root, sorted. */
export function findRunDirs(roots: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    if (existsSync(join(dir, "manifest.json"))) {
      found.push(dir);
      return;
    }
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && !entry.name.startsWith(".")) walk(join(dir, entry.name));
    }
  };
  for (const root of roots) {
    if (!existsSync(root) || !statSync(root).isDirectory()) throw new UserError(`${root}: not a directory`);
    walk(root);
  }
  // Real paths: the same run reached twice (a and a/, a link, a parent and its child) counts once.
  return [...new Set(found.map((d) => realpathSync(d)))].sort();
}

const readText = (path: string): string | undefined => (existsSync(path) ? readRunFile(path) : undefined);

/**
 * One snapshot array, checked against the shape the run's layout gives it
 * (a kernel fanIn x fanOut, a bias fanOut) and for finite values: a
 * transposed or wrong-sized file would otherwise be read as other weights.
 */
export function readSnapshotLayer(dir: string, epoch: number, layer: string, shape: readonly number[]): Float32Array {
  const name = `${snapshotDir(epoch)}/${layer}.npy`;
  const bytes = optionalRunBytes(dir, name);
  if (!bytes) throw new UserError(`${join(dir, name)}: snapshot missing`);
  const array = decodeNpy(bytes, join(dir, name));
  if (array.shape.length !== shape.length || array.shape.some((n, i) => n !== shape[i]))
    throw new UserError(`${join(dir, name)}: shape [${array.shape.join(", ")}], but the run's layout gives ${layer} the shape [${shape.join(", ")}]`);
  if (epoch === 0 && !array.data.every(Number.isFinite))
    throw new UserError(`${join(dir, name)}: non-finite initial values; the run's start cannot be measured from`);
  return array.data;
}

/** Epochs that have a snapshot directory. */
export function snapshotEpochsOnDisk(dir: string): number[] {
  const root = join(dir, "snapshots");
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((n) => /^e(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/**
 * Recomputes analysis.jsonl and summary.json of a run from its snapshots:
 * the epochs the run analysed (that have snapshots), layers in layout order,
 * so a run that kept its snapshots gets back its analysis.jsonl byte for
 * byte. The Hessian needs the training data, not only the weights: its
 * fields are carried over from the run's own analysis.jsonl.
 */
export function reanalyzeRun(dir: string, manifest: Manifest, rows: MetricRow[]): LayerAnalysis[] {
  lockRunDirectory(dir); // it rewrites analysis.jsonl and summary.json: not while another process writes the run
  const onDisk = snapshotEpochsOnDisk(dir);
  if (!onDisk.includes(0)) throw new UserError(`${dir}: no epoch-0 snapshot to measure drift from`);
  const analysed = manifest.record?.analysis;
  const epochs = analysed ? onDisk.filter((e) => analysed.includes(e)) : onDisk;
  const previous = new Map(parseAnalyses(readText(join(dir, "analysis.jsonl")), join(dir, "analysis.jsonl")).map((a) => [`${a.epoch}/${a.layer}`, a]));
  const units = manifest.layout.units;
  const layers = createLayout(units[0]!, units.slice(1, -1), units.at(-1)!).layers;
  const kernel = (layer: (typeof layers)[number]) => [layer.fanIn, layer.fanOut];
  const initial = new Map(layers.map((layer) => [layer.name, readSnapshotLayer(dir, 0, layer.name, kernel(layer))]));
  const analyses: LayerAnalysis[] = [];
  for (const epoch of epochs) {
    const epochAnalyses = analyzeLayers(
      layers,
      epoch,
      (layer) => initial.get(layer.name)!,
      (layer) => readSnapshotLayer(dir, epoch, layer.name, kernel(layer)),
      (layer) => readSnapshotLayer(dir, epoch, `b${layer.index + 1}`, [layer.fanOut]),
      { clusters: manifest.record?.clusters === true },
    );
    for (const a of epochAnalyses) {
      const before = previous.get(`${epoch}/${a.layer}`);
      if (before?.hessian_top !== undefined) a.hessian_top = before.hessian_top;
      if (before?.hessian_top_network !== undefined) a.hessian_top_network = before.hessian_top_network;
      if (before?.hessian_gain !== undefined) a.hessian_gain = before.hessian_gain;
      analyses.push(a);
    }
  }
  writeFileAtomic(join(dir, "analysis.jsonl"), `${analyses.map((a) => JSON.stringify(a)).join("\n")}\n`);
  writeFileAtomic(join(dir, "summary.json"), `${JSON.stringify(runSummary(manifest, rows, analyses, manifest.record?.thetas ?? DEFAULT_THETAS), null, 2)}\n`);
  return analyses;
}

/** Reads a run directory for aggregation (optionally re-analysing it from its snapshots first). */
export function readRun(dir: string, reanalyze = false): RunRecord {
  const manifest = readManifest(dir)!;
  const rows = parseMetricRows(readText(join(dir, "metrics.jsonl")), join(dir, "metrics.jsonl"));
  if (rows.length === 0) throw new UserError(`${dir}: metrics.jsonl is missing or empty`);
  const analyses = reanalyze ? reanalyzeRun(dir, manifest, rows) : parseAnalyses(readText(join(dir, "analysis.jsonl")), join(dir, "analysis.jsonl"));
  return runRecordOf(dir, manifest, rows, analyses);
}
