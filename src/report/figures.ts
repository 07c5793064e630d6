import { groupKey, type EpochStat, type GroupSummary } from "../study/aggregate.js";
import type { RunRecord } from "../run/record.js";
import type { LayerAnalysis } from "../analysis/layer.js";
import { orientationMap } from "../analysis/orientationMap.js";
import { encodePngRgb } from "../codec/png.js";
import type { MetricRow } from "../run/metrics.js";
import { DASHES, diverging, esc, linePlot, PALETTE, panels, sequential, type Series } from "./svg.js";

/**
 * The paper's figures as SVG text (and the weight-matrix panels as PNG).
 * Each function takes the data initdrift records and returns one figure.
 */

/** Largest side of a weight-matrix image file; larger matrices are subsampled (every k-th row and column). */
export const MAX_IMAGE_SIDE = 512;
/** Largest side of the panels embedded in Figure 1 (shown 180 px wide): keeps the SVG small. */
export const PANEL_SIDE = 128;

/**
 * A weight matrix (rows x cols, row-major) as a PNG: blue negative, white 0,
 * red positive, on the symmetric range [-limit, limit] (pass the same limit
 * for every epoch, e.g. the initial max |w|, so panels compare).
 */
export async function weightImage(weights: ArrayLike<number>, rows: number, cols: number, limit: number, maxSide = MAX_IMAGE_SIDE): Promise<Uint8Array> {
  const step = Math.max(1, Math.ceil(Math.max(rows, cols) / maxSide));
  const h = Math.ceil(rows / step),
    w = Math.ceil(cols / step);
  const rgb = new Uint8Array(h * w * 3);
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++) {
      const [r, g, b] = diverging(weights[i * step * cols + j * step]! / limit);
      rgb.set([r, g, b], (i * w + j) * 3);
    }
  return encodePngRgb(w, h, rgb);
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Figure 1: the masked matrix at several epochs, side by side, with the mask contrast. */
export function figure1(title: string, panels: { epoch: number; png: Uint8Array; contrast: number | undefined }[]): string {
  const side = 180,
    gap = 14,
    W = panels.length * (side + gap) + gap,
    H = side + 70;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${esc(title)}</text>`,
  ];
  panels.forEach((p, k) => {
    const x = gap + k * (side + gap);
    parts.push(
      `<g class="series" data-name="epoch ${p.epoch}"><image x="${x}" y="30" width="${side}" height="${side}" preserveAspectRatio="none" style="image-rendering:pixelated" href="data:image/png;base64,${base64(p.png)}"/>` +
        `<rect x="${x}" y="30" width="${side}" height="${side}" fill="none" stroke="#333"/>` +
        `<text x="${x + side / 2}" y="${side + 46}" text-anchor="middle">epoch ${p.epoch}</text>` +
        `<text x="${x + side / 2}" y="${side + 60}" text-anchor="middle">contrast ${p.contrast === undefined || !Number.isFinite(p.contrast) ? "-" : p.contrast.toFixed(3)}</text></g>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n");
}

/**
 * Figure 3 for one layer at one epoch: the 2-D histogram of (w_i, w_f) (log
 * counts), the median and interquartile band of w_f per w_i bin, and w_f =
 * w_i; beside it, histograms of w_f for three w_i slices.
 */
