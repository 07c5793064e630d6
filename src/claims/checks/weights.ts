import type { RunRecord } from "../../run/record.js";
import type { LayerAnalysis } from "../../analysis/layer.js";
import { type Check, notTestable, part } from "../check.js";
import {
  byWidth,
  type DataUnit,
  diverged,
  initialHalfRange,
  mean,
  primaryRuns,
  rankCorrelation,
  round,
  runName,
  sd,
  tooFewEvents,
  trainabilityWidth,
  width,
} from "../data.js";
import { share } from "./shares.js";

/**
 * Checks of the statistics of final against initial weights (Section 4,
 * Figure 3; Appendix A, Figures A1 and A2): c_opt, the moments a0, a1,
 * sigma(0), and the quantile bands of w_f at fixed w_i.
 */

type Quantity = "c_opt" | "a0" | "a1" | "sigma0";
const QUANTITIES: Quantity[] = ["c_opt", "a0", "a1", "sigma0"];

/** Each layer's analysis at the run's last analysed epoch (none before epoch 1). */
function lastAnalyses(r: RunRecord): LayerAnalysis[] {
  const last = Math.max(0, ...r.analyses.map((a) => a.epoch));
  return last > 0 ? r.analyses.filter((a) => a.epoch === last) : [];
}

const layersOf = (runs: readonly RunRecord[]): string[] => [...new Set(runs.flatMap((r) => r.analyses.map((a) => a.layer)))].sort();

/** The widest width's runs (Figure 3 is the widest network the paper shows). */
const widest = (runs: readonly RunRecord[]): RunRecord[] => [...byWidth(runs)].at(-1)?.[1] ?? [];

/** The populated bins of a layer's bands: centre, quartiles, median. */
function bins(a: LayerAnalysis, minCount: number) {
  const b = a.bands;
  return b.count.flatMap((n, k) =>
    n >= minCount && b.q25[k] !== null && b.median[k] !== null && b.q75[k] !== null
      ? [{ centre: (b.edges[k]! + b.edges[k + 1]!) / 2, q25: b.q25[k]!, median: b.median[k]!, q75: b.q75[k]! }]
      : [],
  );
}

/** Figure 3's clouds: every (run, layer) of the widest width at its last analysed epoch, with its populated bins (at least `minBins`). */
function figure3Pairs(unit: DataUnit, minBinCount: number, minBins: number) {
  return widest(primaryRuns(unit))
    .flatMap((r) => lastAnalyses(r).map((a) => ({ r, a, b: bins(a, minBinCount) })))
    .filter((p) => p.b.length >= minBins);
}

export const coptWideNearOne: Check = {
  tolerances: {
    wideMin: "the paper's trainability width: wide networks are at least this wide (and wider than any width that diverged)",
    tolerance: "largest |mean c_opt - 1| over seeds, at any analysed epoch and layer",
    maxSpread: "largest standard deviation of c_opt across seeds, at any analysed epoch and layer",
  },
  describe: (t) =>
    `for every width >= max(${t.wideMin}, trainability width), layer and analysed epoch >= 1: |mean c_opt over seeds - 1| <= ${t.tolerance} and its standard deviation across seeds <= ${t.maxSpread}`,
  evaluate(unit, t) {
    const runs = primaryRuns(unit);
    const from = Math.max(t.wideMin!, trainabilityWidth(runs));
    const wide = [...byWidth(runs)].filter(([w]) => w >= from);
    if (wide.length === 0) return notTestable(`no width >= ${from}`);
    const cells = wide.flatMap(([w, g]) =>
      layersOf(g).flatMap((layer) => {
        const epochs = [...new Set(g.flatMap((r) => r.analyses.filter((a) => a.layer === layer && a.epoch > 0).map((a) => a.epoch)))];
        return epochs.map((epoch) => {
          const v = g.map((r) => r.analyses.find((a) => a.layer === layer && a.epoch === epoch)?.c_opt).filter((x): x is number => Number.isFinite(x));
          return { width: w, layer, epoch, mean: mean(v), std: sd(v) };
        });
      }),
    );
    if (cells.length === 0) return notTestable("no analysed epoch after 0");
    const worstMean = cells.reduce((a, b) => (Math.abs(b.mean - 1) > Math.abs(a.mean - 1) ? b : a));
    const worstSpread = cells.reduce((a, b) => (b.std > a.std ? b : a));
    const final = wide.flatMap(([w, g]) =>
      layersOf(g).map((layer) => {
        const v = g.map((r) => lastAnalyses(r).find((a) => a.layer === layer)?.c_opt).filter((x): x is number => Number.isFinite(x));
        return { width: w, layer, mean: round(mean(v)), std: round(sd(v)), seeds: v.length };
      }),
    );
    return {
      parts: [
        part("largest |mean c_opt - 1|", Math.abs(worstMean.mean - 1), "<=", t.tolerance!),
        part("largest spread of c_opt across seeds", worstSpread.std, "<=", t.maxSpread!),
      ],
      evidence: {
        wide_from: from,
        analysed_cells: cells.length,
        worst_mean_at: `width ${worstMean.width} ${worstMean.layer} epoch ${worstMean.epoch}: ${round(worstMean.mean)}`,
        worst_spread_at: `width ${worstSpread.width} ${worstSpread.layer} epoch ${worstSpread.epoch}: ${round(worstSpread.std)}`,
        last_epoch: final,
      },
    };
  },
};

