import { aggregate, type GroupSummary } from "../study/aggregate.js";
import type { RunRecord } from "../run/record.js";
import type { ClaimResult } from "../claims/spec.js";
import type { Manifest } from "../run/manifest.js";
import { TOOL_NAME, TOOL_VERSION } from "../version.js";
import {
  figure1,
  figure3,
  figure4Losses,
  figure4Minima,
  figure4Regimes,
  figure5,
  figure6,
  figureA,
  figureAgainstScale,
  figureCondensation,
  figureCurvature,
  runCurves,
  sharedSettings,
} from "./figures.js";
import { esc } from "./svg.js";

/**
 * report.html: one self-contained page (inline SVG, PNG as data URIs, no
 * external assets) for a run or a sweep, plus the same figures as files.
 */
export interface Figure {
  /** File name under figures/. */
  name: string;
  svg: string;
  caption: string;
}

export interface Report {
  figures: Figure[];
  html: string;
}

const fmt = (x: number | null | undefined, d = 4): string =>
  x === null || x === undefined || !Number.isFinite(x) ? "-" : Number.isInteger(x) ? String(x) : x.toPrecision(d);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body { font-family: Helvetica, Arial, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; } td, th { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
th { background: #f3f3f3; } code { font-size: 0.9em; } figure { margin: 1.5em 0; } figcaption { font-size: 0.9em; color: #444; max-width: 760px; }
svg { max-width: 100%; height: auto; }
</style></head><body>
${body}
<footer><p><small>Made by ${TOOL_NAME} ${TOOL_VERSION}.</small></p></footer>
</body></html>
`;
}

const table = (rows: (string | number)[][], header: string[]) =>
  `<table><tr>${header.map((h) => `<th>${esc(h)}</th>`).join("")}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(String(c))}</td>`).join("")}</tr>`).join("")}</table>`;

const figureHtml = (f: Figure) => `<figure id="${esc(f.name)}">${f.svg}<figcaption>${esc(f.caption)}</figcaption></figure>`;

/** The report of one run. `panels` are the masked layer's images at snapshot epochs (Figure 1), if any. */
export function runReport(
  manifest: Manifest,
  run: RunRecord,
  panels: { epoch: number; png: Uint8Array; contrast: number | undefined }[],
  extra: Figure[] = [],
): Report {
  const title = `${manifest.dataset.name}, widths ${manifest.config.hiddenWidths.join("x")}, seed ${manifest.seed}`;
  const figures = runFigures(manifest, run, panels, extra, title);
  const analysisRows = [...new Map(run.analyses.map((a) => [a.layer, a])).values()];
  const body = `<h1>${esc(title)}</h1>
