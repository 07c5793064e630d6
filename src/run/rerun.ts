import { canonicalJson } from "../codec/canonicalJson.js";
import type { Dataset } from "../data/dataset.js";
import { decodeNetpbm } from "../codec/netpbm.js";
import type { Manifest } from "./manifest.js";
import { executeRun, minimalRecord, type PlatformInfo } from "./session.js";
import type { LayerAnalysis } from "../analysis/layer.js";

import type { MetricRow } from "./metrics.js";
import { parseAnalyses, parseMetricRows, parseRunSummary } from "./documents.js";
import { metricsCsv } from "./metrics.js";

/**
 * The platform-neutral core of `initdrift verify` (Node) and the page's
 * Verify button: re-run a recorded run and compare what it produces with
 * what the run recorded.
 */

/** Roles of the run's dataset files whose contents differ from `dataset`'s (compared decompressed). */
export function datasetDifferences(m: Manifest, dataset: Dataset): string[] {
  const id = (f: { raw_sha256?: string | undefined; sha256: string }) => f.raw_sha256 ?? f.sha256;
  return m.dataset.files
    .filter((f) => {
      const g = dataset.files.find((x) => x.role === f.role);
      return !g || id(g) !== id(f);
    })
    .map((f) => f.role);
}

/** The mask bits of a masked run from its mask.pbm (dark = inside). */
export function maskBitsOf(pbm: Uint8Array, where: string): Uint8Array {
  return Uint8Array.from(decodeNetpbm(pbm, where).pixels, (v) => (v < 128 ? 1 : 0));
}

/** What a re-run produced: the files verify compares with the recorded ones. */
export interface Reproduction {
  /** The re-run's own manifest (its times and platform are this run's). */
  manifest: Manifest;
  final_params_sha256: string | null;
  status: Manifest["status"];
  metrics: MetricRow[];
  analyses: LayerAnalysis[];
  summary: unknown;
}

/**
 * Trains the run again from its manifest (config, execution, recording plan,
 * mask) with the given kernel module, keeping its metrics, analyses and
 * summary in memory (snapshots and checkpoints are not written).
 */
export async function rerun(m: Manifest, module: WebAssembly.Module, dataset: Dataset, platform: PlatformInfo, maskBits?: Uint8Array): Promise<Reproduction> {
  const kept = new Map<string, string>();
  const run = await executeRun({
    config: m.config,
    execution: { sparseInput: m.kernels.sparse_input ? "on" : "off" },
    record: { ...(m.record ?? minimalRecord(m.config.epochs)), snapshots: [] },
    dataset,
    kernels: { mode: m.kernels.mode, file: m.kernels.file, sha256: m.kernels.sha256, module },
    platform,
    sink: {
      write: (name, data) => {
        if (name === "analysis.jsonl" || name === "summary.json") kept.set(name, typeof data === "string" ? data : new TextDecoder().decode(data));
      },
    },
    ...(maskBits ? { maskBits } : {}),
  });
  return {
    manifest: run.manifest,
    final_params_sha256: run.manifest.final_params_sha256,
    status: run.manifest.status,
    metrics: run.rows,
    analyses: parseAnalyses(kept.get("analysis.jsonl"), "re-run analysis.jsonl"),
    summary: JSON.parse(kept.get("summary.json") ?? "null"),
  };
}

/** The recorded files of a run, as verify reads them (undefined: absent). */
export interface RecordedRun {
  manifest: Manifest;
  metrics: string | undefined;
  /** metrics.csv, compared with the re-run's but for the wall seconds; undefined when absent. */
  metricsCsv?: string | undefined;
  analysis: string | undefined;
  summary: string | undefined;
}

/** Wall-clock seconds differ from run to run; everything else in a row is bits. */
const rowBits = ({ seconds: _s, ...rest }: MetricRow): string => canonicalJson(rest);

/**
 * Every way a re-run differs from what the run recorded, in words (empty:
 * reproduced): the final hash, each metrics row but its wall seconds,
 * analysis.jsonl row by row, summary.json whole. Missing files count as differences.
 */
