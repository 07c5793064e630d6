import type { MetricRow } from "../train/trainer.js";

/** metrics.jsonl: one JSON object per line, epoch 0 first. */
export function metricsJsonl(rows: readonly MetricRow[]): string {
  return rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length > 0 ? "\n" : "");
}

/** metrics.csv's header for rows like `first`. */
function csvHeader(first: MetricRow | undefined): string {
  const layers = first?.rmsd_by_layer.length ?? 0;
  const header = [
    "epoch",
    "train_loss",
    "train_accuracy",
    "test_loss",
    "test_accuracy",
    "rmsd",
    ...Array.from({ length: layers }, (_, l) => `rmsd_W${l + 1}`),
    "seconds",
  ];
  if (first?.mask_contrast !== undefined) header.push("mask_contrast");
  return header.join(",");
}

/** One row of metrics.csv (no newline). */
export function metricsCsvRow(r: MetricRow, masked: boolean): string {
  return [r.epoch, r.train_loss, r.train_accuracy, r.test_loss, r.test_accuracy, r.rmsd, ...r.rmsd_by_layer, r.seconds, ...(masked ? [r.mask_contrast] : [])]
    .map((v) => String(v))
    .join(",");
}

/** metrics.csv: the same rows; rmsd_by_layer becomes rmsd_W1, rmsd_W2, ... */
export function metricsCsv(rows: readonly MetricRow[]): string {
  const masked = rows[0]?.mask_contrast !== undefined;
  return [csvHeader(rows[0]), ...rows.map((r) => metricsCsvRow(r, masked))].join("\n") + "\n";
}
