/**
 * A training worker of the page: the same executeRun as the CLI's worker
 * threads, with the run's files kept in memory. Snapshots of the live layer
 * and new analyses are forwarded to the page as they are written, so the
 * page draws what the run records, nothing computed on the side.
 */
import type { LayerAnalysis } from "../analysis/layer.js";
import type { Dataset } from "../data/dataset.js";
import { decodeNpy } from "../codec/npy.js";
import { resumeFromFiles } from "../run/resume.js";
import { executeRun, type KernelBuild, type PlatformInfo } from "../run/session.js";
import { rerun } from "../run/rerun.js";
import type { FromWorker, ToWorker } from "./messages.js";

const scope = self as unknown as { postMessage(m: FromWorker): void; onmessage: ((e: MessageEvent<ToWorker>) => void) | null };
let dataset: Dataset | undefined;
let kernels: KernelBuild | undefined;
let platform: PlatformInfo | undefined;
let stop = false;
let stopFlag: Int32Array | undefined;
const stopping = () => stop || (stopFlag !== undefined && Atomics.load(stopFlag, 0) === 1);
/** A macrotask turn, so that a "stop" message can arrive between epochs (the epoch loop itself never yields). */
const turn = () => new Promise<void>((r) => setTimeout(r, 0));

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

async function run(m: Extract<ToWorker, { type: "run" }>): Promise<void> {
  if (!dataset || !kernels || !platform) throw new Error("worker got a run before its setup");
  const files = new Map<string, Uint8Array>(m.resumeFiles ?? []);
  let analysed = 0;
  const sink = {
    write: (name: string, data: string | Uint8Array) => {
      const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
      files.set(name, bytes);
      // manifest.json is rewritten once per epoch: the place to let messages in.
      if (name === "manifest.json" && stopFlag === undefined) return turn();
      if (name.startsWith("snapshots/") && name.endsWith(`/${m.liveLayer}.npy`)) {
        const { shape, data: w } = decodeNpy(bytes, name);
        scope.postMessage({ type: "weights", id: m.id, epoch: Number(/e(\d+)/.exec(name)![1]), rows: shape[0]!, cols: shape[1]!, data: Float32Array.from(w) });
      } else if (name === "analysis.jsonl") {
        const lines = new TextDecoder()
          .decode(bytes)
          .split("\n")
          .filter((l) => l.trim());
        for (const l of lines.slice(analysed)) scope.postMessage({ type: "analysis", id: m.id, analysis: JSON.parse(l) as LayerAnalysis });
        analysed = lines.length;
      }
    },
    remove: (name: string) => void files.delete(name),
  };
  try {
    const resume = m.resumeFiles ? await resumeFromFiles((n) => files.get(n), `run ${m.config.seed}`, m.config, dataset) : undefined;
    if (resume) analysed = resume.analyses.length;
    const result = await executeRun({
      config: m.config,
      execution: { sparseInput: "auto" },
      record: m.record,
      dataset,
      kernels,
      platform,
      sink,
      ...(m.maskBits ? { maskBits: m.maskBits } : {}),
      ...(resume ? { resume } : {}),
      shouldStop: stopping,
      onRow: (row) => scope.postMessage({ type: "row", id: m.id, row }),
    });
    scope.postMessage({ type: "done", id: m.id, manifest: result.manifest, files: [...files] });
  } catch (e) {
    scope.postMessage({ type: "failed", id: m.id, error: errorText(e) });
  }
}

scope.onmessage = (e) => {
  const m = e.data;
  if (m.type === "setup") {
    dataset = m.dataset;
    kernels = { ...m.kernels, module: m.module };
    platform = m.platform;
    stopFlag = m.stopFlag;
  } else if (m.type === "run") {
    stop = false;
    void run(m);
  } else if (m.type === "verify") {
    void (async () => {
      try {
        const module = await WebAssembly.compile(m.wasm as Uint8Array<ArrayBuffer>);
        scope.postMessage({ type: "verified", id: m.id, reproduction: await rerun(m.manifest, module, dataset!, platform!, m.maskBits) });
      } catch (err) {
        scope.postMessage({ type: "failed", id: m.id, error: errorText(err) });
      }
    })();
  } else if (m.type === "stop") stop = true;
};
