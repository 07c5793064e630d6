import type { LayerAnalysis } from "../analysis/layer.js";
import type { Dataset } from "../data/dataset.js";
import { UserError } from "../errors.js";
import { createLayout } from "../model/layout.js";
import type { TrainConfig } from "../train/config.js";
import type { MetricRow } from "../train/trainer.js";
import { readCheckpoint } from "./checkpoint.js";
import type { Manifest } from "./manifest.js";
import { configHash, type ResumeData } from "./session.js";

/** JSON lines of a run file (absent: none); a damaged line is an error, never skipped. */
export function parseJsonLines<T>(text: string | undefined, where: string): T[] {
  if (text === undefined) return [];
  const rows: T[] = [];
  text.split("\n").forEach((l, i) => {
    if (!l.trim()) return;
    try {
      rows.push(JSON.parse(l) as T);
    } catch {
      throw new UserError(`${where}: line ${i + 1} is not JSON; the run is damaged`);
    }
  });
  return rows;
}

/**
 * A run's checkpoint, ready to continue, from its files by name relative to
 * the run ("checkpoint/state.json", "metrics.jsonl", ...): a directory in
 * Node, memory in a browser. Undefined when it has no checkpoint.
 */
export async function resumeFromFiles(
  read: (name: string) => Uint8Array | undefined,
  where: string,
  config: TrainConfig,
  dataset: Dataset,
): Promise<ResumeData | undefined> {
  const state = read("checkpoint/state.json");
  if (!state) return undefined;
  const readCp = (name: string): Uint8Array => {
    const bytes = read(`checkpoint/${name}`);
    if (!bytes) throw new UserError(`${where}/checkpoint: corrupt checkpoint (${name} missing); remove it or use --force to start over`);
    return bytes;
  };
  const text = (name: string) => {
    const b = read(name);
    return b && new TextDecoder().decode(b);
  };
  const paramCount = createLayout(dataset.inputSize, config.hiddenWidths, dataset.classes).paramCount;
  const { paramsFile, ...trainer } = await readCheckpoint(state, readCp, `${where}/checkpoint`, await configHash(config), paramCount);
  const manifestText = text("manifest.json");
  const manifest = manifestText ? (JSON.parse(manifestText) as Manifest) : undefined;
  return {
    state: trainer,
    paramsFile,
    rows: parseJsonLines<MetricRow>(text("metrics.jsonl"), `${where}/metrics.jsonl`),
    analyses: parseJsonLines<LayerAnalysis>(text("analysis.jsonl"), `${where}/analysis.jsonl`),
    startedAt: manifest?.started_at ?? new Date().toISOString(),
    resumes: manifest?.resumes ?? [],
  };
}