/** Mean and spread over seeds of a quantity at each run's last analysed epoch, per layer. */
function lastStats(g: readonly RunRecord[], q: Quantity) {
  return layersOf(g).flatMap((layer) => {
    const v = g.map((r) => lastAnalyses(r).find((a) => a.layer === layer)?.[q]).filter((x): x is number => typeof x === "number" && Number.isFinite(x));
    return v.length ? [{ layer, mean: mean(v), std: sd(v) }] : [];
  });
}

export const coptDepartsBelowThreshold: Check = {
  tolerances: {
    wideMin: "the paper's trainability width: wide networks are at least this wide",
    minDeparture: "least |mean c_opt - 1| of some layer of a diverging width below the threshold",
    minRatio: "least ratio of the departure and of the spread across seeds below the threshold to the wide widths'",
  },
  describe: (t) =>
    `at the last analysed epoch, per layer, over the widths below the trainability width that diverged: the largest |mean c_opt - 1| is >= ${t.minDeparture} and >= ${t.minRatio}x the wide widths' (>= max(${t.wideMin}, trainability width)), and the largest spread across seeds is >= ${t.minRatio}x the wide widths'`,
  evaluate(unit, t) {
    const runs = primaryRuns(unit);
    const T = trainabilityWidth(runs);
    if (T === 0) return notTestable("no run diverged on this data, so there is no trainability width to compare across");
    const below = [...byWidth(runs)].filter(([w, g]) => w < T && g.some(diverged));
    const wide = [...byWidth(runs)].filter(([w]) => w >= Math.max(T, t.wideMin!));
    if (wide.length === 0) return notTestable(`no width at or above ${Math.max(T, t.wideMin!)} to compare with`);
    const stats = (groups: typeof below) => groups.flatMap(([w, g]) => lastStats(g, "c_opt").map((s) => ({ width: w, ...s })));
    const b = stats(below),
      w = stats(wide);
    const dep = (s: typeof b) => Math.max(0, ...s.map((x) => Math.abs(x.mean - 1)));
    const spread = (s: typeof b) => Math.max(0, ...s.map((x) => x.std));
    const tiny = Number.MIN_VALUE;
    return {
      parts: [
        part("largest departure of c_opt from 1 below the threshold", dep(b), ">=", t.minDeparture!),
        part("ratio of the departure below the threshold to the wide widths'", dep(b) / Math.max(dep(w), tiny), ">=", t.minRatio!),
        part("ratio of the spread across seeds below the threshold to the wide widths'", spread(b) / Math.max(spread(w), tiny), ">=", t.minRatio!),
      ],
      evidence: {
        trainability_width: T,
        below: b.map((x) => ({ ...x, mean: round(x.mean), std: round(x.std) })),
        wide: w.map((x) => ({ ...x, mean: round(x.mean), std: round(x.std) })),
      },
    };
  },
};

/** The value of a moment by one estimator: the regression's (reported) or the paper's cumulative fit (where w_i is uniform). */
function moment(a: LayerAnalysis, q: Exclude<Quantity, "c_opt">, estimator: "regression" | "paper"): number {
  return estimator === "regression" ? a[q] : (a.paper_moments?.[q] ?? NaN);
}

