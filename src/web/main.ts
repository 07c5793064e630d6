/**
 * The page: data, training in Web Workers (one seed each), live figures,
 * packages. Everything it trains or checks goes through the CLI's modules
 * (executeRun, the figures, the package format); browser.ts supplies files,
 * kernels and storage.
 */
import type { Initializer } from "../model/init.js";
import { DEFAULT_THETAS } from "../analysis/regimes.js";
import type { LayerAnalysis } from "../analysis/layer.js";
import type { Dataset } from "../data/dataset.js";
import { buildGlyphMask, defaultMaskLayer, type BuiltMask } from "../mask/mask.js";
import { createLayout } from "../model/layout.js";
import { figure3, runCurves } from "../report/figures.js";
import { reportOfRunFiles, snapshotEpochsOf } from "../report/runFiles.js";
import { diverging } from "../report/svg.js";
import type { Manifest } from "../run/manifest.js";
import { analysisEpochs, snapshotEpochs } from "../run/schedule.js";
import { runDirName, type RecordOptions } from "../run/session.js";
import { datasetDifferences, maskBitsOf, type Reproduction, reproductionDifferences } from "../run/rerun.js";
import { DEFAULTS, validateConfig, withDefaults, type TrainConfig } from "../train/config.js";
import type { MetricRow } from "../run/metrics.js";
import {
  buildPackage,
  datasetFromFiles,
  download,
  fetchCatalogDataset,
  loadPageKernels,
  openPackage,
  openRunDirectories,
  pagePlatform,
  restoreDataset,
  storeDataset,
  type OpenedPackage,
  type PageKernels,
  type PageRun,
} from "./browser.js";
import type { FromWorker, ToWorker } from "./messages.js";

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
const num = (id: string): number | undefined => {
  const v = $<HTMLInputElement>(id).value.trim();
  return v === "" ? undefined : Number(v);
};
const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function say(id: string, text: string, error = false): void {
  const el = $(id);
  el.textContent = text;
  el.classList.toggle("error", error);
}

let dataset: Dataset | undefined;
const kernelCache = new Map<string, PageKernels>();

interface PageRunState {
  id: number;
  seed: number;
  config: TrainConfig;
  name: string;
  mask: BuiltMask | undefined;
  liveLayer: string;
  record: RecordOptions;
  rows: MetricRow[];
  analyses: LayerAnalysis[];
  weights: Map<number, { rows: number; cols: number; data: Float32Array }>;
  /** Colour scale of the weight images: the largest |w| of the first snapshot (the initial weights). */
  limit?: number;
  status: "queued" | "running" | "completed" | "interrupted" | "failed" | "diverged";
  manifest?: Manifest;
  files?: Map<string, Uint8Array>;
  error?: string;
}

let runs: PageRunState[] = [];
let workers: Worker[] = [];
let pending: PageRunState[] = [];
let opened: OpenedPackage | undefined;
/** Shared stop flag for the workers, where the page is cross-origin isolated. */
const stopFlag = crossOriginIsolated ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
/** Verification jobs in flight: job id -> index of the package's run. */
const verifyIds = new Map<number, number>();

// ---- data ----

function describe(d: Dataset, from: string): string {
  return `${d.name}${d.verified ? " (verified against the catalogue)" : ""}: ${d.train.count} train / ${d.test.count} test images of ${d.imageShape.join("x")}, ${d.classes} classes, ${from}.`;
}

async function useDataset(d: Dataset, from: string, store: boolean): Promise<void> {
  dataset = d;
  say("data-status", describe(d, from));
  if (store) await storeDataset(d).catch((e) => say("data-status", `${describe(d, from)} (not kept for reloads: ${errorText(e)})`));
  // Set once stored: a reload from here on finds it.
  document.body.dataset.dataset = d.name;
  $<HTMLButtonElement>("verify").disabled = !opened;
}

async function loadFiles(files: File[]): Promise<void> {
  if (files.length === 0) return;
  say("data-status", `reading ${files.map((f) => f.name).join(", ")} ...`);
  try {
    const d = await datasetFromFiles(files, { fold: num("fold") ?? 1, onNote: (t) => say("data-status", t) });
    await useDataset(d, `decoded from ${files.length} file${files.length > 1 ? "s" : ""} and kept in this browser`, true);
  } catch (e) {
    say("data-status", errorText(e), true);
  }
}