<p>Status <b>${esc(manifest.status)}</b> after ${manifest.epochs_completed} of ${manifest.config.epochs} epochs.</p>
<h2>Key numbers</h2>
${keyNumbers(run)}
${
  analysisRows.length
    ? table(
        analysisRows.map((a) => [a.layer, a.epoch, fmt(a.c_opt), fmt(a.a0), fmt(a.a1), fmt(a.sigma0), fmt(a.rmsd)]),
        ["layer", "epoch", "c_opt", "a0", "a1", "sigma(0)", "RMSD"],
      )
    : ""
}
<h2>Figures</h2>
${figures.map(figureHtml).join("\n")}
<h2>Configuration and hashes</h2>
${provenance(manifest)}`;
  return { figures, html: page(`initdrift: ${title}`, body) };
}

/** A run's figures: the mask (Figure 1), its curves, the joint distributions at the last analysed epoch (Figure 3), the caller's, curvature and Appendix B. */
function runFigures(
  manifest: Manifest,
  run: RunRecord,
  panels: { epoch: number; png: Uint8Array; contrast: number | undefined }[],
  extra: Figure[],
  title: string,
): Figure[] {
  const figures: Figure[] = [];
  if (panels.length > 0 && manifest.config.mask) {
    figures.push({
      name: "fig1-mask",
      svg: figure1(`${manifest.config.mask.layer} with the mask "${manifest.config.mask.source}"`, panels),
      caption: `Figure 1: the masked matrix ${manifest.config.mask.layer} at the snapshot epochs (blue negative, white zero, red positive, on the initial weights' symmetric range), with the mask contrast (mean |w| outside the mask over inside).`,
    });
  }
  const curves = runCurves(run.rows, title);
  figures.push({ name: "fig5-loss", svg: curves[0]!, caption: "Train loss (mean over each epoch's minibatches) and test loss against epoch." });
  figures.push({ name: "fig5-rmsd", svg: curves[1]!, caption: "RMSD from the initial weights (Eq. 5), over all weights and per layer." });
  if (curves[2])
    figures.push({ name: "mask-contrast", svg: curves[2], caption: "Mask contrast against epoch: 0 at the start, near 1 once the letter is gone." });
  const lastEpoch = Math.max(...run.analyses.map((a) => a.epoch), -1);
  for (const a of run.analyses.filter((x) => x.epoch === lastEpoch && lastEpoch > 0)) {
    figures.push({
      name: `fig3-${a.layer}`,
      svg: figure3(a, `${a.layer} at epoch ${a.epoch}`),
      caption: `Figure 3, ${a.layer}: joint distribution of initial and final weights (log counts), median and interquartile range of w_f per w_i bin, the line w_f = w_i; right, w_f in three w_i slices. c_opt = ${fmt(a.c_opt)}.`,
    });
  }
  figures.push(...extra);
  const groups = aggregate([run]);
  const curvature = figureCurvature(groups, manifest.dataset.name);
  if (curvature) figures.push({ name: "curvature", svg: curvature, caption: "Top eigenvalue of the loss Hessian against epoch." });
  for (const layer of Object.keys(groups[0]?.layers ?? {})) {
    for (const f of figureA(groups, manifest.dataset.name, layer))
      figures.push({ ...f, caption: `${f.name.split("-")[1]} of ${layer} against epoch (Appendix B).` });
  }
  return figures;
}

/** The run's outcome in numbers: final losses, minimum, divergence and excursions, RMSD, mask contrast, t_theta. */
function keyNumbers(run: RunRecord): string {
  const last = run.rows.at(-1)!;
  return table(
    [
      ["final train loss", fmt(last.train_loss)],
      ["final test loss", fmt(last.test_loss)],
      ["final test accuracy", fmt(last.test_accuracy)],
      ["minimum test loss (epoch)", `${fmt(run.regimes.min_test_loss)} (${run.regimes.t_min_test})`],
      ["t_div", fmt(run.regimes.t_div)],
      ...(run.regimes.t_div_censored !== null ? [["loss jump too close to the end to call (onset)", fmt(run.regimes.t_div_censored)]] : []),
      [
        "excursions (jumps that came back)",
        run.regimes.excursions.length ? run.regimes.excursions.map((e) => `epochs ${e.onset}-${e.end}, peak ${fmt(e.peak_loss)}`).join("; ") : "none",
      ],
      ["RMSD", fmt(last.rmsd)],
      ...(last.mask_contrast !== undefined ? [["mask contrast", fmt(last.mask_contrast)]] : []),
      ...run.regimes.t_theta.map((t) => [`t_theta, theta = ${t.theta}`, t.epoch === null ? "never" : `${t.epoch} (RMSD ${fmt(t.rmsd)})`]),
    ],
    ["quantity", "value"],
  );
}

/** What the run was and what it ran on: its configuration, its hashes, the data files, the platform, the tool. */
function provenance(manifest: Manifest): string {
  return `${table(
    Object.entries(manifest.config).map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : String(v)]),
    ["option", "value"],
  )}
${table(
  [
    ["final_params_sha256", manifest.final_params_sha256 ?? "-"],
    ["initial_params_sha256", manifest.initial_params_sha256],
    ["config_sha256", manifest.config_sha256],
    ["kernels", `${manifest.kernels.mode} ${manifest.kernels.file} ${manifest.kernels.sha256}`],
    ...manifest.dataset.files.map((f) => [`data ${f.role}`, `${f.sha256} (${f.path})`]),
    ["platform", `${manifest.platform.runtime} ${manifest.platform.version} ${manifest.platform.os} ${manifest.platform.arch}, ${manifest.platform.cpu}`],
    ["tool", `${manifest.tool.name} ${manifest.tool.version}`],
    ["started / ended", `${manifest.started_at} / ${manifest.ended_at ?? "-"}`],
  ],
  ["what", "value"],
)}`;
}

