import { optionalRunBytes } from "./files.js";
import type { Dataset } from "../data/dataset.js";
import { resumeFromFiles } from "../run/resume.js";
import type { ResumeData } from "../run/session.js";
import type { TrainConfig } from "../train/config.js";

/** The checkpoint of an unfinished run directory, ready to continue; undefined when it has none. */
export function loadResume(dir: string, config: TrainConfig, dataset: Dataset): Promise<ResumeData | undefined> {
  const read = (name: string): Uint8Array | undefined => optionalRunBytes(dir, name);
  return resumeFromFiles(read, dir, config, dataset);
}