/** The largest change of a quantity between consecutive analysed epochs from `from` on, per (run, layer), and where it is. */
function largestSteps(r: RunRecord, value: (a: LayerAnalysis) => number, from: number) {
  return layersOf([r]).map((layer) => {
    const series = r.analyses.filter((a) => a.layer === layer && a.epoch >= from).sort((a, b) => a.epoch - b.epoch);
    let step = 0,
      between: [number, number] | null = null;
    for (let k = 1; k < series.length; k++) {
      const d = Math.abs(value(series[k]!) - value(series[k - 1]!));
      if (Number.isFinite(d) && d > step) [step, between] = [d, [series[k - 1]!.epoch, series[k]!.epoch]];
    }
    return { layer, step, between };
  });
}

export const momentsTransition: Check = {
  events: "diverged runs below the trainability width",
  tolerances: {
    wideMin: "the paper's trainability width: wide networks are at least this wide",
    fromEpoch: "first analysed epoch of the comparison (the initial transient of every width is left out)",
    minRatio: "least ratio of the largest change between analysed epochs below the threshold to the wide widths' largest change",
  },
  describe: (t) =>
    `for each of a0, a1 and sigma(0) (regression estimator; the paper's cumulative fit beside it where w_i is uniform): from epoch ${t.fromEpoch} on, the largest change between consecutive analysed epochs in a diverged run below the trainability width is >= ${t.minRatio}x the largest in any run of the wide widths (>= max(${t.wideMin}, trainability width)), which are stable`,
  evaluate(unit, t, req) {
    const runs = primaryRuns(unit);
    const T = trainabilityWidth(runs);
    if (T === 0) return notTestable("no run diverged on this data, so there is no trainability width to compare across");
    const below = runs.filter((r) => width(r) < T && diverged(r));
    const few = tooFewEvents(req, below.length, "diverged runs below the trainability width");
    if (few) return notTestable(few);
    const wide = runs.filter((r) => width(r) >= Math.max(T, t.wideMin!));
    if (wide.length === 0) return notTestable(`no width at or above ${Math.max(T, t.wideMin!)} to compare with`);
    const ratio = (q: Exclude<Quantity, "c_opt">, estimator: "regression" | "paper") => {
      const max = (rs: RunRecord[]) => Math.max(0, ...rs.flatMap((r) => largestSteps(r, (a) => moment(a, q, estimator), t.fromEpoch!).map((s) => s.step)));
      return { below: max(below), wide: max(wide), ratio: max(below) / Math.max(max(wide), Number.MIN_VALUE) };
    };
    const qs = ["a0", "a1", "sigma0"] as const;
    const regression = qs.map((q) => ratio(q, "regression"));
    const paper = qs.map((q) => ratio(q, "paper"));
    const paperAgrees = qs.every((_, k) => paper[k]!.ratio >= t.minRatio! === regression[k]!.ratio >= t.minRatio!);
    return {
      parts: qs.map((q, k) => part(`${q}: largest change below the threshold over the wide widths'`, regression[k]!.ratio, ">=", t.minRatio!)),
      evidence: {
        decided_by: "regression (the paper's cumulative fit assumes uniform w_i, which a mask breaks)",
        trainability_width: T,
        regression: Object.fromEntries(
          qs.map((q, k) => [
            q,
            { largest_change_below: round(regression[k]!.below), largest_change_wide: round(regression[k]!.wide), ratio: round(regression[k]!.ratio) },
          ]),
        ),
        paper_estimator: Object.fromEntries(qs.map((q, k) => [q, { ratio: round(paper[k]!.ratio) }])),
        paper_estimator_agrees: paperAgrees,
      },
    };
  },
};

export const largeWeightsGrow: Check = {
  tolerances: {
    minFraction: "least share of the widest width's (run, layer) pairs that must show it",
    minBinCount: "fewest weights in a w_i bin for its median to count",
  },
  describe: (t) =>
    `in at least ${t.minFraction! * 100}% of the widest width's (run, layer) pairs at the last analysed epoch: a1 > 1 (the mean of w_f grows faster than w_i), and in the outermost w_i bins with >= ${t.minBinCount} weights the median w_f keeps the bin's sign and lies further from 0 than the bin's centre`,
  evaluate(unit, t) {
    const usable = figure3Pairs(unit, t.minBinCount!, 2);
    if (usable.length === 0) return notTestable("no analysed layer of the widest width with two populated bins");
    const rows = usable.map(({ r, a, b }) => {
      const lo = b[0]!,
        hi = b.at(-1)!;
      return {
        run: runName(r),
        layer: a.layer,
        epoch: a.epoch,
        a1: a.a1,
        grows: hi.median > hi.centre && hi.centre > 0 && lo.median < lo.centre && lo.centre < 0,
        lo,
        hi,
      };
    });
    return {
      parts: [
        share(
          "share of (run, layer) pairs with a1 > 1",
          rows.map((x) => x.a1 > 1),
          t.minFraction!,
        ),
        share(
          "share of (run, layer) pairs whose outermost medians grow keeping their sign",
          rows.map((x) => x.grows),
          t.minFraction!,
        ),
      ],
      evidence: {
        width: width(usable[0]!.r),
        pairs: rows.map((x) => ({
          run: x.run,
          layer: x.layer,
          epoch: x.epoch,
          a1: round(x.a1, 6),
          low_bin: { centre: round(x.lo.centre), median: round(x.lo.median) },
          high_bin: { centre: round(x.hi.centre), median: round(x.hi.median) },
        })),
      },
    };
  },
};

