/**
 * The page: data, training in Web Workers (one seed each), live figures,
 * packages. This module wires the page's controls to the store's
 * transitions (store.ts), the workers (seedWorkers.ts) and the view
 * (view.ts). Everything it trains or checks goes through the CLI's modules
 * (executeRun, the figures, the package format); browser.ts supplies files,
 * kernels and packages, storage.ts keeps the dataset.
 */
import type { Initializer } from "../model/init.js";
import { DEFAULT_THETAS } from "../analysis/regimes.js";
import type { Dataset } from "../data/dataset.js";
import { buildGlyphMask, defaultMaskLayer } from "../mask/mask.js";
import { createLayout } from "../model/layout.js";
import { analysisEpochs, snapshotEpochs } from "../run/schedule.js";
import { runDirName, type RecordOptions } from "../run/session.js";
import { datasetDifferences, maskBitsOf, type Reproduction, reproductionDifferences } from "../run/rerun.js";
import { DEFAULTS, type TrainConfig, validateConfig, withDefaults } from "../train/config.js";
import {
  buildPackage,
  datasetFromFiles,
  download,
  fetchCatalogDataset,
  loadPageKernels,
  openPackage,
  openRunDirectories,
  type OpenedPackage,
  type PageKernels,
  type PageRun,
} from "./browser.js";
import { restoreDataset, storeDataset } from "./storage.js";
import { PageStore, type PageRunState } from "./store.js";
import { SeedWorkers } from "./seedWorkers.js";
import {
  $,
  drawRun,
  drawTable,
  errorText,
  listOpenedRuns,
  listSeeds,
  num,
  say,
  scheduleDraw,
  showControls,
  showVerified,
  showVerifyButton,
  shownRunId,
} from "./view.js";

const store = new PageStore();
const kernelCache = new Map<string, PageKernels>();
/** What the page says about an opened run's kernel that is not this page's build, by index. */
const kernelNotes = new Map<number, string>();

const workers = new SeedWorkers(store, {
  onDispatched: (active) => showControls(store, active),
  onError: (text) => say("run-status", text, true),
  onVerified: (id, reproduction, error) => verified({ id }, reproduction, error),
});

store.onChange((c) => {
  if (c.what === "run") {
    const last = c.run.rows.at(-1);
    if (c.run.status === "running" && last)
      say(
        "run-status",
        `seed ${c.run.seed}: epoch ${last.epoch} of ${c.run.config.epochs}, train loss ${last.train_loss.toFixed(4)}, test accuracy ${(100 * last.test_accuracy).toFixed(1)}%`,
      );
    if (c.run.status === "failed") say("run-status", `seed ${c.run.seed}: ${c.run.error}`, true);
    scheduleDraw(c.run, store.runs);
  } else if (c.what === "runs") drawTable(store.runs);
  else if (c.what === "dataset" || c.what === "opened") showVerifyButton(store);
  else if (c.what === "verified") showVerified(c.index, c.ok, c.text, store.verificationsLeft, store.opened?.runs.length ?? 0);
});

async function kernels(mode: "exact" | "fast"): Promise<PageKernels> {
  const hit = kernelCache.get(mode);
  if (hit) return hit;
  const k = await loadPageKernels(mode);
  kernelCache.set(mode, k);
  return k;
}

// ---- data ----

function describe(d: Dataset, from: string): string {
  return `${d.name}${d.verified ? " (verified against the catalogue)" : ""}: ${d.train.count} train / ${d.test.count} test images of ${d.imageShape.join("x")}, ${d.classes} classes, ${from}.`;
}

