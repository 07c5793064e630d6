/**
 * The page's view: everything it writes into the document. It reads the
 * store and draws; it changes no state. The figures are the CLI's own
 * (report/figures.ts); text goes in as text nodes, never as HTML, because a
 * status or an error may quote a file name.
 */
import { figure3, runCurves } from "../report/figures.js";
import { diverging } from "../report/svg.js";
import type { OpenedPackage } from "./browser.js";
import type { PageRunState, PageStore, WeightImage } from "./store.js";

export const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

/** A number input's value; undefined when empty. */
export const num = (id: string): number | undefined => {
  const v = $<HTMLInputElement>(id).value.trim();
  return v === "" ? undefined : Number(v);
};

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Sets a status line's text, marked as an error or not. */
export function say(id: string, text: string, error = false): void {
  const el = $(id);
  el.textContent = text;
  el.classList.toggle("error", error);
}

/** The seed whose figures are shown. */
export function shownRunId(): string {
  return $<HTMLSelectElement>("show-seed").value;
}

export function listSeeds(runs: readonly PageRunState[]): void {
  $<HTMLSelectElement>("show-seed").replaceChildren(...runs.map((r) => new Option(String(r.seed), String(r.id))));
}

/** The buttons a state allows, and the summary line once nothing runs. */
export function showControls(store: PageStore, active: boolean): void {
  const runs = store.runs;
  $<HTMLButtonElement>("stop").disabled = !active;
  $<HTMLButtonElement>("train").disabled = active;
  $<HTMLButtonElement>("resume").disabled = active || !runs.some((r) => r.status === "interrupted");
  $<HTMLButtonElement>("export").disabled = active || !runs.some((r) => r.manifest);
  showVerifyButton(store);
  if (!active && runs.length) {
    const done = runs.filter((r) => r.status === "completed").length;
    say("run-status", `${done} of ${runs.length} runs completed${runs.some((r) => r.status === "interrupted") ? "; stopped runs can be resumed" : ""}.`);
    document.body.dataset.state = "idle";
  }
}

/** Verification needs something opened and a dataset to re-run it on. */
export function showVerifyButton(store: PageStore): void {
  $<HTMLButtonElement>("verify").disabled = !(store.opened && store.dataset);
}

let drawQueued = false;

/** Redraws the table now and the shown run's figures at the next frame (at most once a frame). */
export function scheduleDraw(r: PageRunState, runs: readonly PageRunState[]): void {
  if (String(r.id) !== shownRunId() || drawQueued) {
    drawTable(runs);
    return;
  }
  drawQueued = true;
  requestAnimationFrame(() => {
    drawQueued = false;
    drawRun(r);
    drawTable(runs);
  });
}

/** The loss and RMSD curves, the live layer's weight image and its joint histogram. */
export function drawRun(r: PageRunState): void {
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

function drawWeights(w: WeightImage, limit: number): void {
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

/** One row per seed: status, epoch, test accuracy, final hash. */
export function drawTable(runs: readonly PageRunState[]): void {
  const body = $("runs").querySelector("tbody")!;
  body.replaceChildren(
    ...runs.map((r) => {
      const tr = document.createElement("tr");
      const last = r.rows.at(-1);
      const hash = r.manifest?.final_params_sha256 ?? "";
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

/** The opened runs, each a button that shows its report and a place for its verification result. */
export function listOpenedRuns(opened: OpenedPackage): void {
  $("package-runs").replaceChildren(
    ...opened.runs.map((r, i) => {
      const li = document.createElement("li");
      li.dataset.run = r.name;
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = `${r.name}: ${r.manifest.status}, ${r.manifest.epochs_completed} epochs`;
      b.disabled = !r.report;
      b.addEventListener("click", () => showReport(opened, i));
      const result = document.createElement("span");
      result.className = "verify-result";
      li.append(b, " ", result);
      return li;
    }),
  );
  const first = opened.runs.findIndex((r) => r.report);
  if (first >= 0) showReport(opened, first);
}

function showReport(opened: OpenedPackage, i: number): void {
  const frame = $<HTMLIFrameElement>("report");
  frame.srcdoc = new TextDecoder().decode(opened.runs[i]!.report!);
  frame.classList.add("shown");
}

/** One opened run's verification result; with none left in flight, the tally. */
export function showVerified(index: number, ok: boolean, text: string, left: number, total: number): void {
  const li = $("package-runs").children[index] as HTMLElement;
  li.dataset.verified = ok ? "ok" : "failed";
  li.querySelector(".verify-result")!.textContent = text;
  if (left === 0) {
    const reproduced = [...$("package-runs").children].filter((c) => (c as HTMLElement).dataset.verified === "ok").length;
    say("package-status", `verification finished: ${reproduced} of ${total} runs reproduce bit for bit.`);
  }
}
