/**
 * The page's Web Workers, one seed each (seedWorker.ts): they train the
 * store's queued runs and re-run opened runs for verification. What they
 * send back becomes store transitions; they hold no page state of their own
 * beyond which worker is busy with which job.
 */
import type { Dataset } from "../data/dataset.js";
import type { Reproduction } from "../run/rerun.js";
import { reportOfRunFiles, snapshotEpochsOf } from "../report/runFiles.js";
import { pagePlatform, type PageKernels } from "./browser.js";
import type { FromWorker, ToWorker } from "./messages.js";
import type { PageRunState, PageStore } from "./store.js";

export interface SeedWorkerEvents {
  /** After each round of dispatching: whether any worker is busy. */
  onDispatched: (active: boolean) => void;
  onError: (text: string) => void;
  /** A verification job's answer: the re-run's record, or why there is none. */
  onVerified: (id: number, reproduction: Reproduction | null, error?: string) => void;
}

export class SeedWorkers {
  private workers: Worker[] = [];
  private readonly busy = new Map<Worker, number>();
  /** Shared stop flag for the workers, where the page is cross-origin isolated; otherwise a "stop" message. */
  private readonly stopFlag = crossOriginIsolated ? new Int32Array(new SharedArrayBuffer(4)) : undefined;

  constructor(
    private readonly store: PageStore,
    private readonly events: SeedWorkerEvents,
  ) {}

  get count(): number {
    return this.workers.length;
  }

  /** (Re)starts `count` workers on the kernels `k` and the dataset. */
  start(count: number, k: PageKernels, dataset: Dataset): void {
    for (const w of this.workers) w.terminate();
    this.busy.clear();
    this.workers = Array.from({ length: count }, () => {
      const w = new Worker(new URL("./seedWorker.ts", import.meta.url), { type: "module" });
      const setup: ToWorker = {
        type: "setup",
        dataset,
        module: k.module,
        kernels: { mode: k.mode, file: k.file, sha256: k.sha256 },
        platform: pagePlatform(),
        stopFlag: this.stopFlag,
      };
      w.postMessage(setup);
      w.onmessage = (e: MessageEvent<FromWorker>) => void this.onMessage(w, e.data);
      w.onerror = (e) => this.events.onError(`worker error: ${e.message}`);
      return w;
    });
  }

  /** Gives each idle worker the next queued run. */
  dispatch(): void {
    if (this.stopFlag && this.store.queued > 0) Atomics.store(this.stopFlag, 0, 0);
    for (const w of this.workers) {
      if (this.busy.has(w)) continue;
      const r = this.store.startNext();
      if (!r) break;
      this.busy.set(w, r.id);
      w.postMessage(runMessage(r));
    }
    this.events.onDispatched(this.busy.size > 0);
  }

  /** Every running run stops after its current epoch. */
  stop(): void {
    if (this.stopFlag) Atomics.store(this.stopFlag, 0, 1);
    for (const w of this.workers) w.postMessage({ type: "stop" } satisfies ToWorker);
  }

  /** Re-runs an opened run on worker `slot` (modulo the count) for verification. */
  verify(slot: number, message: Extract<ToWorker, { type: "verify" }>): void {
    this.workers[slot % this.workers.length]!.postMessage(message);
  }

  private async onMessage(w: Worker, m: FromWorker): Promise<void> {
    if (m.type === "verified" || (m.type === "failed" && this.store.isVerification(m.id))) {
      this.busy.delete(w);
      return this.events.onVerified(m.id, m.type === "verified" ? m.reproduction : null, m.type === "failed" ? m.error : undefined);
    }
    if (m.type === "row") this.store.addRow(m.id, m.row);
    else if (m.type === "weights") this.store.addWeights(m.id, m.epoch, { rows: m.rows, cols: m.cols, data: m.data });
    else if (m.type === "analysis") this.store.addAnalysis(m.id, m.analysis);
    else if (m.type === "done") {
      this.busy.delete(w);
      const r = this.store.finish(m.id, m.manifest, new Map(m.files));
      if (r && (r.status === "completed" || r.status === "diverged")) await addReport(r);
      this.dispatch();
    } else if (m.type === "failed") {
      this.busy.delete(w);
      this.store.fail(m.id, m.error);
      this.dispatch();
    }
  }
}

/** A run's start: from scratch, or from its files' checkpoint after a stop. */
function runMessage(r: PageRunState): ToWorker {
  return {
    type: "run",
    id: r.id,
    config: r.config,
    record: r.record,
    maskBits: r.mask?.bits,
    liveLayer: r.liveLayer,
    resumeFiles: r.files ? [...r.files] : undefined,
  };
}

/** report.html and figures for a finished run: the CLI's own report function, on the run's files in memory. */
async function addReport(r: PageRunState): Promise<void> {
  const files = r.files!;
  const made = await reportOfRunFiles((name) => files.get(name), r.name, snapshotEpochsOf(files.keys()));
  if (!made) return;
  files.set("report.html", new TextEncoder().encode(made.report.html));
  for (const f of made.report.figures) files.set(`figures/${f.name}.svg`, new TextEncoder().encode(f.svg));
  for (const p of made.pngs) files.set(`figures/${p.name}`, p.png);
}
