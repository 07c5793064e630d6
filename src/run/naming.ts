import { canonicalJson } from "../codec/canonicalJson.js";
import { sha256Text } from "../codec/sha256.js";
import type { TrainConfig } from "../train/config.js";

/** snapshots/e<epoch, 6 digits>/W<l>.npy and b<l>.npy: every layer's parameters at one epoch. */
export function snapshotDir(epoch: number): string {
  return `snapshots/e${String(epoch).padStart(6, "0")}`;
}

/** The config hash: SHA-256 of its canonical JSON. */
export function configHash(config: TrainConfig): Promise<string> {
  return sha256Text(canonicalJson(config));
}

/** <dataset>-w<widths>[-<activation>][-g<scale>]-s<seed>-<config hash, 8 hex>: the name of a run's directory (CLI) or package entry (page). */
export async function runDirName(config: TrainConfig): Promise<string> {
  const scale = `${config.activation ? `-${config.activation}` : ""}${config.initScale !== undefined ? `-g${config.initScale}` : ""}`;
  // idx:DIR datasets: the directory's name, made safe for a path.
  const dataset = config.dataset.startsWith("idx:") ? `idx-${config.dataset.slice(4).replace(/\/+$/, "").split("/").pop()}` : config.dataset;
  return `${dataset.replace(/[^\w.-]/g, "_")}-w${config.hiddenWidths.join("x")}${scale}-s${config.seed}-${(await configHash(config)).slice(0, 8)}`;
}
