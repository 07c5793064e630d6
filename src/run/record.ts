import type { LayerAnalysis } from "../analysis/layer.js";
import { type Regimes, regimes } from "../analysis/regimes.js";
import type { TrainConfig } from "../train/config.js";
import { DEFAULTS } from "../train/config.js";
import type { MetricRow } from "./metrics.js";
import type { Manifest } from "./manifest.js";
import { UserError } from "../errors.js";

/** One run as the studies read it (study/aggregate.ts, the claims, the reports): its config, rows, analyses and regimes. */
export interface RunRecord {
  dir: string;
  dataset: string;
  /** The dataset's files matched the catalogue's checksums (the paper's data); false or absent otherwise. */
  datasetVerified?: boolean;
  hiddenWidths: number[];
  /** What else sets the group apart besides dataset and widths (init, scale, lr, ...; "" for the defaults), and the init scale. */
  variant: string;
  initScale: number;
  /** Each layer's initial weight RMS (manifest.initial_weight_rms; absent for runs of older versions). */
  initialWeightRms?: number[];
  /** Units of each layer, input first (manifest.layout.units). */
  units?: readonly number[];
  seed: number;
  status: string;
  /** The run's full config (train limit, mask, ...), for the claims. */
  config: TrainConfig;
  rows: MetricRow[];
  analyses: LayerAnalysis[];
  regimes: Regimes;
}

/**
 * The variant label of a config: every option that differs from the
 * defaults, apart from dataset, widths, seed and epochs (runs that differ only
 * in those belong together). "" for the paper's defaults.
 */
export function variantOf(config: Record<string, unknown>, defaults: Record<string, unknown>): string {
  const skip = new Set(["dataset", "hiddenWidths", "seed", "epochs"]);
  const parts: string[] = [];
  for (const [k, v] of Object.entries(config).sort(([a], [b]) => a.localeCompare(b))) {
    if (skip.has(k) || v === undefined || JSON.stringify(v) === JSON.stringify(defaults[k])) continue;
    const value =
      k === "mask" && v && typeof v === "object"
        ? `${(v as { source: string }).source}@${(v as { layer: string }).layer}`
        : typeof v === "object"
          ? JSON.stringify(v)
          : String(v);
    parts.push(`${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${value}`);
  }
  return parts.join(", ");
}

/** A run's record for aggregation and reports, from its manifest, metric rows and analyses (directory or memory alike). */
export function runRecordOf(dir: string, manifest: Manifest, rows: MetricRow[], analyses: LayerAnalysis[]): RunRecord {
  // Every caller reads rows from a file: none (empty, or one torn line) is the file's fault, said in one line.
  if (rows.length === 0) throw new UserError(`${dir}: metrics.jsonl has no complete row`);
  return {
    dir,
    dataset: manifest.dataset.name,
    datasetVerified: manifest.dataset.verified,
    hiddenWidths: manifest.config.hiddenWidths,
    seed: manifest.seed,
    status: manifest.status,
    config: manifest.config,
    variant: variantOf(manifest.config as unknown as Record<string, unknown>, DEFAULTS as unknown as Record<string, unknown>),
    initScale: manifest.config.initScale ?? 1,
    ...(manifest.initial_weight_rms ? { initialWeightRms: manifest.initial_weight_rms } : {}),
    units: manifest.layout.units,
    rows,
    analyses,
    regimes: regimes(rows, manifest.record?.thetas),
  };
}
