/**
 * The page's state in one place, changed only by the transitions below:
 * the dataset, the runs of the last "train" and their queue, the package
 * or run directories opened for verification. The view listens for changes
 * (onChange); the workers and the page's controls call the transitions.
 * No DOM and no workers here, so the transitions can be tested in Node.
 */
import type { LayerAnalysis } from "../analysis/layer.js";
import type { Dataset } from "../data/dataset.js";
import type { BuiltMask } from "../mask/mask.js";
import type { Manifest } from "../run/manifest.js";
import type { MetricRow } from "../run/metrics.js";
import type { RecordOptions } from "../run/session.js";
import type { TrainConfig } from "../train/config.js";
import type { OpenedPackage } from "./browser.js";

export type PageRunStatus = "queued" | "running" | "completed" | "interrupted" | "failed" | "diverged";

export interface WeightImage {
  rows: number;
  cols: number;
  data: Float32Array;
}

/** One seed of the page's training: what it is, what it has sent back, how it ended. */
export interface PageRunState {
  id: number;
  seed: number;
  config: TrainConfig;
  name: string;
  mask: BuiltMask | undefined;
  /** The matrix whose snapshots are drawn. */
  liveLayer: string;
  record: RecordOptions;
  rows: MetricRow[];
  analyses: LayerAnalysis[];
  weights: Map<number, WeightImage>;
  /** Colour scale of the weight images: the largest |w| of the first snapshot (the initial weights). */
  limit?: number;
  status: PageRunStatus;
  manifest?: Manifest;
  /** The run's files (its directory), once it has ended; a stopped run continues from their checkpoint. */
  files?: Map<string, Uint8Array>;
  error?: string;
}

/** What changed: the view redraws that much. */
export type Change =
  | { what: "dataset" }
  | { what: "runs" }
  | { what: "run"; run: PageRunState }
  | { what: "opened" }
  | { what: "verified"; index: number; ok: boolean; text: string };

export class PageStore {
  private dataset_: Dataset | undefined;
  private runs_: PageRunState[] = [];
  private queue: PageRunState[] = [];
  private opened_: OpenedPackage | undefined;
  /** Verifications in flight: job id -> index of the opened run. */
  private readonly verifying = new Map<number, number>();
  private readonly listeners: ((c: Change) => void)[] = [];

  get dataset(): Dataset | undefined {
    return this.dataset_;
  }

  get runs(): readonly PageRunState[] {
    return this.runs_;
  }

  get opened(): OpenedPackage | undefined {
    return this.opened_;
  }

  /** Runs being trained now. */
  get active(): boolean {
    return this.runs_.some((r) => r.status === "running");
  }

  get verificationsLeft(): number {
    return this.verifying.size;
  }

  onChange(listener: (c: Change) => void): void {
    this.listeners.push(listener);
  }

  private changed(c: Change): void {
    for (const l of this.listeners) l(c);
  }

  useDataset(d: Dataset): void {
    this.dataset_ = d;
    this.changed({ what: "dataset" });
  }

  /** A new training: these runs replace the last ones, all queued. */
  planRuns(runs: PageRunState[]): void {
    this.runs_ = runs;
    this.queue = [...runs];
    this.changed({ what: "runs" });
  }

  /** The next queued run, now running; undefined when the queue is empty. */
  startNext(): PageRunState | undefined {
    const r = this.queue.shift();
    if (!r) return undefined;
    r.status = "running";
    this.changed({ what: "run", run: r });
    return r;
  }

  get queued(): number {
    return this.queue.length;
  }

  private run(id: number): PageRunState | undefined {
    return this.runs_.find((r) => r.id === id);
  }

  addRow(id: number, row: MetricRow): void {
    const r = this.run(id);
    if (!r) return;
    r.rows.push(row);
    this.changed({ what: "run", run: r });
  }

  addWeights(id: number, epoch: number, w: WeightImage): void {
    const r = this.run(id);
    if (!r) return;
    r.weights.set(epoch, w);
    r.limit ??= maxAbs(w.data) || 1;
    this.changed({ what: "run", run: r });
  }

  addAnalysis(id: number, a: LayerAnalysis): void {
    const r = this.run(id);
    if (!r) return;
    r.analyses.push(a);
    this.changed({ what: "run", run: r });
  }

  /** A run ended (completed, diverged or interrupted) with its files. */
  finish(id: number, manifest: Manifest, files: Map<string, Uint8Array>): PageRunState | undefined {
    const r = this.run(id);
    if (!r) return undefined;
    r.manifest = manifest;
    r.files = files;
    r.status = manifest.status as PageRunStatus;
    this.changed({ what: "run", run: r });
    return r;
  }

  fail(id: number, error: string): void {
    const r = this.run(id);
    if (!r) return;
    r.status = "failed";
    r.error = error;
    this.changed({ what: "run", run: r });
  }

  /** Stop: nothing more starts, and the queued runs count as stopped (resumable); running ones stop after their epoch. */
  stop(): void {
    this.queue = [];
    for (const r of this.runs_) if (r.status === "queued") r.status = "interrupted";
    this.changed({ what: "runs" });
  }

  /** Queues the stopped runs again; returns how many. */
  resume(): number {
    const again = this.runs_.filter((r) => r.status === "interrupted");
    for (const r of again) r.status = "queued";
    this.queue = again;
    this.changed({ what: "runs" });
    return again.length;
  }

  open(p: OpenedPackage | undefined): void {
    this.opened_ = p;
    this.verifying.clear();
    this.changed({ what: "opened" });
  }

  /** A verification job `id` now re-runs opened run `index`. */
  verifyStarted(id: number, index: number): void {
    this.verifying.set(id, index);
  }

  isVerification(id: number): boolean {
    return this.verifying.has(id);
  }

  /** The opened run a verification job re-runs. */
  verificationIndex(id: number): number | undefined {
    return this.verifying.get(id);
  }

  /** A verification's answer, by job id or (for one decided without a run) by index. */
  verifyEnded(by: { id: number } | { index: number }, ok: boolean, text: string): void {
    const index = "index" in by ? by.index : this.verifying.get(by.id);
    if ("id" in by) this.verifying.delete(by.id);
    if (index === undefined || !this.opened_) return;
    this.changed({ what: "verified", index, ok, text });
  }
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}
