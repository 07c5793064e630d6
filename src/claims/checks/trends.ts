import type { RunRecord } from "../../run/record.js";
import { censoredTime } from "../../analysis/censored.js";
import { type Check, type Decision, notTestable, part } from "../check.js";
import { at, byWidth, diverged, finalRmsd, horizon, initialHalfRange, mean, primaryRuns, rankCorrelation, round, runName, width } from "../data.js";

/**
 * Checks of the loss and RMSD trends across widths (Figures 4d, 5 and 6,
 * Sections 5 and 6): minima, drift, and the time and drift to reach a loss.
 */

const byWidthTable = (groups: [number, RunRecord[]][], value: (g: RunRecord[]) => number): Record<string, number | null> =>
  Object.fromEntries(groups.map(([w, g]) => [String(w), round(value(g))]));

export const minLossDecreases: Check = {
  tolerances: { maxRankCorrelation: "largest rank correlation of width with the mean minimum train loss" },
  describe: (t) => `rank correlation of width with the mean minimum train loss <= ${t.maxRankCorrelation}`,
  evaluate(unit, t) {
    const groups = [...byWidth(primaryRuns(unit))];
    const loss = groups.map(([, g]) => mean(g.map((r) => r.regimes.min_train_loss)));
    return {
      parts: [
        part(
          "rank correlation of width with the minimum train loss",
          rankCorrelation(
            groups.map(([w]) => w),
            loss,
          ),
          "<=",
          t.maxRankCorrelation!,
        ),
      ],
      evidence: {
        mean_min_train_loss_by_width: byWidthTable(groups, (g) => mean(g.map((r) => r.regimes.min_train_loss))),
        mean_min_test_loss_by_width: byWidthTable(groups, (g) => mean(g.map((r) => r.regimes.min_test_loss))),
      },
    };
  },
};

/**
 * Per theta: the widths with a value (`value` null: none), and the rank
 * correlation of width with it. A theta at which every width has the same
 * value (all reach theta = 1 at epoch 1) says nothing about a trend: it is
 * kept apart as tied, not counted.
 */
function perTheta(runs: readonly RunRecord[], minWidths: number, value: (g: RunRecord[], k: number) => number | null) {
  const thetas = runs[0]!.regimes.t_theta.map((x) => x.theta);
  const all = thetas
    .map((theta, k) => {
      const points = [...byWidth(runs)].flatMap(([w, g]) => {
        const v = value(g, k);
        return v === null ? [] : [[w, v] as [number, number]];
      });
      return {
        theta,
        points,
        rho: rankCorrelation(
          points.map(([w]) => w),
          points.map(([, v]) => v),
        ),
      };
    })
    .filter((x) => x.points.length >= minWidths);
  return { trends: all.filter((x) => Number.isFinite(x.rho)), tied: all.filter((x) => !Number.isFinite(x.rho)).map((x) => x.theta) };
}

/** The claim over thetas: the largest (least negative) rank correlation among the thetas with a trend decides. */
function trendDecision(name: string, key: string, found: ReturnType<typeof perTheta>, maxRho: number, none: string): Decision {
  const { trends, tied } = found;
  if (trends.length === 0) return notTestable(none, { tied_thetas: tied });
  const perTheta = trends.map((x) => [
    `theta ${x.theta}`,
    { [key]: Object.fromEntries(x.points.map(([w, v]) => [String(w), round(v)])), rank_correlation: round(x.rho, 3) },
  ]);
  return {
    parts: [part(name, Math.max(...trends.map((x) => x.rho)), "<=", maxRho)],
    evidence: { ...Object.fromEntries(perTheta), ...(tied.length ? { tied_thetas: tied } : {}) },
  };
}

export const rmsdAtThetaDecreases: Check = {
  tolerances: {
    maxRankCorrelation: "largest rank correlation of width with mean RMSD(t_theta), for every theta",
    minWidthsReaching: "fewest widths that must reach a theta for it to count",
  },
  describe: (t) =>
    `for every theta reached by >= ${t.minWidthsReaching} widths (and not tied across them): rank correlation of width with mean RMSD(t_theta) <= ${t.maxRankCorrelation}`,
  evaluate(unit, t) {
    const found = perTheta(primaryRuns(unit), t.minWidthsReaching!, (g, k) => {
      const v = g.map((r) => r.regimes.t_theta[k]?.rmsd).filter((x): x is number => typeof x === "number");
      return v.length ? mean(v) : null;
    });
    return trendDecision(
      "largest rank correlation of width with RMSD(t_theta) over the thetas",
      "rmsd_at_t_theta_by_width",
      found,
      t.maxRankCorrelation!,
      `no theta reached by ${t.minWidthsReaching} widths with values that differ`,
    );
  },
};