$<HTMLInputElement>("data-files").addEventListener("change", (e) => void loadFiles([...((e.target as HTMLInputElement).files ?? [])]));
const drop = $("drop");
// Keyboard: Enter or Space on the drop zone opens the file picker.
drop.addEventListener("keydown", (e) => {
  if (e.target === drop && (e.key === "Enter" || e.key === " ")) {
    e.preventDefault();
    $("data-files").click();
  }
});
drop.addEventListener("dragover", (e) => {
  e.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  void loadFiles([...(e.dataTransfer?.files ?? [])]);
});
$("fetch").addEventListener("click", async () => {
  const name = $<HTMLSelectElement>("fetch-name").value;
  try {
    await useDataset(await fetchCatalogDataset(name, (t) => say("data-status", t)), "fetched from the catalogue's mirrors", true);
  } catch (e) {
    say("data-status", `${errorText(e)} (offline or blocked by CORS? pick the files instead)`, true);
  }
});

// ---- training ----

function recordFor(epochs: number): RecordOptions {
  // Every epoch for short runs, so the weight image moves each epoch; ~4 per decade for long ones.
  const snapshots = epochs <= 60 ? Array.from({ length: epochs + 1 }, (_, e) => e) : snapshotEpochs("log", epochs);
  return { snapshots, analysis: analysisEpochs(snapshots, epochs), thetas: [...DEFAULT_THETAS] };
}

async function kernels(mode: "exact" | "fast"): Promise<PageKernels> {
  const hit = kernelCache.get(mode);
  if (hit) return hit;
  const k = await loadPageKernels(mode);
  kernelCache.set(mode, k);
  return k;
}

function startWorkers(count: number, k: PageKernels): void {
  for (const w of workers) w.terminate();
  workers = Array.from({ length: count }, () => {
    const w = new Worker(new URL("./seedWorker.ts", import.meta.url), { type: "module" });
    const setup: ToWorker = {
      type: "setup",
      dataset: dataset!,
      module: k.module,
      kernels: { mode: k.mode, file: k.file, sha256: k.sha256 },
      platform: pagePlatform(),
      stopFlag,
    };
    w.postMessage(setup);
    w.onmessage = (e: MessageEvent<FromWorker>) => onWorker(w, e.data);
    w.onerror = (e) => say("run-status", `worker error: ${e.message}`, true);
    return w;
  });
}

const busy = new Map<Worker, PageRunState>();

function dispatch(): void {
  if (stopFlag && pending.length > 0) Atomics.store(stopFlag, 0, 0);
  for (const w of workers) {
    if (busy.has(w) || pending.length === 0) continue;
    const r = pending.shift()!;
    busy.set(w, r);
    r.status = "running";
    // A stopped run has its files, checkpoint included: it continues from there.
    const msg: ToWorker = {
      type: "run",
      id: r.id,
      config: r.config,
      record: r.record,
      maskBits: r.mask?.bits,
      liveLayer: r.liveLayer,
      resumeFiles: r.files ? [...r.files] : undefined,
    };
    w.postMessage(msg);
  }
  drawTable();
  const active = busy.size > 0;
  $<HTMLButtonElement>("stop").disabled = !active;
  $<HTMLButtonElement>("train").disabled = active;
  $<HTMLButtonElement>("resume").disabled = active || !runs.some((r) => r.status === "interrupted");
  $<HTMLButtonElement>("export").disabled = active || !runs.some((r) => r.manifest);
  if (!active && runs.length) {
    const done = runs.filter((r) => r.status === "completed").length;
    say("run-status", `${done} of ${runs.length} runs completed${runs.some((r) => r.status === "interrupted") ? "; stopped runs can be resumed" : ""}.`);
    document.body.dataset.state = "idle";
  }
}