export const bandTilts: Check = {
  tolerances: {
    minFraction: "least share of the widest width's (run, layer) pairs whose band tilts",
    minBinCount: "fewest weights in a w_i bin for its quartiles to count",
  },
  describe: (t) =>
    `in at least ${t.minFraction! * 100}% of the widest width's (run, layer) pairs at the last analysed epoch, the interquartile band of w_f is skewed outward in both outermost w_i bins with >= ${t.minBinCount} weights (q75 - median > median - q25 at the positive end, the reverse at the negative end)`,
  evaluate(unit, t) {
    const usable = figure3Pairs(unit, t.minBinCount!, 2);
    if (usable.length === 0) return notTestable("no analysed layer of the widest width with two populated bins");
    const rows = usable.map(({ r, a, b }) => {
      const lo = b[0]!,
        hi = b.at(-1)!;
      const highSkew = hi.q75 - hi.median - (hi.median - hi.q25),
        lowSkew = lo.median - lo.q25 - (lo.q75 - lo.median);
      return { run: runName(r), layer: a.layer, tilts: highSkew > 0 && lowSkew > 0, high_skew: round(highSkew), low_skew: round(lowSkew) };
    });
    return {
      parts: [
        share(
          "share of (run, layer) pairs whose band tilts outward",
          rows.map((x) => x.tilts),
          t.minFraction!,
        ),
      ],
      evidence: { pairs: rows },
    };
  },
};

export const medianFollowsIdentity: Check = {
  tolerances: {
    maxMedianOffset: "largest distance of the median w_f from w_f = w_i in a bin, as a share of the initial half-range",
    maxSpread: "largest median interquartile range of w_f across bins, as a share of the initial half-range",
    minBinCount: "fewest weights in a w_i bin for its quantiles to count",
  },
  describe: (t) =>
    `for every (run, layer) of the widest width at the last analysed epoch: in every w_i bin with >= ${t.minBinCount} weights, |median w_f - bin centre| <= ${t.maxMedianOffset} L, and the median over bins of the interquartile range of w_f is <= ${t.maxSpread} L (L the initial half-range): most weights barely move`,
  evaluate(unit, t) {
    const usable = figure3Pairs(unit, t.minBinCount!, 1);
    if (usable.length === 0) return notTestable("no analysed layer of the widest width");
    const rows = usable.map(({ r, a, b }) => {
      const L = initialHalfRange(a);
      const iqr = b.map((x) => (x.q75 - x.q25) / L).sort((p, q) => p - q);
      return { run: runName(r), layer: a.layer, offset: Math.max(...b.map((x) => Math.abs(x.median - x.centre) / L)), spread: iqr[iqr.length >> 1]! };
    });
    return {
      parts: [
        part("largest median offset from w_f = w_i (share of L)", Math.max(...rows.map((x) => x.offset)), "<=", t.maxMedianOffset!),
        part("largest median interquartile range (share of L)", Math.max(...rows.map((x) => x.spread)), "<=", t.maxSpread!),
      ],
      evidence: { width: width(usable[0]!.r), pairs: rows.map((x) => ({ ...x, offset: round(x.offset), spread: round(x.spread) })) },
    };
  },
};