export function reproductionDifferences(recorded: RecordedRun, got: Reproduction, where: string): string[] {
  const out: string[] = [];
  const m = recorded.manifest;
  if (got.final_params_sha256 !== m.final_params_sha256) out.push(`final parameters differ (got ${got.final_params_sha256?.slice(0, 16)})`);
  if (got.status !== m.status) out.push(`status differs (got ${got.status}, recorded ${m.status})`);
  const fields = manifestDifferences(m, got.manifest);
  if (fields.length) out.push(`manifest.json differs (${fields.join(", ")})`);
  if (recorded.metricsCsv !== undefined && withoutSeconds(recorded.metricsCsv) !== withoutSeconds(metricsCsv(got.metrics))) out.push("metrics.csv differs");
  if (recorded.metrics === undefined) out.push("metrics.jsonl is missing");
  else {
    const rows = parseMetricRows(recorded.metrics, `${where}/metrics.jsonl`);
    if (rows.length !== got.metrics.length) out.push(`metrics.jsonl has ${rows.length} rows, the re-run ${got.metrics.length}`);
    const i = rows.findIndex((r, k) => got.metrics[k] !== undefined && rowBits(r) !== rowBits(got.metrics[k]!));
    if (i >= 0) {
      const field = Object.keys(rows[i]!).find(
        (k) => k !== "seconds" && canonicalJson(rows[i]![k as keyof MetricRow]) !== canonicalJson(got.metrics[i]![k as keyof MetricRow]),
      );
      out.push(`metrics.jsonl differs at epoch ${rows[i]!.epoch}${field ? ` (${field})` : ""}`);
    }
  }
  if (recorded.analysis === undefined) {
    if (got.analyses.length > 0) out.push("analysis.jsonl is missing");
  } else {
    const rows = parseAnalyses(recorded.analysis, `${where}/analysis.jsonl`);
    if (rows.length !== got.analyses.length) out.push(`analysis.jsonl has ${rows.length} rows, the re-run ${got.analyses.length}`);
    const i = rows.findIndex((a, k) => got.analyses[k] !== undefined && canonicalJson(a) !== canonicalJson(got.analyses[k]));
    if (i >= 0) out.push(`analysis.jsonl differs at epoch ${rows[i]!.epoch}, layer ${rows[i]!.layer}`);
  }
  if (recorded.summary === undefined) out.push("summary.json is missing");
  else {
    const field = firstDifference(parseRunSummary(recorded.summary, `${where}/summary.json`), got.summary, "");
    if (field !== undefined) out.push(`summary.json differs${field ? ` (${field})` : ""}`);
  }
  return out;
}

/** The manifest fields a re-run must give again: everything but times, platform, tool and resumes. */
const MANIFEST_FIELDS = ["seed", "config", "config_sha256", "epochs_completed", "layout", "initial_params_sha256", "final_params_sha256", "status"] as const;

function manifestDifferences(recorded: Manifest, got: Manifest): string[] {
  const out: string[] = MANIFEST_FIELDS.filter((k) => canonicalJson(recorded[k]) !== canonicalJson(got[k]));
  // Written since format 1's first runs: compared where the recorded manifest has it.
  if (recorded.initial_weight_rms !== undefined && canonicalJson(recorded.initial_weight_rms) !== canonicalJson(got.initial_weight_rms))
    out.push("initial_weight_rms");
  for (const k of ["train_count", "test_count"] as const) if (recorded.dataset[k] !== got.dataset[k]) out.push(`dataset.${k}`);
  if (recorded.kernels.mode !== got.kernels.mode) out.push("kernels.mode");
  return out;
}

/** metrics.csv without its wall-seconds column: the rest is bits. */
function withoutSeconds(csv: string): string {
  const lines = csv.trimEnd().split("\n");
  const column = lines[0]!.split(",").indexOf("seconds");
  return lines
    .map((l) =>
      l
        .split(",")
        .filter((_, i) => i !== column)
        .join(","),
    )
    .join("\n");
}

/**
 * The first field (a dotted path; "" for the whole) where `recorded` differs
 * from `got`, or undefined. Every recorded field must match; a field the
 * re-run adds that the recorded file lacks (written by an older initdrift,
 * before the field existed) is not a difference.
 */
export function firstDifference(recorded: unknown, got: unknown, path: string): string | undefined {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  if (Array.isArray(recorded) && Array.isArray(got) && recorded.length === got.length) {
    for (let i = 0; i < recorded.length; i++) {
      const d = firstDifference(recorded[i], got[i], `${path}[${i}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (isObject(recorded) && isObject(got)) {
    for (const [k, v] of Object.entries(recorded)) {
      const d = firstDifference(v, got[k], path ? `${path}.${k}` : k);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  return canonicalJson(recorded) === canonicalJson(got) ? undefined : path;
}