async function onWorker(w: Worker, m: FromWorker): Promise<void> {
  if (m.type === "verified" || (m.type === "failed" && verifyIds.has(m.id))) {
    busy.delete(w);
    return verified(m.id, m.type === "verified" ? m.reproduction : null, m.type === "failed" ? m.error : undefined);
  }
  const r = runs.find((x) => x.id === m.id);
  if (!r) return;
  if (m.type === "row") {
    r.rows.push(m.row);
    say(
      "run-status",
      `seed ${r.seed}: epoch ${m.row.epoch} of ${r.config.epochs}, train loss ${m.row.train_loss.toFixed(4)}, test accuracy ${(100 * m.row.test_accuracy).toFixed(1)}%`,
    );
    schedule(r);
  } else if (m.type === "weights") {
    r.weights.set(m.epoch, { rows: m.rows, cols: m.cols, data: m.data });
    r.limit ??= maxAbs(m.data) || 1;
    schedule(r);
  } else if (m.type === "analysis") {
    r.analyses.push(m.analysis);
    schedule(r);
  } else if (m.type === "done") {
    busy.delete(w);
    r.manifest = m.manifest;
    r.files = new Map(m.files);
    r.status = m.manifest.status as PageRunState["status"];
    if (r.status === "completed" || r.status === "diverged") await addReport(r);
    schedule(r);
    dispatch();
  } else if (m.type === "failed") {
    busy.delete(w);
    r.status = "failed";
    r.error = m.error;
    say("run-status", `seed ${r.seed}: ${m.error}`, true);
    dispatch();
  }
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

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

$("run-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  if (!dataset) return say("run-status", "Load a dataset first (step 1).", true);
  try {
    const width = num("width")!,
      epochs = num("epochs")!,
      seeds = num("seeds")!,
      first = num("seed")!;
    const widths = [width, width];
    const layout = createLayout(dataset.inputSize, widths, dataset.classes);
    const letter = $<HTMLInputElement>("mask").value;
    const mask = letter ? await buildGlyphMask(letter, layout, undefined, false) : undefined;
    const mode = $<HTMLSelectElement>("kernels").value as "exact" | "fast";
    const k = await kernels(mode);
    const record = recordFor(epochs);
    runs = [];
    for (let s = 0; s < seeds; s++) {
      // The CLI's config for the same flags (train --width W --epochs E --seed S ...): same hash, same bits.
      const config = validateConfig(
        withDefaults({
          mask: mask?.config,
          invert: undefined,
          init: $<HTMLSelectElement>("init").value as Initializer,
          initScale: undefined,
          biasInit: undefined,
          loss: $<HTMLSelectElement>("loss").value === "from-logits" ? "from-logits" : undefined,
          dataset: dataset.name,
          hiddenWidths: widths,
          epochs,
          seed: first + s,
          batchSize: DEFAULTS.batchSize,
          learningRate: num("lr") ?? DEFAULTS.learningRate,
          shuffle: true,
          keepPartialBatch: true,
          epsilon: DEFAULTS.epsilon,
          trainLimit: num("train-limit"),
          testLimit: num("test-limit"),
        }),
      );
      runs.push({
        id: s,
        seed: first + s,
        config,
        name: await runDirName(config),
        mask,
        liveLayer: mask?.config.layer ?? defaultMaskLayer(layout),
        record,
        rows: [],
        analyses: [],
        weights: new Map(),
        status: "queued",
      });
    }
    const seedSelect = $<HTMLSelectElement>("show-seed");
    seedSelect.replaceChildren(...runs.map((r) => new Option(String(r.seed), String(r.id))));
    startWorkers(Math.min(seeds, navigator.hardwareConcurrency || 2), k);
    pending = [...runs];
    document.body.dataset.state = "training";
    say(
      "run-status",
      `training ${seeds} seed${seeds > 1 ? "s" : ""} on ${workers.length} worker${workers.length > 1 ? "s" : ""} (${k.file} ${k.sha256.slice(0, 12)})`,
    );
    dispatch();
  } catch (err) {
    say("run-status", errorText(err), true);
  }
});

$("stop").addEventListener("click", () => {
  if (stopFlag) Atomics.store(stopFlag, 0, 1);
  for (const w of workers) w.postMessage({ type: "stop" } satisfies ToWorker);
  pending = [];
  for (const r of runs) if (r.status === "queued") r.status = "interrupted";
  say("run-status", "stopping after the current epoch ...");
});

$("resume").addEventListener("click", () => {
  const again = runs.filter((r) => r.status === "interrupted");
  for (const r of again) r.status = "queued";
  pending = again;
  document.body.dataset.state = "training";
  say("run-status", `resuming ${again.length} run${again.length > 1 ? "s" : ""} from their checkpoints`);
  dispatch();
});

// ---- drawing ----

let drawQueued = false;
function schedule(r: PageRunState): void {
  if (String(r.id) !== $<HTMLSelectElement>("show-seed").value || drawQueued) {
    drawTable();
    return;
  }
  drawQueued = true;
  requestAnimationFrame(() => {
    drawQueued = false;
    draw(r);
    drawTable();
  });
}

$("show-seed").addEventListener("change", () => {
  const r = runs.find((x) => String(x.id) === $<HTMLSelectElement>("show-seed").value);
  if (r) draw(r);
});

