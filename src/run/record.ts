import { variantOf, type RunRecord } from "../analysis/aggregate.js";
import type { LayerAnalysis } from "../analysis/layer.js";
import { regimes } from "../analysis/regimes.js";
import { DEFAULTS } from "../train/config.js";
import type { MetricRow } from "../train/trainer.js";
import type { Manifest } from "./manifest.js";

/** A run's record for aggregation and reports, from its manifest, metric rows and analyses (directory or memory alike). */
export function runRecordOf(dir: string, manifest: Manifest, rows: MetricRow[], analyses: LayerAnalysis[]): RunRecord {
  return {
    dir,
    dataset: manifest.dataset.name,
    hiddenWidths: manifest.config.hiddenWidths,
    seed: manifest.seed,
    status: manifest.status,
    config: manifest.config,
    variant: variantOf(manifest.config as unknown as Record<string, unknown>, DEFAULTS as unknown as Record<string, unknown>),
    initScale: manifest.config.initScale ?? 1,
    rows,
    analyses,
    regimes: regimes(rows, manifest.record?.thetas),
  };
}