/** A verdict's confidence in words: the deciding number beside its threshold, the resampling, fragile or not. */
function sureness(c: { margin: ClaimResult["margin"]; stability: number | null; resamples: number; fragile: boolean; fragile_because: string[] }): string {
  const m = c.margin ? `${c.margin.name}: ${fmt(c.margin.value)} against ${c.margin.relation} ${fmt(c.margin.threshold)}` : "";
  const s = c.stability === null ? "" : `same verdict in ${Math.round(c.stability * c.resamples)} of ${c.resamples} leave-one-seed-out resamples`;
  return [m, s, c.fragile ? `FRAGILE: ${c.fragile_because.join("; ")}` : ""].filter(Boolean).join(". ");
}

/**
 * The claims at the top of a reproduction's report: the paper's verdicts
 * (on the paper's data in each claim's scope), each with its sureness, then
 * the extensions apart.
 */
export function claimsSection(claims: readonly ClaimResult[]): string {
  if (claims.length === 0) return "";
  const colour: Record<string, string> = { reproduced: "#d8f0d8", "not reproduced": "#f6d5d5", "not testable": "#eeeeee" };
  const verdict = (v: string, fragile: boolean) => `<b>${esc(v)}</b>${fragile && v !== "not testable" ? " <i>(fragile)</i>" : ""}`;
  const rows = claims
    .map(
      (c) =>
        `<tr style="background:${colour[c.verdict]}"><td><code>${esc(c.id)}</code>${c.central ? " ★" : ""}</td><td>${esc(c.source)}; ${esc(c.scope.join(", "))}</td><td>${esc(c.statement)}<br><small>“${esc(c.quote)}”</small></td><td>${verdict(c.verdict, c.fragile)}</td><td>${esc(c.reason)}<br><small>${esc(sureness(c))}${c.to_test ? ` To test: ${esc(c.to_test)}` : ""}</small><details><summary>predicate, tolerances and numbers</summary><p>${esc(c.predicate)}</p><ul>${Object.entries(
          c.tolerances,
        )
          .map(([k, t]) => `<li><code>${esc(k)}</code> = ${esc(String(t.value))}: ${esc(t.why)}</li>`)
          .join("")}</ul><pre>${esc(JSON.stringify(c.evidence, null, 1))}</pre></details></td></tr>`,
    )
    .join("");
  const extensions = claims.flatMap((c) => c.extensions.map((e) => ({ id: c.id, ...e })));
  const extensionRows = extensions
    .map(
      (e) =>
        `<tr style="background:${colour[e.verdict]}"><td><code>${esc(e.id)}</code></td><td>${esc(e.data)}</td><td>${verdict(e.verdict, e.fragile)}</td><td>${esc(e.reason)}<br><small>${esc(sureness(e))}</small></td></tr>`,
    )
    .join("");
  const count = (v: string) => claims.filter((c) => c.verdict === v).length;
  const fragile = claims.filter((c) => c.fragile && c.verdict !== "not testable").length;
  const untested = claims.filter((c) => c.central && c.verdict === "not testable").map((c) => c.id);
  return `<h2>The paper's claims</h2>
<p>On the paper's data in each claim's scope: ${count("reproduced")} reproduced, ${count("not reproduced")} not reproduced, ${count("not testable")} not testable; ${fragile} of the decided verdicts are fragile (within 10% of a threshold, or changed by leaving one seed out). ★ marks the paper's central claims${untested.length ? `; not tested here: ${esc(untested.join(", "))}` : ""}. claims.json has every number.</p>
<table><tr><th>claim</th><th>source; scope</th><th>statement and the paper's words</th><th>verdict</th><th>why, and how sure</th></tr>${rows}</table>
${extensions.length ? `<h2>Extensions: the same checks on other data</h2><p>Never counted for the paper: another dataset than the claim's, a subset, or files not verified against the catalogue.</p><table><tr><th>claim</th><th>data</th><th>verdict</th><th>why, and how sure</th></tr>${extensionRows}</table>` : ""}`;
}