export const narrowerSlower: Check = {
  tolerances: {
    maxRankCorrelation: "largest rank correlation of width with t_theta, for every theta",
    minWidthsReaching: "fewest widths whose median run reaches a theta for it to count",
  },
  describe: (t) =>
    `for every theta whose Kaplan-Meier median t_theta exists at >= ${t.minWidthsReaching} widths (and is not the same epoch at all of them): rank correlation of width with that median <= ${t.maxRankCorrelation} (narrower networks take longer)`,
  evaluate(unit, t) {
    const found = perTheta(
      primaryRuns(unit),
      t.minWidthsReaching!,
      (g, k) => censoredTime(g.map((r) => ({ time: r.regimes.t_theta[k]?.epoch ?? null, horizon: horizon(r) }))).km_median,
    );
    return trendDecision(
      "largest rank correlation of width with t_theta over the thetas",
      "t_theta_km_median_by_width",
      found,
      t.maxRankCorrelation!,
      `no theta reached by half the runs of ${t.minWidthsReaching} widths at epochs that differ`,
    );
  },
};

export const lossLevels: Check = {
  tolerances: {
    narrowWidth: "the width the paper says never reaches the level",
    neverBelow: "the loss the narrow width never reaches",
    wideWidth: "the width the paper says goes far lower",
    reachesAtMost: "the mean minimum train loss the wide width must reach",
  },
  describe: (t) =>
    `no run of width ${t.narrowWidth} reaches train loss ${t.neverBelow} (its lowest stays above); width ${t.wideWidth}'s mean minimum train loss <= ${t.reachesAtMost}`,
  evaluate(unit, t) {
    const w = byWidth(primaryRuns(unit));
    const narrow = w.get(t.narrowWidth!)!,
      wide = w.get(t.wideWidth!)!;
    const narrowBest = Math.min(...narrow.map((r) => r.regimes.min_train_loss));
    const wideMean = mean(wide.map((r) => r.regimes.min_train_loss));
    return {
      parts: [
        part(`lowest train loss of width ${t.narrowWidth}`, narrowBest, ">", t.neverBelow!),
        part(`mean minimum train loss of width ${t.wideWidth}`, wideMean, "<=", t.reachesAtMost!),
      ],
      evidence: {
        [`min_train_loss_width_${t.narrowWidth}`]: narrow.map((r) => round(r.regimes.min_train_loss)),
        [`min_train_loss_width_${t.wideWidth}`]: wide.map((r) => round(r.regimes.min_train_loss)),
        [`orders_below_${t.neverBelow}_width_${t.wideWidth}`]: round(Math.log10(t.neverBelow! / wideMean), 3),
      },
    };
  },
};

export const weakLearners: Check = {
  tolerances: {
    maxNarrowWidth: "widest width that can stand for the weak learners (the paper's are about 10)",
    minGrowth: "least ratio of the narrowest width's final RMSD to its RMSD half-way (still growing)",
  },
  describe: (t) =>
    `the narrowest width (at most ${t.maxNarrowWidth}) has a higher mean minimum train loss and a larger mean final RMSD than every other width, and its RMSD at the end is more than ${t.minGrowth}x its value half-way`,
  evaluate(unit, t) {
    const groups = [...byWidth(primaryRuns(unit))];
    const [narrow, group] = groups[0]!;
    if (narrow > t.maxNarrowWidth!) return notTestable(`the narrowest width run is ${narrow}, above ${t.maxNarrowWidth}`);
    const loss = groups.map(([, g]) => mean(g.map((r) => r.regimes.min_train_loss)));
    const rmsd = groups.map(([, g]) => finalRmsd(g));
    const growth = mean(group.map((r) => r.rows.at(-1)!.rmsd / at(r, Math.floor(horizon(r) / 2), "rmsd")));
    return {
      parts: [
        part("narrowest width's minimum loss over the next highest", loss[0]! / Math.max(...loss.slice(1)), ">", 1),
        part("narrowest width's final RMSD over the next largest", rmsd[0]! / Math.max(...rmsd.slice(1)), ">", 1),
        part("narrowest width's RMSD growth over the second half", growth, ">", t.minGrowth!),
      ],
      evidence: {
        narrowest_width: narrow,
        mean_min_train_loss_by_width: byWidthTable(groups, (g) => mean(g.map((r) => r.regimes.min_train_loss))),
        final_rmsd_by_width: byWidthTable(groups, finalRmsd),
      },
    };
  },
};

