/**
 * The schemas of the documents a run directory holds, and the one parser for
 * each. Every command that reads a manifest, metrics, an analysis or a
 * summary goes through these, so a damaged file gets the same one-line
 * answer everywhere (codec/schema.ts). Checkpoints and PACKAGE.json keep
 * their schemas beside their formats (checkpoint.ts, packageFormat.ts).
 */
import type { LayerAnalysis } from "../analysis/layer.js";
import {
  array,
  boolean,
  literal,
  nonNegativeInt,
  nullable,
  number,
  numberOrNull,
  object,
  optional,
  parseDocument,
  positiveInt,
  type Schema,
  sha256Hex,
  string,
  validate,
} from "../codec/schema.js";
import { UserError } from "../errors.js";
import type { TrainConfig } from "../train/config.js";
import type { MetricRow } from "./metrics.js";
import { type Manifest, RUN_FORMAT } from "./manifest.js";

export const trainConfigSchema = object({
  dataset: string,
  hiddenWidths: array(positiveInt),
  epochs: nonNegativeInt,
  seed: nonNegativeInt,
  batchSize: positiveInt,
  learningRate: number,
  shuffle: boolean,
  keepPartialBatch: boolean,
  epsilon: number,
  loss: optional(literal("from-logits")),
  init: string,
  initScale: optional(number),
  biasInit: optional(number),
  mask: optional(object({ kind: literal("glyph", "image"), source: string, layer: string, invert: boolean, bits_sha256: sha256Hex })),
  invert: optional(boolean),
  trainLimit: optional(positiveInt),
  testLimit: optional(positiveInt),
}) as unknown as Schema<TrainConfig>;

const dataFile = object({ role: string, path: string, sha256: sha256Hex, bytes: nonNegativeInt, raw_sha256: optional(sha256Hex) });

export const manifestSchema = object({
  format: literal(RUN_FORMAT),
  format_version: positiveInt,
  tool: object({ name: string, version: string }),
  kernels: object({ mode: literal("exact", "fast", "debug"), file: string, sha256: sha256Hex, sparse_input: boolean }),
  platform: object({ runtime: string, version: string, os: string, arch: string, cpu: string }),
  config: trainConfigSchema,
  config_sha256: sha256Hex,
  seed: nonNegativeInt,
  dataset: object({ name: string, files: array(dataFile), train_count: nonNegativeInt, test_count: nonNegativeInt, verified: optional(boolean) }),
  layout: object({ units: array(positiveInt), param_count: positiveInt, weight_count: positiveInt, layers: array(string) }),
  started_at: string,
  ended_at: nullable(string),
  status: literal("running", "completed", "diverged", "interrupted", "failed"),
  epochs_completed: nonNegativeInt,
  resumes: optional(array(object({ at: string, from_epoch: nonNegativeInt }))),
  record: optional(
    object({
      snapshots: array(nonNegativeInt),
      analysis: array(nonNegativeInt),
      thetas: array(number),
      hessianSamples: optional(positiveInt),
      clusters: optional(boolean),
    }),
  ),
  message: optional(string),
  initial_params_sha256: sha256Hex,
  initial_weight_rms: optional(array(number)),
  final_params_sha256: nullable(sha256Hex),
}) as unknown as Schema<Manifest>;

export const metricRowSchema = object({
  epoch: nonNegativeInt,
  train_loss: numberOrNull,
  train_accuracy: numberOrNull,
  test_loss: numberOrNull,
  test_accuracy: numberOrNull,
  rmsd: numberOrNull,
  rmsd_by_layer: array(numberOrNull),
  seconds: number,
  mask_contrast: optional(numberOrNull),
}) as unknown as Schema<MetricRow>;

const numbers = array(numberOrNull);
export const analysisSchema = object({
  epoch: nonNegativeInt,
  layer: string,
  weights: positiveInt,
  rmsd: numberOrNull,
  a0: numberOrNull,
  a1: numberOrNull,
  b0: numberOrNull,
  b1: numberOrNull,
  b2: numberOrNull,
  sigma0: numberOrNull,
  c_opt: numberOrNull,
  bands: object({ edges: numbers, count: numbers, q25: numbers, median: numbers, q75: numbers }),
  hist2d: object({ x_edges: numbers, y_edges: numbers, counts: array(numbers) }),
}) as unknown as Schema<LayerAnalysis>;

/** summary.json of one run (runSummary): identity and regimes; verify compares it whole. */
export const runSummarySchema = object({
  dataset: string,
  hidden_widths: array(positiveInt),
  seed: nonNegativeInt,
  config_sha256: sha256Hex,
  status: string,
  epochs_completed: nonNegativeInt,
  final_params_sha256: nullable(sha256Hex),
  t_theta: array(object({ theta: number, epoch: nullable(nonNegativeInt), rmsd: numberOrNull })),
  last_analysis: array(object({ layer: string, epoch: nonNegativeInt })),
});

export function parseManifest(text: string, where: string): Manifest {
  return parseDocument(text, manifestSchema, where);
}

export function parseRunSummary(text: string, where: string): ReturnType<typeof runSummarySchema> {
  return parseDocument(text, runSummarySchema, where);
}

/**
 * JSON lines of a run file (absent: none); each line must fit `schema`, and
 * a damaged line is an error, never skipped. The one exception is a last
 * line without its newline: runs append a line per epoch in one write that
 * ends in "\n", so such a line is an append cut short by a kill, and it is
 * dropped (resume rewrites the file from its checkpoint).
 */
function parseJsonLines<T>(text: string | undefined, where: string, schema: Schema<T>): T[] {
  if (text === undefined) return [];
  const rows: T[] = [];
  const lines = text.split("\n");
  lines.pop(); // "" after the final newline, or a torn last line
  lines.forEach((l, i) => {
    if (!l.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(l);
    } catch {
      throw new UserError(`${where}: line ${i + 1} is not JSON; the run is damaged`);
    }
    rows.push(validate(schema, value, `${where}: line ${i + 1}`));
  });
  return rows;
}

export function parseMetricRows(text: string | undefined, where: string): MetricRow[] {
  const rows = parseJsonLines(text, where, metricRowSchema);
  rows.forEach((r, i) => {
    if (r.epoch !== (rows[0]?.epoch ?? 0) + i) throw new UserError(`${where}: line ${i + 1}: epoch ${r.epoch} out of sequence; the run is damaged`);
  });
  return rows;
}

export function parseAnalyses(text: string | undefined, where: string): LayerAnalysis[] {
  return parseJsonLines(text, where, analysisSchema);
}