/** One dataset's figures of a sweep: Figures 4, 5, 6 and A1/A2, then curvature and condensation where recorded; captions name the settings every series shares. */
function datasetFigures(groups: readonly GroupSummary[], d: string, records: readonly RunRecord[]): Figure[] {
  const gs = groups.filter((g) => g.dataset === d).sort((a, b) => a.hidden_widths[0]! - b.hidden_widths[0]!);
  const figures: Figure[] = [];
  figures.push({
    name: `fig4ab-${d}`,
    svg: figure4Losses(gs, d, records),
    caption: `Figure 4(a, b), ${d}: (a) train and (b) test loss against epoch, each panel on its own scale, mean over seeds, one colour per width; each run as a thin line (the paper shows single runs); dots in (a) mark excursions, jumps of the train loss that came back down.`,
  });
  figures.push({
    name: `fig4c-${d}`,
    svg: figure4Regimes(gs, d),
    caption: `Figure 4(c), ${d}: epochs of the minimum test and train loss and of divergence (onset) against width, mean and standard deviation over seeds (t_div over the runs that diverged), and t_div's Kaplan-Meier median, counting runs that never diverged as beyond the horizon; the legend gives the share of runs that diverged.`,
  });
  figures.push({ name: `fig4d-${d}`, svg: figure4Minima(gs, d), caption: `Figure 4(d), ${d}: minimum test and train loss against width.` });
  const [loss, rmsd] = figure5(gs, d, records);
  figures.push({
    name: `fig5-loss-${d}`,
    svg: loss!,
    caption: `Figure 5, ${d}: train loss against epoch (log axes), each run thin and the mean over seeds bold.`,
  });
  figures.push({
    name: `fig5-rmsd-${d}`,
    svg: rmsd!,
    caption: `Figure 5, ${d}: RMSD from the initial weights against epoch, each run thin and the mean over seeds bold.`,
  });
  const [tt, rt] = figure6(gs, d);
  figures.push({
    name: `fig6-t_theta-${d}`,
    svg: tt!,
    caption: `Figure 6, ${d}: first epoch with train loss <= theta against width: the mean over the runs that reached it (solid) and the Kaplan-Meier median counting the others as beyond the horizon (dotted); a width where fewer than half the runs reach theta has no median point.`,
  });
  figures.push({ name: `fig6-rmsd-${d}`, svg: rt!, caption: `Figure 6, ${d}: RMSD at t_theta against width.` });
  const layers = [...new Set(gs.flatMap((g) => Object.keys(g.layers)))].sort();
  for (const layer of layers)
    for (const f of figureA(gs, d, layer))
      figures.push({
        ...f,
        name: `${f.name}-${d}`,
        caption: `Figures A1/A2, ${d}, ${layer}: ${f.name.split("-")[1]} against epoch, mean and band over seeds, one colour per width.`,
      });
  for (const [name, svg, caption] of optionalFigures(gs, d, layers)) if (svg) figures.push({ name, svg, caption });
  // The settings every series of this dataset shares are said once, in the captions, not in every label.
  const shared = sharedSettings(gs);
  if (shared.length) for (const f of figures) f.caption += ` Every series: ${shared.join(", ")}.`;
  return figures;
}