export function figure3(a: LayerAnalysis, title: string): string {
  const h = a.hist2d;
  const maxCount = Math.max(1, ...h.counts.flat());
  const centres = a.bands.edges.slice(0, -1).map((e, k) => (e + a.bands.edges[k + 1]!) / 2);
  const band: [number, number, number][] = centres.map((c, k) => [c, a.bands.q25[k] ?? NaN, a.bands.q75[k] ?? NaN]);
  const median: [number, number][] = centres.map((c, k) => [c, a.bands.median[k] ?? NaN]);
  const lo = Math.min(h.x_edges[0]!, h.y_edges[0]!),
    hi = Math.max(h.x_edges.at(-1)!, h.y_edges.at(-1)!);
  const joint = linePlot({
    title,
    width: 440,
    height: 400,
    x: { label: "initial weight w_i", min: h.x_edges[0]!, max: h.x_edges.at(-1)! },
    y: { label: "final weight w_f", min: h.y_edges[0]!, max: h.y_edges.at(-1)! },
    series: [{ name: "median, IQR of w_f", points: median, band, color: PALETTE[1] }],
    underlay: (sx, sy) =>
      h.counts
        .map((col, ix) =>
          col
            .map((c, iy) =>
              c === 0
                ? ""
                : `<rect x="${sx(h.x_edges[ix]!).toFixed(1)}" y="${sy(h.y_edges[iy + 1]!).toFixed(1)}" width="${(sx(h.x_edges[ix + 1]!) - sx(h.x_edges[ix]!) + 0.5).toFixed(1)}" height="${(sy(h.y_edges[iy]!) - sy(h.y_edges[iy + 1]!) + 0.5).toFixed(1)}" fill="${sequential(Math.log1p(c) / Math.log1p(maxCount))}"/>`,
            )
            .join(""),
        )
        .join(""),
    overlay: (sx, sy) =>
      `<line x1="${sx(lo).toFixed(1)}" y1="${sy(lo).toFixed(1)}" x2="${sx(hi).toFixed(1)}" y2="${sy(hi).toFixed(1)}" stroke="#000" stroke-dasharray="4 3"/><text x="${(sx(hi) - 60).toFixed(1)}" y="${(sy(hi) + 14).toFixed(1)}">w_f = w_i</text>`,
  });
  const nx = h.counts.length;
  const slices = [Math.floor(nx / 6), Math.floor(nx / 2), Math.floor((5 * nx) / 6)];
  const yCentres = h.y_edges.slice(0, -1).map((e, k) => (e + h.y_edges[k + 1]!) / 2);
  const marginal = linePlot({
    title: "w_f in three w_i slices",
    width: 320,
    height: 400,
    x: { label: "final weight w_f" },
    y: { label: "fraction of the slice" },
    series: slices.map((ix) => {
      const col = h.counts[ix]!;
      const total = col.reduce((s, c) => s + c, 0) || 1;
      return {
        name: `w_i ~ ${((h.x_edges[ix]! + h.x_edges[ix + 1]!) / 2).toFixed(3)}`,
        points: yCentres.map((y, k) => [y, col[k]! / total] as [number, number]),
      };
    }),
  });
  // Side by side, each as wide as its legend makes it: the marginal plot placed at the joint plot's 440 px covered the joint's legend.
  return panels([joint, marginal]);
}

const meanPoints = (s: readonly EpochStat[], skipZero = false): [number, number][] =>
  s.filter((p) => !skipZero || p.epoch > 0).map((p) => [p.epoch, p.mean ?? NaN]);
const bandOf = (s: readonly EpochStat[], skipZero = false): [number, number, number][] =>
  s.filter((p) => (!skipZero || p.epoch > 0) && p.mean !== null && p.std !== null).map((p) => [p.epoch, p.mean! - p.std!, p.mean! + p.std!]);
/** The settings of a group's variant ("mask a@W2, train-limit 6000") as separate parts. */
const settingsOf = (g: GroupSummary): string[] => (g.variant ? g.variant.split(", ") : []);

/** The settings every group of a figure shares: they belong in its caption, not in each label. */
export function sharedSettings(groups: readonly GroupSummary[]): string[] {
  if (groups.length === 0) return [];
  return settingsOf(groups[0]!).filter((part) => groups.every((g) => settingsOf(g).includes(part)));
}

/**
 * Series labels that say what differs between the groups of one figure (the
 * width, the mask, ...), leaving out the settings they all share.
 */
function labeller(groups: readonly GroupSummary[]): (g: GroupSummary) => string {
  const shared = new Set(sharedSettings(groups));
  return (g) => [`n = ${g.hidden_widths.join("x")}`, ...settingsOf(g).filter((p) => !shared.has(p))].join(", ");
}

/**
 * Each run of a group as a faint line behind the group's mean: the paper's
 * Figures 4(a, b) and 5 show single runs, and a mean over seeds that diverge
 * at different epochs smears each jump into a ramp.
 */
function runLines(g: GroupSummary, runs: readonly RunRecord[], color: string | undefined, value: (r: RunRecord["rows"][number]) => number): Series[] {
  const key = groupKey(g.dataset, g.hidden_widths, g.variant);
  return runs
    .filter((r) => groupKey(r.dataset, r.hiddenWidths, r.variant) === key)
    .map((r) => ({
      name: "",
      points: r.rows.filter((row) => row.epoch > 0).map((row) => [row.epoch, value(row)] as [number, number]),
      color,
      faint: true,
      dash: "",
    }));
}