export const simultaneousChange: Check = {
  events: "diverged runs analysed closely enough around t_div",
  tolerances: {
    fromEpoch: "first analysed epoch considered (the initial transient of every width is left out)",
    maxBracketShare: "longest interval between the analysed epochs around t_div, as a share of t_div, for a run to count",
    minFraction: "least share of (run, quantity, layer) whose largest change brackets the jump",
  },
  describe: (t) =>
    `in at least ${t.minFraction! * 100}% of (diverged run, quantity, layer), for c_opt, a0, a1 and sigma(0): the largest change between consecutive analysed epochs from epoch ${t.fromEpoch} on lies in an interval that meets [t_div - 1, t_div_plateau + 1]; runs whose analysed epochs around t_div are further apart than ${t.maxBracketShare} t_div are left out (too coarse to tell)`,
  evaluate(unit, t, req) {
    const close = unit.runs.filter(diverged).filter((r) => {
      const epochs = [...new Set(r.analyses.map((a) => a.epoch))].sort((a, b) => a - b);
      const after = epochs.find((e) => e >= r.regimes.t_div!),
        before = [...epochs].reverse().find((e) => e < r.regimes.t_div!);
      return after !== undefined && before !== undefined && after - before <= t.maxBracketShare! * r.regimes.t_div!;
    });
    const few = tooFewEvents(req, close.length, "diverged runs analysed closely enough around t_div (analyse more epochs: --analyze-every)");
    if (few) return notTestable(few);
    const rows = close.flatMap((r) =>
      QUANTITIES.flatMap((q) =>
        largestSteps(r, (a) => a[q], t.fromEpoch!).map((s) => ({
          run: runName(r),
          quantity: q,
          layer: s.layer,
          between: s.between,
          t_div: r.regimes.t_div!,
          brackets: s.between !== null && s.between[0] <= (r.regimes.t_div_plateau ?? r.regimes.t_div!) + 1 && s.between[1] >= r.regimes.t_div! - 1,
        })),
      ),
    );
    return {
      parts: [
        share(
          "share whose largest change brackets the jump",
          rows.map((x) => x.brackets),
          t.minFraction!,
        ),
      ],
      evidence: { changes: rows },
    };
  },
};

/** sigma(w) from a layer's moments: <w_f^2>(w) - <w_f>(w)^2 (Eq. A4). */
function sigmaAt(a: LayerAnalysis, w: number): number {
  const v = a.b0 + a.b1 * w + a.b2 * w * w - (a.a0 + a.a1 * w) ** 2;
  return v >= 0 ? Math.sqrt(v) : NaN;
}

export const sigmaNonzeroLikeZero: Check = {
  tolerances: {
    minRankCorrelation: "least rank correlation, across widths, of sigma at w_i = +-L/2 with sigma(0), in every layer",
  },
  describe: (t) =>
    `per layer, at the last analysed epoch, across widths: rank correlation of the mean of sigma(-L/2) and sigma(L/2) with sigma(0) (means over seeds) >= ${t.minRankCorrelation}`,
  evaluate(unit, t) {
    const groups = [...byWidth(primaryRuns(unit))];
    const layers = layersOf(groups.flatMap(([, g]) => g));
    const rows = layers.map((layer) => {
      const points = groups.flatMap(([w, g]) => {
        const as = g.flatMap((r) => lastAnalyses(r).filter((a) => a.layer === layer));
        const zero = as.map((a) => a.sigma0).filter(Number.isFinite);
        const off = as.map((a) => (sigmaAt(a, -initialHalfRange(a) / 2) + sigmaAt(a, initialHalfRange(a) / 2)) / 2).filter(Number.isFinite);
        return zero.length && off.length ? [{ width: w, sigma0: mean(zero), sigma_half: mean(off) }] : [];
      });
      return {
        layer,
        points,
        rho: rankCorrelation(
          points.map((p) => p.sigma0),
          points.map((p) => p.sigma_half),
        ),
      };
    });
    const usable = rows.filter((x) => x.points.length >= 3);
    if (usable.length === 0) return notTestable("fewer than 3 widths with fitted moments in any layer");
    return {
      parts: [
        part(
          "smallest rank correlation of sigma(+-L/2) with sigma(0) over the layers",
          Math.min(...usable.map((x) => (Number.isFinite(x.rho) ? x.rho : -1))),
          ">=",
          t.minRankCorrelation!,
        ),
      ],
      evidence: Object.fromEntries(
        usable.map((x) => [
          x.layer,
          {
            rank_correlation: round(x.rho, 3),
            by_width: x.points.map((p) => ({ width: p.width, sigma0: round(p.sigma0), sigma_half_range: round(p.sigma_half) })),
          },
        ]),
      ),
    };
  },
};
