import type { Dataset } from "../data/dataset.js";
import { UserError } from "../errors.js";
import { createLayout } from "../model/layout.js";
import type { TrainConfig } from "../train/config.js";
import { readCheckpoint } from "./checkpoint.js";
import { parseAnalyses, parseManifest, parseMetricRows } from "./documents.js";
import { configHash, type ResumeData } from "./session.js";

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
  const manifest = manifestText ? parseManifest(manifestText, `${where}/manifest.json`) : undefined;
  return {
    state: trainer,
    paramsFile,
    rows: parseMetricRows(text("metrics.jsonl"), `${where}/metrics.jsonl`),
    analyses: parseAnalyses(text("analysis.jsonl"), `${where}/analysis.jsonl`),
    startedAt: manifest?.started_at ?? new Date().toISOString(),
    resumes: manifest?.resumes ?? [],
  };
}