/** Separate points: a non-finite point between each breaks the line, so only the markers show. */
const scattered = (points: readonly [number, number][]): [number, number][] => points.flatMap((p) => [p, [p[0], NaN] as [number, number]]);

/** Each excursion of a group (a jump that came back down, never a t_div) as a marker at its onset and peak loss. */
function excursionMarks(g: GroupSummary, color: string | undefined, widthLabel: (g: GroupSummary) => string): Series[] {
  if (g.excursions.length === 0) return [];
  return [
    {
      name: `${widthLabel(g)}: ${g.excursions.length} excursion${g.excursions.length > 1 ? "s" : ""} (came back)`,
      points: scattered(g.excursions.map((e) => [e.onset, e.peak_loss])),
      markers: true,
      color,
    },
  ];
}

/**
 * Figure 4(a, b), as the paper draws it: (a) the train loss and (b) the test
 * loss against epoch, one panel each on one loss scale, for each width: every
 * run faint, the mean over seeds, and in (a) the excursions (jumps of the
 * train loss that came back). The legend stands right of (b) and names
 * the widths for both.
 */
export function figure4Losses(groups: readonly GroupSummary[], dataset: string, runs: readonly RunRecord[] = []): string {
  const widthLabel = labeller(groups);
  const panel = (which: "train_loss" | "test_loss") =>
    groups.flatMap((g, k) => {
      const color = PALETTE[k % PALETTE.length];
      // The same colour and dash for a width in both panels: the legend beside (b) serves (a).
      const dash = DASHES[k % DASHES.length];
      const mean = meanPoints(g.series[which]!, true);
      return [
        ...runLines(g, runs, color, (r) => r[which]),
        { name: which === "test_loss" ? widthLabel(g) : "", points: mean, color, dash },
        ...(which === "train_loss" ? excursionMarks(g, color, widthLabel).map((e) => ({ ...e, name: "" })) : []),
      ];
    });
  // Each panel on its own loss range: the test loss spans a decade where the train loss spans four, and its rise after the minimum must show.
  const y = { label: "cross-entropy loss", log: true };
  const x = { label: "epoch t", log: true };
  const excursions = groups.reduce((n, g) => n + g.excursions.length, 0);
  const dots = excursions ? ` (dots: ${excursions} excursion${excursions > 1 ? "s" : ""} that came back)` : "";
  const a = linePlot({ id: "a", title: `(a) ${dataset}: train loss${dots}`, x, y, series: panel("train_loss") });
  const b = linePlot({ id: "b", title: `(b) ${dataset}: test loss`, x, y, series: panel("test_loss") });
  return panels([a, b]);
}

/** A censored time (t_div, t_theta) against width: the Kaplan-Meier median where at least half the runs reached it. */
function widthMedian(groups: readonly GroupSummary[], key: string): [number, number][] {
  return groups.flatMap((g) => {
    const m = g.times[key]?.km_median;
    return m === null || m === undefined ? [] : [[g.hidden_widths[0]!, m] as [number, number]];
  });
}

function widthStat(groups: readonly GroupSummary[], key: string): { points: [number, number][]; errors: [number, number, number, number][] } {
  const points: [number, number][] = [],
    errors: [number, number, number, number][] = [];
  for (const g of groups) {
    const s = g.scalars[key];
    if (!s || s.mean === null) continue;
    const w = g.hidden_widths[0]!;
    points.push([w, s.mean]);
    errors.push([w, s.mean, s.mean - (s.std ?? 0), s.mean + (s.std ?? 0)]);
  }
  return { points, errors };
}

/**
 * Figure 4(c): the regime times against width, mean and standard deviation
 * over seeds; t_div also as its Kaplan-Meier median (runs that never
 * diverged count as beyond the horizon), with the share of runs that diverged.
 */
