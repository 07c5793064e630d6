/**
 * A small SVG plotting layer for initdrift's figures: axes (linear or log),
 * ticks, lines with optional bands and error bars, heat maps and legends.
 * Output is self-contained SVG text; every data series is a <g class="series">
 * so tests can count them. Colours: the Okabe-Ito palette (readable for
 * colour-blind readers), with dash patterns so series stay distinct in print.
 */
export const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"];
export const DASHES = ["", "6 3", "2 2", "8 3 2 3", "1 3", "10 4"];

export interface Axis {
  label: string;
  log?: boolean;
  min?: number;
  max?: number;
}

export interface Series {
  name: string;
  /** [x, y] points; non-finite values break the line. */
  points: [number, number][];
  /** A shaded band [x, low, high] (e.g. mean +- std, or the interquartile range). */
  band?: [number, number, number][];
  /** Error bars [x, y, low, high]. */
  errors?: [number, number, number, number][];
  markers?: boolean;
  /** A thin, pale line: one run drawn behind the mean of its group. */
  faint?: boolean;
  color?: string;
  dash?: string;
}

export interface PlotOptions {
  title: string;
  x: Axis;
  y: Axis;
  series: Series[];
  width?: number;
  height?: number;
  /** Extra SVG drawn in data coordinates after the series (e.g. reference lines): given the mapping. */
  overlay?: (sx: (x: number) => number, sy: (y: number) => number) => string;
  /** The same, drawn before the series (e.g. a heat map). */
  underlay?: (sx: (x: number) => number, sy: (y: number) => number) => string;
  /** Tells this plot's clip path apart from another plot's of the same size in one figure (panels). */
  id?: string;
}

export function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const num = (v: number): string => (Math.abs(v) < 1e-9 ? "0" : Number(v.toFixed(2)).toString());

/** At most this many ticks on an axis (more only from the 1-2-5 steps of a log axis of two decades). */
const MAX_TICKS = 12;

/** Tick values: 1-2-5 steps on linear axes, powers of ten on log axes (with 2 and 5 when few decades). */
export function ticks(lo: number, hi: number, log: boolean): number[] {
  // Any input gives a short list: non-finite ends, a range of one ulp, a range that overflows.
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (log) {
    if (!(lo > 0)) return ticks(lo, hi, false);
    const out: number[] = [];
    const d0 = Math.floor(Math.log10(lo)),
      d1 = Math.ceil(Math.log10(hi));
    const mult = d1 - d0 <= 2 ? [1, 2, 5] : [1];
    // Every k-th decade, so that a range of hundreds of decades still gets a dozen ticks.
    const stride = Math.max(1, Math.ceil((d1 - d0 + 1) / MAX_TICKS));
    for (let d = d0; d <= d1; d += stride)
      for (const m of mult) {
        const v = m * 10 ** d;
        if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
      }
    return out.length >= 2 ? out : ticks(lo, hi, false);
  }
  const span = hi - lo;
  if (!Number.isFinite(span)) return ticks(lo / 2, hi / 2, false).map((v) => v * 2);
  // A range too narrow to step through at this magnitude: one tick at its middle.
  if (span <= Math.max(Math.abs(lo), Math.abs(hi)) * 1e-12 || span === 0) return [lo + span / 2];
  const mag = 10 ** Math.floor(Math.log10(span / 5));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((st) => span / st <= 6) ?? span;
  // Integer multiples of the step: a loop that adds the step could stall where it is below one ulp.
  const first = Math.ceil(lo / step),
    last = Math.floor(hi / step + 1e-9);
  if (!(last - first <= MAX_TICKS)) return [lo, hi];
  const out: number[] = [];
  for (let k = first; k <= last; k++) out.push(k === 0 ? 0 : k * step);
  return out;
}

export function tickLabel(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) {
    const e = Math.floor(Math.log10(a));
    const m = v / 10 ** e;
    return Math.abs(m - 1) < 1e-9 ? `1e${e}` : `${Number(m.toFixed(2))}e${e}`;
  }
  return Number(v.toPrecision(4)).toString();
}

function extent(values: number[], log: boolean, axis: Axis): [number, number] {
  // A loop, not Math.min(...values): a spread of 200,000 points overflows the call stack.
  let vmin = Infinity,
    vmax = -Infinity;
  for (const x of values) {
    if (!Number.isFinite(x) || (log && !(x > 0))) continue;
    if (x < vmin) vmin = x;
    if (x > vmax) vmax = x;
  }
  const any = vmin <= vmax;
  let lo = axis.min ?? (any ? vmin : log ? 1 : 0);
  let hi = axis.max ?? (any ? vmax : log ? 10 : 1);
  if (!(hi > lo)) {
    // One value (or a degenerate range): a span around it that survives rounding at any magnitude.
    const d = log ? 0 : Math.abs(lo) * 0.1 || 0.5;
    [lo, hi] = log ? [lo / 2, Math.min(hi * 2, Number.MAX_VALUE)] : [Math.max(lo - d, -Number.MAX_VALUE), Math.min(hi + d, Number.MAX_VALUE)];
  }
  // A little room so markers at the ends are not cut by the plot's edge.
  if (axis.min === undefined && axis.max === undefined) {
    if (log) {
      const f = (hi / lo) ** 0.04;
      if (Number.isFinite(f) && lo / f > 0) [lo, hi] = [lo / f, Math.min(hi * f, Number.MAX_VALUE)];
    } else {
      const pad = (hi - lo) * 0.04;
      if (Number.isFinite(pad)) [lo, hi] = [Math.max(lo - pad, -Number.MAX_VALUE), Math.min(hi + pad, Number.MAX_VALUE)];
    }
  }
  return [lo, hi];
}