/** The figures of the related studies, where their data was recorded (undefined svg: not drawn). */
function optionalFigures(gs: readonly GroupSummary[], d: string, layers: readonly string[]): [string, string | undefined, string][] {
  return [
    [`curvature-${d}`, figureCurvature(gs, d), "Top eigenvalue of the loss Hessian (whole network, power iteration on a fixed training subset) against epoch."],
    [
      `curvature-vs-scale-${d}`,
      figureAgainstScale(gs, d, "top Hessian eigenvalue", (g) => Object.values(g.layers).find((l) => l.hessian_top_network)?.hessian_top_network, true),
      "Top Hessian eigenvalue at the first and last analysed epoch against the initial scale.",
    ],
    [
      `outcome-vs-scale-${d}`,
      Object.values(gs[0]?.layers ?? {}).some((l) => l.hessian_gain)
        ? figureAgainstScale(gs, d, "train loss", (g) => g.series.train_loss, true, "last")
        : undefined,
      "The training outcome beside the curvature: train loss at the last epoch against the initial scale, mean over seeds, one line per initialiser.",
    ],
    ...layers.map(
      (layer) =>
        [
          `curvature-gain-${layer}-${d}`,
          figureAgainstScale(gs, d, `${layer} curvature gain`, (g) => g.layers[layer]?.hessian_gain, true, "first"),
          `The Hessian norm of ${layer} at initialisation: its Gauss-Newton curvature gain T(input) / T(output) at epoch 0 against the initial scale (the Hessian principle is 1), mean over seeds, one line per initialiser.`,
        ] as [string, string | undefined, string],
    ),
    ...layers.flatMap((layer) => [
      [
        `condensation-${layer}-${d}`,
        figureCondensation(gs, d, layer),
        `Orientation clusters of ${layer}'s neurons (cos >= 0.95) against epoch: fewer means more condensed.`,
      ] as [string, string | undefined, string],
      [
        `condensation-vs-scale-${layer}-${d}`,
        figureAgainstScale(gs, d, `${layer} orientations`, (g) => g.layers[layer]?.orientations, true),
        `Orientation clusters of ${layer} at the first and last analysed epoch against the initial scale.`,
      ] as [string, string | undefined, string],
    ]),
  ];
}

/** The report of a sweep (or any set of runs): Figures 4, 5, 6, A1/A2 per dataset, and a table of groups and runs. */
export function sweepReport(
  groups: readonly GroupSummary[],
  runs: readonly { name: string; manifest: Manifest }[],
  records: readonly RunRecord[] = [],
  claims: readonly ClaimResult[] = [],
  extra: readonly Figure[] = [],
): Report {
  const figures = [...[...new Set(groups.map((g) => g.dataset))].flatMap((d) => datasetFigures(groups, d, records)), ...extra];
  const body = `<h1>initdrift sweep: ${runs.length} runs</h1>
${claimsSection(claims)}
<h2>Groups</h2>
${table(
  groups.map((g) => [
    g.dataset,
    g.hidden_widths.join("x") + (g.variant ? ` (${g.variant})` : ""),
    g.runs,
    Object.entries(g.statuses)
      .map(([k, v]) => `${v} ${k}`)
      .join(", "),
    `${fmt(g.scalars.min_test_loss!.mean)} ± ${fmt(g.scalars.min_test_loss!.std)}`,
    fmt(g.scalars.t_min_test!.mean),
    `${g.scalars.t_div!.n}/${g.runs}`,
    g.excursions.length,
    ...["W1", "W2", "W3"].map((l) => fmt(g.layers[l]?.c_opt?.at(-1)?.mean)),
  ]),
  ["dataset", "widths", "runs", "status", "min test loss", "t_min_test", "diverged", "excursions", "c_opt W1", "c_opt W2", "c_opt W3"],
)}
<h2>Figures</h2>
${figures.map(figureHtml).join("\n")}
<h2>Runs</h2>
${table(
  runs.map((r) => [r.name, r.manifest.status, r.manifest.epochs_completed, r.manifest.kernels.mode, r.manifest.final_params_sha256 ?? "-"]),
  ["run", "status", "epochs", "kernels", "final_params_sha256"],
)}`;
  return { figures, html: page(`initdrift sweep (${runs.length} runs)`, body) };
}