function draw(r: PageRunState): void {
  const title = `seed ${r.seed}`;
  if (r.rows.some((x) => x.epoch > 0)) {
    const [loss, rmsd] = runCurves(r.rows, title);
    $("chart-loss").innerHTML = loss!;
    $("chart-rmsd").innerHTML = rmsd!;
  }
  const epochs = [...r.weights.keys()].sort((a, b) => a - b);
  const last = epochs.at(-1);
  if (last !== undefined) {
    drawWeights(r.weights.get(last)!, r.limit ?? 1);
    $("weights-caption").textContent =
      `${r.liveLayer} at epoch ${last}${r.mask ? `, mask "${r.mask.config.source}"` : ""} (blue negative, white zero, red positive)`;
  }
  const joint = [...r.analyses].reverse().find((a) => a.layer === r.liveLayer && a.epoch > 0);
  if (joint) $("chart-joint").innerHTML = figure3(joint, `${r.liveLayer}, ${title}, epoch ${joint.epoch}`);
}

function drawWeights(w: { rows: number; cols: number; data: Float32Array }, limit: number): void {
  const canvas = $<HTMLCanvasElement>("weights");
  canvas.width = w.cols;
  canvas.height = w.rows;
  const ctx = canvas.getContext("2d")!;
  const img = ctx.createImageData(w.cols, w.rows);
  for (let i = 0; i < w.data.length; i++) {
    const [red, green, blue] = diverging(Math.max(-1, Math.min(1, w.data[i]! / limit)));
    img.data.set([red, green, blue, 255], 4 * i);
  }
  ctx.putImageData(img, 0, 0);
  canvas.dataset.epoch = String(canvas.dataset.epoch === undefined ? 0 : Number(canvas.dataset.epoch) + 1);
}

function drawTable(): void {
  const body = $("runs").querySelector("tbody")!;
  body.replaceChildren(
    ...runs.map((r) => {
      const tr = document.createElement("tr");
      const last = r.rows.at(-1);
      const hash = r.manifest?.final_params_sha256 ?? "";
      // Text nodes only: an error message may quote a file name.
      const cells = [
        String(r.seed),
        r.error ? `failed: ${r.error}` : r.status,
        `${last?.epoch ?? 0} / ${r.config.epochs}`,
        last ? `${(100 * last.test_accuracy).toFixed(2)}%` : "",
      ];
      for (const text of cells) tr.insertCell().textContent = text;
      const code = document.createElement("code");
      code.textContent = hash;
      tr.insertCell().append(code);
      tr.dataset.seed = String(r.seed);
      if (hash) tr.dataset.hash = hash;
      return tr;
    }),
  );
}

// ---- packages ----

$("export").addEventListener("click", async () => {
  const done: PageRun[] = runs.filter((r) => r.manifest && r.files).map((r) => ({ name: r.name, manifest: r.manifest!, files: r.files! }));
  try {
    const bytes = await buildPackage(done, [...kernelCache.values()]);
    download(bytes, `initdrift-${dataset?.name.replace(/[^\w.-]/g, "_") ?? "runs"}-${done.length}-runs.tar.gz`, "application/gzip");
    say("package-status", `package of ${done.length} runs, ${(bytes.length / 1e6).toFixed(2)} MB: check it with 'initdrift verify FILE'.`);
  } catch (e) {
    say("package-status", errorText(e), true);
  }
});

$<HTMLInputElement>("package-file").addEventListener("change", (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (file)
    void showOpened(async () => {
      const p = await openPackage(new Uint8Array(await file.arrayBuffer()), file.name);
      return [p, `${file.name}: checksums ok; ${p.runs.length} runs made by ${p.info.tool.name} ${p.info.tool.version}.`];
    });
});

$<HTMLInputElement>("run-dir").addEventListener("change", (e) => {
  const files = [...((e.target as HTMLInputElement).files ?? [])];
  if (files.length)
    void showOpened(async () => {
      const p = await openRunDirectories(
        files,
        await Promise.all((["exact", "fast"] as const).map((m) => kernels(m).catch(() => undefined))).then((k) => k.filter((x): x is PageKernels => !!x)),
      );
      return [p, `${p.runs.length} run director${p.runs.length > 1 ? "ies" : "y"} opened (no package checksums to check).`];
    });
});