/**
 * A line plot with axes, ticks, labels and a legend, as an <svg> element.
 * The legend stands to the right of the plot area, which keeps its size: a
 * legend inside it covered the curves wherever they ran (the top right of a
 * loss plot is its first epochs). The figure grows downwards when the
 * legend is taller than the plot.
 */
export function linePlot(o: PlotOptions): string {
  const W = o.width ?? 520;
  const named = o.series.map((s, k) => ({ s, k })).filter(({ s }) => s.name);
  // The legend box fits its longest label (about 6.2 px a character at 11 px).
  const legendWidth = named.length ? Math.ceil(30 + Math.max(0, ...named.map(({ s }) => s.name.length)) * 6.2) : 0;
  const total = named.length ? W + legendWidth + 8 : W;
  const m = { l: 64, r: 16, t: 30, b: 48 };
  const H = Math.max(o.height ?? 340, m.t + 2 + named.length * 14 + 4 + 4);
  const frame = plotFrame(o, W, H, m);
  const { sx, sy } = frame;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${total}" height="${H}" viewBox="0 0 ${total} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<rect width="${total}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${esc(o.title)}</text>`,
    frame.svg,
  ];
  // Named by the plot area's size (and the figure's own id, for panels side by side), not a counter: the same
  // figure gets the same bytes wherever it is drawn (CLI or page).
  const clip = `clip-${W}x${H}${o.id ? `-${o.id}` : ""}`;
  parts.push(`<clipPath id="${clip}"><rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}"/></clipPath><g clip-path="url(#${clip})">`);
  if (o.underlay) parts.push(o.underlay(sx, sy));
  o.series.forEach((s, k) => void parts.push(seriesGroup(s, k, frame)));
  if (o.overlay) parts.push(o.overlay(sx, sy));
  parts.push("</g>");
  if (named.length > 0) parts.push(legend(named, W - m.r + 8, m.t + 2, legendWidth));
  parts.push("</svg>");
  return parts.join("\n");
}

interface Frame {
  svg: string;
  sx: (x: number) => number;
  sy: (y: number) => number;
  /** A point the axes can show: finite, and positive on a log axis. */
  ok: (x: number, y: number) => boolean;
}

/** The plot area's box, its ticks and grid lines, the axis labels, and the mapping from data to the area. */
function plotFrame(o: PlotOptions, W: number, H: number, m: { l: number; r: number; t: number; b: number }): Frame {
  const xs = o.series.flatMap((s) => [...s.points.map((p) => p[0]), ...(s.band ?? []).map((b) => b[0])]);
  const ys = o.series.flatMap((s) => [
    ...s.points.map((p) => p[1]),
    ...(s.band ?? []).flatMap((b) => [b[1], b[2]]),
    ...(s.errors ?? []).flatMap((e) => [e[2], e[3]]),
  ]);
  const [x0, x1] = extent(xs, !!o.x.log, o.x),
    [y0, y1] = extent(ys, !!o.y.log, o.y);
  const tx = (v: number) => (o.x.log ? Math.log10(v) : v),
    ty = (v: number) => (o.y.log ? Math.log10(v) : v);
  const sx = (v: number) => m.l + ((tx(v) - tx(x0)) / (tx(x1) - tx(x0))) * (W - m.l - m.r);
  const sy = (v: number) => H - m.b - ((ty(v) - ty(y0)) / (ty(y1) - ty(y0))) * (H - m.t - m.b);
  const ok = (x: number, y: number) => Number.isFinite(x) && Number.isFinite(y) && (!o.x.log || x > 0) && (!o.y.log || y > 0);
  const parts = [`<g class="axes" stroke="#333" fill="none"><rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}"/></g>`];
  for (const v of ticks(x0, x1, !!o.x.log)) {
    const X = num(sx(v));
    parts.push(
      `<line x1="${X}" y1="${m.t}" x2="${X}" y2="${H - m.b}" stroke="#e6e6e6"/><text x="${X}" y="${H - m.b + 14}" text-anchor="middle">${esc(tickLabel(v))}</text>`,
    );
  }
  for (const v of ticks(y0, y1, !!o.y.log)) {
    const Y = num(sy(v));
    parts.push(
      `<line x1="${m.l}" y1="${Y}" x2="${W - m.r}" y2="${Y}" stroke="#e6e6e6"/><text x="${m.l - 5}" y="${Number(Y) + 4}" text-anchor="end">${esc(tickLabel(v))}</text>`,
    );
  }
  parts.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 10}" text-anchor="middle">${esc(o.x.label)}</text>`);
  parts.push(`<text transform="translate(14 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(o.y.label)}</text>`);
  return { svg: parts.join("\n"), sx, sy, ok };
}

