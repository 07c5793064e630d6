import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { LayerAnalysis } from "../analysis/layer.js";
import type { Dataset } from "../data/dataset.js";
import { UserError } from "../errors.js";
import { createLayout } from "../model/layout.js";
import { readCheckpoint } from "../run/checkpoint.js";
import { configHash, type ResumeData } from "../run/session.js";
import type { TrainConfig } from "../train/config.js";
import type { MetricRow } from "../train/trainer.js";
import { readManifest } from "./runDirectory.js";

function readLines<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  // A line cut by a kill cannot be there (files are replaced whole), but be strict anyway.
  return readFileSync(path, "utf8").split("\n").filter((l) => l.trim()).map((l) => {
    try {
      return JSON.parse(l) as T;
    } catch {
      throw new UserError(`${path}: unreadable line; the run directory is damaged`);
    }
  });
}

/** The checkpoint of an unfinished run directory, ready to continue; undefined when it has none. */
export async function loadResume(dir: string, config: TrainConfig, dataset: Dataset): Promise<ResumeData | undefined> {
  const cp = join(dir, "checkpoint");
  if (!existsSync(join(cp, "state.json"))) return undefined;
  const read = (name: string): Uint8Array => {
    try {
      return readFileSync(join(cp, name));
    } catch {
      throw new UserError(`${cp}: corrupt checkpoint (${name} missing); remove it or use --force to start over`);
    }
  };
  const paramCount = createLayout(dataset.inputSize, config.hiddenWidths, dataset.classes).paramCount;
  const { paramsFile, ...state } = await readCheckpoint(read("state.json"), read, cp, await configHash(config), paramCount);
  const manifest = readManifest(dir);
  return {
    state,
    paramsFile,
    rows: readLines<MetricRow>(join(dir, "metrics.jsonl")),
    analyses: readLines<LayerAnalysis>(join(dir, "analysis.jsonl")),
    startedAt: manifest?.started_at ?? new Date().toISOString(),
    resumes: manifest?.resumes ?? [],
  };
}