export function figure4Regimes(groups: readonly GroupSummary[], dataset: string): string {
  const diverged = groups.map((g) => `${g.hidden_widths[0]}: ${g.times.t_div?.reached ?? 0}/${g.runs}`).join(", ");
  const series: Series[] = [
    { name: "t_min_test", ...widthStat(groups, "t_min_test"), markers: true },
    { name: "t_min_train", ...widthStat(groups, "t_min_train"), markers: true },
    { name: "t_div (mean of diverged runs)", ...widthStat(groups, "t_div"), markers: true },
    { name: `t_div, Kaplan-Meier median (diverged ${diverged})`.slice(0, 90), points: widthMedian(groups, "t_div"), markers: true, dash: "2 2" },
  ];
  const onsets = groups.flatMap((g) => g.excursions.map((e) => [g.hidden_widths[0]!, e.onset] as [number, number]));
  if (onsets.length) series.push({ name: `excursion onsets (${onsets.length}; came back, not t_div)`, points: scattered(onsets), markers: true });
  return linePlot({ title: `${dataset}: regimes against width`, x: { label: "width n", log: true }, y: { label: "epoch" }, series });
}

/** Figure 4(d): the minimum losses against width. */
export function figure4Minima(groups: readonly GroupSummary[], dataset: string): string {
  const series: Series[] = [
    { name: "min test loss", ...widthStat(groups, "min_test_loss"), markers: true },
    { name: "min train loss", ...widthStat(groups, "min_train_loss"), markers: true },
  ];
  return linePlot({ title: `${dataset}: minimum losses against width`, x: { label: "width n", log: true }, y: { label: "loss", log: true }, series });
}

/** Figure 5: train loss and RMSD against epoch, log axes: every run, and the mean of each width. */
export function figure5(groups: readonly GroupSummary[], dataset: string, runs: readonly RunRecord[] = []): string[] {
  const widthLabel = labeller(groups);
  const panel = (key: "train_loss" | "rmsd"): Series[] =>
    groups.flatMap((g, k) => {
      const color = PALETTE[k % PALETTE.length];
      return [...runLines(g, runs, color, (r) => r[key]), { name: widthLabel(g), points: meanPoints(g.series[key]!, true), color, dash: "" }];
    });
  return [
    linePlot({
      title: `${dataset}: train loss against epoch`,
      x: { label: "epoch t", log: true },
      y: { label: "train loss", log: true },
      series: panel("train_loss"),
    }),
    linePlot({
      title: `${dataset}: RMSD from the initial weights`,
      x: { label: "epoch t", log: true },
      y: { label: "RMSD (Eq. 5)", log: true },
      series: panel("rmsd"),
    }),
  ];
}

/** Figure 6: t_theta and RMSD(t_theta) against width for each theta; widths that never reach theta have no point. */
export function figure6(groups: readonly GroupSummary[], dataset: string): string[] {
  const thetas = Object.keys(groups[0]?.scalars ?? {})
    .filter((k) => k.startsWith("t_theta_"))
    .map((k) => k.slice("t_theta_".length));
  return [
    linePlot({
      title: `${dataset}: epochs to reach train loss theta`,
      x: { label: "width n", log: true },
      y: { label: "t_theta (epoch)", log: true },
      series: thetas.flatMap((t, k) => [
        { name: `theta = ${t} (mean of runs that reached it)`, ...widthStat(groups, `t_theta_${t}`), markers: true, color: PALETTE[k % PALETTE.length] },
        {
          name: `theta = ${t}, Kaplan-Meier median`,
          points: widthMedian(groups, `t_theta_${t}`),
          markers: true,
          color: PALETTE[k % PALETTE.length],
          dash: "2 2",
        },
      ]),
    }),
    linePlot({
      title: `${dataset}: RMSD needed to reach theta`,
      x: { label: "width n", log: true },
      y: { label: "RMSD(t_theta)", log: true },
      series: thetas.map((t) => ({ name: `theta = ${t}`, ...widthStat(groups, `rmsd_t_theta_${t}`), markers: true })),
    }),
  ];
}

const A_QUANTITIES = [
  ["c_opt", "c_opt (ridge slope)"],
  ["a0", "a0"],
  ["a1", "a1"],
  ["sigma0", "sigma(0)"],
] as const;

/** Figures A1/A2: c_opt, a0, a1 and sigma(0) of one layer against epoch, mean and band over seeds, one line per width. */
export function figureA(groups: readonly GroupSummary[], dataset: string, layer: string): { name: string; svg: string }[] {
  const widthLabel = labeller(groups);
  return A_QUANTITIES.map(([key, label]) => ({
    name: `A-${key}-${layer}`,
    svg: linePlot({
      title: `${dataset}, ${layer}: ${label} against epoch`,
      x: { label: "epoch t", log: true },
      y: { label },
      series: groups
        .filter((g) => g.layers[layer])
        .map((g) => ({ name: widthLabel(g), points: meanPoints(g.layers[layer]![key]!, true), band: bandOf(g.layers[layer]![key]!, true), markers: true })),
    }),
  }));
}