export const finalRmsdDecreases: Check = {
  tolerances: { maxRankCorrelation: "largest rank correlation of width with the mean final RMSD" },
  describe: (t) => `over runs that did not diverge, rank correlation of width with mean final RMSD <= ${t.maxRankCorrelation}`,
  evaluate(unit, t, req) {
    const groups = [...byWidth(primaryRuns(unit).filter((r) => !diverged(r)))];
    if (groups.length < (req.minWidths ?? 3))
      return notTestable(`${groups.length} widths have runs that did not diverge; the claim needs ${req.minWidths ?? 3}`);
    const rho = rankCorrelation(
      groups.map(([w]) => w),
      groups.map(([, g]) => finalRmsd(g)),
    );
    return {
      parts: [part("rank correlation of width with final RMSD", rho, "<=", t.maxRankCorrelation!)],
      evidence: { final_rmsd_by_width: byWidthTable(groups, finalRmsd) },
    };
  },
};

/**
 * How far a run's weights ended from their start, in units of their own
 * initial spread: the final RMSD over the root mean square of the initial
 * weights (each layer's initial range from its analysis, uniform within it).
 */
function relativeDrift(r: RunRecord): { network: number; layers: Record<string, number | null> } | null {
  const last = Math.max(...r.analyses.map((a) => a.epoch));
  const layers = r.analyses.filter((a) => a.epoch === last);
  if (layers.length === 0 || last <= 0) return null;
  let moved = 0,
    spread = 0;
  const byLayer: Record<string, number | null> = {};
  for (const a of layers) {
    const L = initialHalfRange(a);
    moved += a.weights * a.rmsd * a.rmsd;
    spread += (a.weights * L * L) / 3;
    byLayer[a.layer] = round(a.rmsd / (L / Math.sqrt(3)));
  }
  return { network: Math.sqrt(moved / spread), layers: byLayer };
}

/**
 * The paper's "far" is comparative (Section 6): a network "only travels far
 * away from its initial configuration" if it is a poor learner or crosses
 * over into untrainability. So a good minimum is in the vicinity of the start
 * when the run ends nearer its start than every poor learner and every
 * diverged run of the same data. The drift in units of the initial weights'
 * own scale is reported beside it (no absolute scale is in the paper).
 */
export const noGoodMinimumFar: Check = {
  events: "runs that reached a good minimum",
  tolerances: {
    goodLoss: "the train loss that counts as a good minimum",
    poorLoss: "a run whose train loss never gets below this is a poor learner",
    maxShareOfFar: "largest final RMSD of a run at a good minimum, as a share of the smallest final RMSD of a poor learner or a diverged run",
  },
  describe: (t) =>
    `every run that reaches train loss <= ${t.goodLoss} without diverging ends with an RMSD at most ${t.maxShareOfFar}x the smallest final RMSD of the runs that travel far: poor learners (train loss never below ${t.poorLoss}) and diverged runs`,
  evaluate(unit, t, req) {
    const good = unit.runs.filter((r) => !diverged(r) && r.regimes.min_train_loss <= t.goodLoss! && relativeDrift(r) !== null);
    if (good.length < (req.minEvents ?? 1)) return notTestable(`${good.length} runs reached train loss ${t.goodLoss} without diverging`);
    const far = unit.runs.filter((r) => diverged(r) || r.regimes.min_train_loss > t.poorLoss!);
    if (far.length === 0) return notTestable(`no run to compare with: none is a poor learner (train loss always above ${t.poorLoss}) or diverged`);
    const finalOf = (r: RunRecord) => r.rows.at(-1)!.rmsd;
    const nearestFar = far.reduce((a, b) => (finalOf(b) < finalOf(a) ? b : a));
    const rows = good.map((r) => {
      const d = relativeDrift(r)!;
      return {
        run: runName(r),
        width: width(r),
        min_train_loss: round(r.regimes.min_train_loss),
        final_rmsd: finalOf(r),
        rmsd_over_initial_rms: d.network,
        by_layer: d.layers,
      };
    });
    const worst = rows.reduce((a, b) => (b.final_rmsd > a.final_rmsd ? b : a));
    return {
      parts: [part("largest final RMSD at a good minimum over the nearest far run's", worst.final_rmsd / finalOf(nearestFar), "<=", t.maxShareOfFar!)],
      evidence: {
        nearest_far_run: {
          run: runName(nearestFar),
          width: width(nearestFar),
          diverged: diverged(nearestFar),
          min_train_loss: round(nearestFar.regimes.min_train_loss),
          final_rmsd: round(finalOf(nearestFar)),
        },
        good_runs: rows.map((x) => ({ ...x, final_rmsd: round(x.final_rmsd), rmsd_over_initial_rms: round(x.rmsd_over_initial_rms) })),
      },
    };
  },
};
