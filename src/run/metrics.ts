import type { ParamLayout } from "../model/layout.js";
import type { EpochMeasures, Trainer } from "../train/trainer.js";

/** One row of metrics.jsonl / metrics.csv. Epoch 0 is the initial network, before any update. */
export interface MetricRow {
  epoch: number;
  /** Epoch >= 1: mean per-sample loss over the epoch's minibatches, weights moving (Keras). Epoch 0: the initial network on the whole training set. */
  train_loss: number;
  train_accuracy: number;
  /** Loss and accuracy on the test set at the end of the epoch. */
  test_loss: number;
  test_accuracy: number;
  /** Paper Eq. 5 over all kernel entries of the network. */
  rmsd: number;
  /** Eq. 5 per layer, W1 first. */
  rmsd_by_layer: number[];
  /** Wall-clock seconds this epoch took (training and evaluation). */
  seconds: number;
  /** Masked runs: mean |w| outside the mask over mean |w| inside, in the masked layer. */
  mask_contrast?: number;
}

/** The row of an epoch the trainer has just measured: its measures and the weights' RMSD from their initial values (Eq. 5). */
export function metricRow(m: EpochMeasures, trainer: Pick<Trainer, "squaredDeviationByLayer" | "maskContrast"> & { layout: ParamLayout }): MetricRow {
  const sq = trainer.squaredDeviationByLayer();
  const total = sq.reduce((a, b) => a + b, 0);
  const contrast = trainer.maskContrast();
  return {
    epoch: m.epoch,
    train_loss: m.trainLoss,
    train_accuracy: m.trainAccuracy,
    test_loss: m.testLoss,
    test_accuracy: m.testAccuracy,
    rmsd: Math.sqrt(total / trainer.layout.weightCount),
    rmsd_by_layer: sq.map((s, l) => Math.sqrt(s / trainer.layout.layers[l]!.weightCount)),
    seconds: m.seconds,
    ...(contrast !== undefined ? { mask_contrast: contrast } : {}),
  };
}

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