/** A single run's curves: train and test loss, RMSD overall and per layer, and the mask contrast when masked. */
export function runCurves(rows: readonly MetricRow[], title: string): string[] {
  const after = rows.filter((r) => r.epoch > 0);
  const out = [
    linePlot({
      title: `${title}: loss`,
      x: { label: "epoch t", log: true },
      y: { label: "loss", log: true },
      series: [
        { name: "train", points: after.map((r) => [r.epoch, r.train_loss]) },
        { name: "test", points: after.map((r) => [r.epoch, r.test_loss]) },
      ],
    }),
    linePlot({
      title: `${title}: RMSD`,
      x: { label: "epoch t", log: true },
      y: { label: "RMSD (Eq. 5)", log: true },
      series: [
        { name: "all weights", points: after.map((r) => [r.epoch, r.rmsd]) },
        ...(after[0]?.rmsd_by_layer ?? []).map((_, l) => ({ name: `W${l + 1}`, points: after.map((r) => [r.epoch, r.rmsd_by_layer[l]!] as [number, number]) })),
      ],
    }),
  ];
  if (rows[0]?.mask_contrast !== undefined) {
    out.push(
      linePlot({
        title: `${title}: mask contrast`,
        x: { label: "epoch t" },
        y: { label: "mean |w| outside / inside", min: 0 },
        series: [{ name: "contrast", points: rows.map((r) => [r.epoch, r.mask_contrast ?? NaN]), markers: true }],
      }),
    );
  }
  return out;
}

/** The top Hessian eigenvalue (whole network) against epoch, one line per group. */
export function figureCurvature(groups: readonly GroupSummary[], dataset: string): string | undefined {
  const widthLabel = labeller(groups);
  const withH = groups.filter((g) => Object.values(g.layers).some((l) => l.hessian_top_network));
  if (withH.length === 0) return undefined;
  return linePlot({
    title: `${dataset}: top Hessian eigenvalue against epoch`,
    x: { label: "epoch t" },
    y: { label: "largest eigenvalue of the loss Hessian", log: true },
    series: withH.map((g) => {
      const s = Object.values(g.layers).find((l) => l.hessian_top_network)!.hessian_top_network!;
      return { name: widthLabel(g), points: meanPoints(s), band: bandOf(s), markers: true };
    }),
  });
}

/** Condensed orientations of a hidden layer against epoch, one line per group. */
export function figureCondensation(groups: readonly GroupSummary[], dataset: string, layer: string): string | undefined {
  const widthLabel = labeller(groups);
  const withC = groups.filter((g) => g.layers[layer]?.orientations);
  if (withC.length === 0) return undefined;
  return linePlot({
    title: `${dataset}, ${layer}: orientations of the neurons' input vectors`,
    x: { label: "epoch t" },
    y: { label: "orientation clusters (cos >= 0.95)", log: true },
    series: withC.map((g) => ({
      name: widthLabel(g),
      points: meanPoints(g.layers[layer]!.orientations!),
      band: bandOf(g.layers[layer]!.orientations!),
      markers: true,
    })),
  });
}

/**
 * A quantity against the initial scale, one line per setting besides the
 * scale (width, activation, initialiser, ...): at the first and the last
 * analysed epoch, or only at one of them.
 */