async function useDataset(d: Dataset, from: string, keep: boolean): Promise<void> {
  store.useDataset(d);
  say("data-status", describe(d, from));
  if (keep) await storeDataset(d).catch((e) => say("data-status", `${describe(d, from)} (not kept for reloads: ${errorText(e)})`));
  // Set once stored: a reload from here on finds it.
  document.body.dataset.dataset = d.name;
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

/** The form's activation as a config holds it: ReLU is no activation (the CLI writes it so), so both give one hash. */
function activationChoice(value: string): TrainConfig["activation"] {
  return value === "relu" ? undefined : (value as TrainConfig["activation"]);
}

/** The runs the form asks for: the CLI's config for the same flags (train --width W --epochs E --seed S ...), so the same hash and bits. */
async function plannedRuns(dataset: Dataset): Promise<PageRunState[]> {
  const width = num("width")!;
  const epochs = num("epochs")!;
  const first = num("seed")!;
  const widths = [width, width];
  const layout = createLayout(dataset.inputSize, widths, dataset.classes);
  const letter = $<HTMLInputElement>("mask").value;
  const mask = letter ? await buildGlyphMask(letter, layout, undefined, false) : undefined;
  const record = recordFor(epochs);
  const runs: PageRunState[] = [];
  for (let s = 0; s < num("seeds")!; s++) {
    const config = validateConfig(
      withDefaults({
        mask: mask?.config,
        invert: undefined,
        init: $<HTMLSelectElement>("init").value as Initializer,
        activation: activationChoice($<HTMLSelectElement>("activation").value),
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
    const liveLayer = mask?.config.layer ?? defaultMaskLayer(layout);
    runs.push({
      id: s,
      seed: first + s,
      config,
      name: await runDirName(config),
      mask,
      liveLayer,
      record,
      rows: [],
      analyses: [],
      weights: new Map(),
      status: "queued",
    });
  }
  return runs;
}

$("run-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const dataset = store.dataset;
  if (!dataset) return say("run-status", "Load a dataset first (step 1).", true);
  try {
    const runs = await plannedRuns(dataset);
    const k = await kernels($<HTMLSelectElement>("kernels").value as "exact" | "fast");
    store.planRuns(runs);
    listSeeds(runs);
    workers.start(Math.min(runs.length, navigator.hardwareConcurrency || 2), k, dataset);
    document.body.dataset.state = "training";
    const n = workers.count;
    say("run-status", `training ${runs.length} seed${runs.length > 1 ? "s" : ""} on ${n} worker${n > 1 ? "s" : ""} (${k.file} ${k.sha256.slice(0, 12)})`);
    workers.dispatch();
  } catch (err) {
    say("run-status", errorText(err), true);
  }
});

$("stop").addEventListener("click", () => {
  workers.stop();
  store.stop();
  say("run-status", "stopping after the current epoch ...");
});

$("resume").addEventListener("click", () => {
  const n = store.resume();
  document.body.dataset.state = "training";
  say("run-status", `resuming ${n} run${n > 1 ? "s" : ""} from their checkpoints`);
  workers.dispatch();
});

$("show-seed").addEventListener("change", () => {
  const r = store.runs.find((x) => String(x.id) === shownRunId());
  if (r) drawRun(r);
});

// ---- packages ----

$("export").addEventListener("click", async () => {
  const done: PageRun[] = store.runs.filter((r) => r.manifest && r.files).map((r) => ({ name: r.name, manifest: r.manifest!, files: r.files! }));
  try {
    const bytes = await buildPackage(done, [...kernelCache.values()]);
    download(bytes, `initdrift-${store.dataset?.name.replace(/[^\w.-]/g, "_") ?? "runs"}-${done.length}-runs.tar.gz`, "application/gzip");
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
      const available = await Promise.all((["exact", "fast"] as const).map((m) => kernels(m).catch(() => undefined)));
      const p = await openRunDirectories(
        files,
        available.filter((x): x is PageKernels => !!x),
      );
      return [p, `${p.runs.length} run director${p.runs.length > 1 ? "ies" : "y"} opened (no package checksums to check).`];
    });
});

async function showOpened(open: () => Promise<[OpenedPackage, string]>): Promise<void> {
  try {
    const [p, text] = await open();
    store.open(p);
    say("package-status", text);
    listOpenedRuns(p);
  } catch (err) {
    store.open(undefined);
    say("package-status", errorText(err), true);
  }
}

// As `initdrift verify`: every run is re-run with this page's own kernels (a
// reproduction, not the package agreeing with itself), and every recorded
// bit is compared: final hash, metrics rows but their wall seconds,
// analysis.jsonl, summary.json.
$("verify").addEventListener("click", async () => {
  const { opened, dataset } = store;
  if (!opened || !dataset) return;
  if (workers.count === 0) workers.start(Math.min(opened.runs.length, navigator.hardwareConcurrency || 2), await kernels("exact"), dataset);
  let next = 1_000_000;
  kernelNotes.clear();
  for (const [i, r] of opened.runs.entries()) {
    const problem = await cannotVerify(r, i, dataset);
    if (problem) {
      verified({ index: i }, null, problem);
      continue;
    }
    const own = await kernels(r.manifest.kernels.mode === "fast" ? "fast" : "exact");
    const id = next++;
    store.verifyStarted(id, i);
    workers.verify(i, { type: "verify", id, manifest: r.manifest, wasm: own.bytes, maskBits: r.mask ? maskBitsOf(r.mask, `${r.name}/mask.pbm`) : undefined });
  }
  say("package-status", `verifying ${store.verificationsLeft} runs: re-training each with this page's kernels and comparing every recorded bit ...`);
});

/** Why opened run `i` cannot be re-run here, if it cannot; notes a kernel that is not this page's build. */
async function cannotVerify(r: OpenedPackage["runs"][number], i: number, dataset: Dataset): Promise<string | undefined> {
  const differs = datasetDifferences(r.manifest, dataset);
  if (differs.length) return `dataset file ${differs.join(", ")} differs from the run's; load the run's dataset first`;
  const own = await kernels(r.manifest.kernels.mode === "fast" ? "fast" : "exact").catch(() => undefined);
  if (!own) return `this browser cannot run ${r.manifest.kernels.mode} kernels`;
  if (own.sha256 !== r.manifest.kernels.sha256)
    kernelNotes.set(i, `${r.manifest.kernels.file} ${r.manifest.kernels.sha256.slice(0, 12)} is not this page's build (${own.sha256.slice(0, 12)})`);
  if (r.manifest.status !== "completed" && r.manifest.status !== "diverged") return `not completed (status ${r.manifest.status}): nothing to reproduce`;
  return undefined;
}

/** A verification's verdict: the re-run compared with every recorded bit of the opened run. */
function verified(by: { id: number } | { index: number }, reproduction: Reproduction | null, problem?: string): void {
  const i = "index" in by ? by.index : store.verificationIndex(by.id);
  const run = i === undefined ? undefined : store.opened?.runs[i];
  if (i === undefined || !run) {
    store.verifyEnded(by, false, "");
    return;
  }
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
  const text =
    (ok ? `reproduced, every recorded bit: ${reproduction.final_params_sha256}` : `NOT reproduced: ${problem ?? differences.join("; ")}`) +
    (note ? ` [kernel: ${note}]` : "");
  store.verifyEnded(by, ok, text);
}

// ---- start ----
restoreDataset()
  .then((d) => d && useDataset(d, "restored from this browser's storage (no decoding)", false))
  .catch(() => undefined)
  .finally(() => {
    document.body.dataset.ready = "true";
  });