async function showOpened(open: () => Promise<[OpenedPackage, string]>): Promise<void> {
  try {
    const [p, text] = await open();
    opened = p;
    say("package-status", text);
    const list = $("package-runs");
    list.replaceChildren(
      ...opened.runs.map((r, i) => {
        const li = document.createElement("li");
        li.dataset.run = r.name;
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = `${r.name}: ${r.manifest.status}, ${r.manifest.epochs_completed} epochs`;
        b.disabled = !r.report;
        b.addEventListener("click", () => showReport(i));
        const result = document.createElement("span");
        result.className = "verify-result";
        li.append(b, " ", result);
        return li;
      }),
    );
    if (opened.runs.some((r) => r.report)) showReport(opened.runs.findIndex((r) => r.report));
    $<HTMLButtonElement>("verify").disabled = !dataset;
  } catch (err) {
    opened = undefined;
    say("package-status", errorText(err), true);
  }
}

function showReport(i: number): void {
  const frame = $<HTMLIFrameElement>("report");
  frame.srcdoc = new TextDecoder().decode(opened!.runs[i]!.report!);
  frame.classList.add("shown");
}

/** What the page says about a run's kernel that is not this page's build (by index into opened.runs). */
const kernelNotes = new Map<number, string>();

// As `initdrift verify`: every run is re-run with this page's own kernels (a
// reproduction, not the package agreeing with itself), and every recorded
// bit is compared: final hash, metrics rows but their wall seconds,
// analysis.jsonl, summary.json.
$("verify").addEventListener("click", async () => {
  if (!opened || !dataset) return;
  const exact = await kernels("exact");
  if (workers.length === 0) startWorkers(Math.min(opened.runs.length, navigator.hardwareConcurrency || 2), exact);
  let next = 1_000_000;
  kernelNotes.clear();
  for (const [i, r] of opened.runs.entries()) {
    const differs = datasetDifferences(r.manifest, dataset);
    if (differs.length) {
      verified(-1, null, `dataset file ${differs.join(", ")} differs from the run's; load the run's dataset first`, i);
      continue;
    }
    const own = await kernels(r.manifest.kernels.mode === "fast" ? "fast" : "exact").catch(() => undefined);
    if (!own) {
      verified(-1, null, `this browser cannot run ${r.manifest.kernels.mode} kernels`, i);
      continue;
    }
    if (own.sha256 !== r.manifest.kernels.sha256)
      kernelNotes.set(i, `${r.manifest.kernels.file} ${r.manifest.kernels.sha256.slice(0, 12)} is not this page's build (${own.sha256.slice(0, 12)})`);
    if (r.manifest.status !== "completed" && r.manifest.status !== "diverged") {
      verified(-1, null, `not completed (status ${r.manifest.status}): nothing to reproduce`, i);
      continue;
    }
    const id = next++;
    verifyIds.set(id, i);
    const w = workers[i % workers.length]!;
    w.postMessage({
      type: "verify",
      id,
      manifest: r.manifest,
      wasm: own.bytes,
      maskBits: r.mask ? maskBitsOf(r.mask, `${r.name}/mask.pbm`) : undefined,
    } satisfies ToWorker);
  }
  say("package-status", `verifying ${verifyIds.size} runs: re-training each with this page's kernels and comparing every recorded bit ...`);
});

function verified(id: number, reproduction: Reproduction | null, problem?: string, index?: number): void {
  const i = index ?? verifyIds.get(id);
  if (i === undefined || !opened) return;
  verifyIds.delete(id);
  const run = opened.runs[i]!;
  let differences: string[] = [];
  if (reproduction) {
    try {
      differences = reproductionDifferences(run, reproduction, run.name);
    } catch (e) {
      differences = [errorText(e)];
    }
  }
  const ok = reproduction !== null && differences.length === 0;
  const note = kernelNotes.get(i);
  const li = $("package-runs").children[i] as HTMLElement;
  li.dataset.verified = ok ? "ok" : "failed";
  li.querySelector(".verify-result")!.textContent =
    (ok ? `reproduced, every recorded bit: ${reproduction.final_params_sha256}` : `NOT reproduced: ${problem ?? differences.join("; ")}`) +
    (note ? ` [kernel: ${note}]` : "");
  if (verifyIds.size === 0)
    say(
      "package-status",
      `verification finished: ${[...$("package-runs").children].filter((c) => (c as HTMLElement).dataset.verified === "ok").length} of ${opened.runs.length} runs reproduce bit for bit.`,
    );
}

// ---- start ----
restoreDataset()
  .then((d) => d && useDataset(d, "restored from this browser's storage (no decoding)", false))
  .catch(() => undefined)
  .finally(() => {
    document.body.dataset.ready = "true";
  });