export function figureAgainstScale(
  groups: readonly GroupSummary[],
  dataset: string,
  label: string,
  pick: (g: GroupSummary) => EpochStat[] | undefined,
  log: boolean,
  at: "first and last" | "first" | "last" = "first and last",
): string | undefined {
  const scales = new Set(groups.map((g) => g.init_scale));
  if (scales.size < 2) return undefined;
  const label0 = labeller(groups);
  // The scale is the x axis: a line is everything else a group's label says.
  const lineOf = (g: GroupSummary): string =>
    label0(g)
      .split(", ")
      .filter((p) => !p.startsWith("init-scale "))
      .join(", ");
  const lines = [...new Set(groups.filter((g) => pick(g)?.length).map(lineOf))];
  const series: Series[] = lines.flatMap((line, k) => {
    const gs = groups.filter((g) => lineOf(g) === line && pick(g)?.length).sort((a, b) => a.init_scale - b.init_scale);
    const points = (which: "first" | "last") =>
      gs.map((g) => {
        const s = pick(g)!;
        const p = which === "first" ? s[0]! : s.at(-1)!;
        return [g.init_scale, p.mean ?? NaN] as [number, number];
      });
    const color = PALETTE[k % PALETTE.length];
    const firstEpoch = pick(gs[0]!)![0]!.epoch,
      lastEpoch = pick(gs[0]!)!.at(-1)!.epoch;
    const out: Series[] = [];
    if (at !== "last")
      out.push({ name: `${line}, epoch ${firstEpoch}`, points: points("first"), markers: true, color, ...(at === "first" ? {} : { dash: "5 3" }) });
    if (at !== "first") out.push({ name: `${line}, epoch ${lastEpoch}`, points: points("last"), markers: true, color });
    return out;
  });
  if (series.every((s) => s.points.length === 0)) return undefined;
  return linePlot({
    title: `${dataset}: ${label} against initial scale`,
    x: { label: "initial scale gamma (--init-scale)", log: true },
    y: { label, log },
    series,
  });
}

/** The similarity matrix of a hidden layer's neurons, ordered by cluster, as an image in an SVG. */
export async function figureSimilarity(similarity: Float32Array, n: number, title: string, orientations: number): Promise<string> {
  const png = await weightImage(similarity, n, n, 1, 256);
  const side = 360;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${side + 40}" height="${side + 70}" viewBox="0 0 ${side + 40} ${side + 70}" font-family="Helvetica, Arial, sans-serif" font-size="11">
<rect width="${side + 40}" height="${side + 70}" fill="white"/><text x="${(side + 40) / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${esc(title)}</text>
<g class="series" data-name="cosine similarity"><image x="20" y="30" width="${side}" height="${side}" preserveAspectRatio="none" style="image-rendering:pixelated" href="data:image/png;base64,${base64(png)}"/><rect x="20" y="30" width="${side}" height="${side}" fill="none" stroke="#333"/></g>
<text x="${(side + 40) / 2}" y="${side + 46}" text-anchor="middle">cos of the neurons' input vectors, red +1, white 0, blue -1,</text>
<text x="${(side + 40) / 2}" y="${side + 60}" text-anchor="middle">ordered by cluster: ${orientations} orientations</text>
</svg>`;
}

/**
 * The 2-D map of a hidden layer's neuron orientations (analysis/orientationMap.ts):
 * one dot per neuron, coloured by its orientation cluster (the six largest of
 * two or more neurons; the rest grey), inside the unit circle.
 */
export function figureOrientationMap(similarity: Float32Array, n: number, sizes: readonly number[], title: string): string {
  const map = orientationMap(similarity, n);
  const shown = sizes.filter((s) => s > 1).slice(0, 6);
  const colourOf: string[] = [];
  sizes.forEach((size, k) => {
    for (let i = 0; i < size; i++) colourOf.push(k < shown.length ? PALETTE[k]! : "#999999");
  });
  const live = sizes.reduce((a, b) => a + b, 0);
  return linePlot({
    title,
    x: { label: `principal direction 1 (${(100 * map.explained[0]).toFixed(0)}% of the orientations' spread)`, min: -1.1, max: 1.1 },
    y: { label: `direction 2 (${(100 * map.explained[1]).toFixed(0)}%)`, min: -1.1, max: 1.1 },
    width: 640,
    height: 460,
    series: [
      ...shown.map((size, k) => ({ name: `cluster ${k + 1}: ${size} neurons`, points: [] as [number, number][], color: PALETTE[k]! })),
      { name: "other neurons", points: [] as [number, number][], color: "#999999" },
    ],
    underlay: (sx, sy) => {
      const r = Math.abs(sx(1) - sx(0));
      const ry = Math.abs(sy(1) - sy(0));
      return `<ellipse cx="${sx(0)}" cy="${sy(0)}" rx="${r}" ry="${ry}" fill="none" stroke="#bbb"/>`;
    },
    overlay: (sx, sy) => {
      const dots: string[] = [];
      for (let a = 0; a < live; a++)
        dots.push(`<circle cx="${sx(map.x[a]!).toFixed(1)}" cy="${sy(map.y[a]!).toFixed(1)}" r="3.5" fill="${colourOf[a]}" fill-opacity="0.6"/>`);
      return `<g class="dots">${dots.join("")}</g>`;
    },
  });
}
