// Runs K seeds on the pool and prints the process's peak RSS (workers share
// the process): the memory figure of the bench. Args: width seeds trainLimit.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadNamedDataset } from "../dist/node/datasets.js";
import { loadKernels } from "../dist/node/wasm.js";
import { nodePlatform } from "../dist/node/platform.js";
import { SeedPool } from "../dist/node/pool.js";
import { withDefaults } from "../dist/train/config.js";

const [width, seeds, trainLimit] = process.argv.slice(2).map(Number);
const dataset = await loadNamedDataset("mnist");
const out = mkdtempSync(join(tmpdir(), "initdrift-mem-"));
const jobs = Array.from({ length: seeds }, (_, i) => ({
  config: withDefaults({ dataset: "mnist", hiddenWidths: [width, width], epochs: 1, seed: 1 + i, trainLimit, testLimit: 2000 }),
  execution: { sparseInput: "auto" },
  record: { snapshots: [], analysis: [], thetas: [] },
  dir: join(out, `s${i}`),
}));
await new SeedPool(seeds).run(jobs, dataset, loadKernels(), nodePlatform());
rmSync(out, { recursive: true, force: true });
const datasetBytes = dataset.train.images.byteLength + dataset.train.labels.byteLength + dataset.test.images.byteLength + dataset.test.labels.byteLength;
process.stdout.write(JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024, datasetBytes }) + "\n");