const colorOf = (s: Series, k: number): string => s.color ?? PALETTE[k % PALETTE.length]!;
const dashOf = (s: Series, k: number): string => s.dash ?? DASHES[Math.floor(k / PALETTE.length) % DASHES.length]!;

/** One series: its band, its line (broken at points the axes cannot show), error bars and markers. */
function seriesGroup(s: Series, k: number, { sx, sy, ok }: Frame): string {
  const color = colorOf(s, k);
  const dash = dashOf(s, k);
  // Faint per-run lines are class "series run", so tests count means and runs apart.
  const g: string[] = [`<g class="${s.faint ? "series run" : "series"}" data-name="${esc(s.name)}">`];
  const band = (s.band ?? []).filter(([x, a, b]) => ok(x, a) && ok(x, b));
  if (band.length > 1) {
    const top = band.map(([x, , hi]) => `${num(sx(x))},${num(sy(hi))}`),
      bottom = band.map(([x, lo]) => `${num(sx(x))},${num(sy(lo))}`).reverse();
    g.push(`<polygon points="${[...top, ...bottom].join(" ")}" fill="${color}" fill-opacity="0.18" stroke="none"/>`);
  }
  let path = "";
  let pen = false;
  for (const [x, y] of s.points) {
    if (!ok(x, y)) {
      pen = false;
      continue;
    }
    path += `${pen ? "L" : "M"}${num(sx(x))} ${num(sy(y))}`;
    pen = true;
  }
  const stroke = s.faint ? `stroke-width="0.8" stroke-opacity="0.45"` : `stroke-width="1.8"`;
  if (path) g.push(`<path d="${path}" fill="none" stroke="${color}" ${stroke}${dash ? ` stroke-dasharray="${dash}"` : ""}/>`);
  for (const [x, , lo, hi] of s.errors ?? []) {
    if (ok(x, lo) && ok(x, hi))
      g.push(`<line x1="${num(sx(x))}" y1="${num(sy(lo))}" x2="${num(sx(x))}" y2="${num(sy(hi))}" stroke="${color}" stroke-width="1.2"/>`);
  }
  if (s.markers) for (const [x, y] of s.points) if (ok(x, y)) g.push(`<circle cx="${num(sx(x))}" cy="${num(sy(y))}" r="3" fill="${color}"/>`);
  g.push("</g>");
  return g.join("");
}

/** The legend box at (x, y): a sample of each named series' line and dash, and its name. */
function legend(named: readonly { s: Series; k: number }[], x0: number, y0: number, width: number): string {
  const parts = [
    `<rect class="legend" x="${x0.toFixed(0)}" y="${y0}" width="${width.toFixed(0)}" height="${named.length * 14 + 4}" fill="white" fill-opacity="0.85" stroke="#ccc"/>`,
  ];
  named.forEach(({ s, k }, row) => {
    const dash = dashOf(s, k);
    const y = y0 + 12 + row * 14,
      x = x0 + 4;
    parts.push(
      `<line x1="${x}" y1="${y - 4}" x2="${x + 18}" y2="${y - 4}" stroke="${colorOf(s, k)}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ""}/><text x="${x + 22}" y="${y}">${esc(s.name)}</text>`,
    );
  });
  return parts.join("\n");
}

/**
 * Plots side by side in one figure, as the paper's lettered panels: each an
 * <svg> of its own at its offset, the figure as tall as the tallest.
 */
export function panels(plots: readonly string[], gap = 8): string {
  const size = plots.map((p) => {
    const m = /^<svg [^>]*width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"/.exec(p);
    if (!m) throw new Error("panels: not a plot");
    return { w: Number(m[1]), h: Number(m[2]) };
  });
  const width = size.reduce((s, p) => s + p.w, 0) + gap * (plots.length - 1);
  const height = Math.max(...size.map((p) => p.h));
  let x = 0;
  const inner = plots.map((p, i) => {
    const at = x;
    x += size[i]!.w + gap;
    return p.replace(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" /, `<svg x="${at}" y="0" `);
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    ...inner,
    "</svg>",
  ].join("\n");
}

/** Diverging colour map blue - white - red for v in [-1, 1] (clipped). */
export function diverging(v: number): [number, number, number] {
  const t = Math.max(-1, Math.min(1, v));
  const blue: [number, number, number] = [33, 102, 172],
    red: [number, number, number] = [178, 24, 43];
  const end = t < 0 ? blue : red;
  const f = Math.abs(t);
  return [Math.round(255 + (end[0] - 255) * f), Math.round(255 + (end[1] - 255) * f), Math.round(255 + (end[2] - 255) * f)];
}

/** Sequential grey-to-dark-blue map for counts in [0, 1]. */
export function sequential(v: number): string {
  const f = Math.max(0, Math.min(1, v));
  const c = [Math.round(255 - 247 * f), Math.round(255 - 207 * f), Math.round(255 - 148 * f)];
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}
