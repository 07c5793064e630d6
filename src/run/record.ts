import { variantOf, type RunRecord } from "../analysis/aggregate.js";
import type { LayerAnalysis } from "../analysis/layer.js";
import { regimes } from "../analysis/regimes.js";
import { DEFAULTS } from "../train/config.js";
import type { MetricRow } from "../train/trainer.js";
import type { Manifest } from "./manifest.js";
import { UserError } from "../errors.js";

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
    rows,
    analyses,
    regimes: regimes(rows, manifest.record?.thetas),
  };
}
