import type { RunRecord } from "../../run/record.js";
import { censoredTime } from "../../analysis/censored.js";
import { lossEvents } from "../../analysis/regimes.js";
import { type Check, notTestable, part } from "../check.js";
import {
  at,
  byWidth,
  diverged,
  divergedCounts,
  finalRmsd,
  horizon,
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
 * Checks of divergence and the regimes (Section 5, Figure 4c): who diverges,
 * when, and what the weights do at that moment. A divergence is the jump
 * that stays up (analysis/regimes.ts); a jump that comes back is an
 * excursion and never counts as one.
 */

/** The divergence of a diverged run (its rows say where the jump and the plateau are). */
const divergenceOf = (r: RunRecord) => lossEvents(r.rows).divergence!;

/**
 * Unstable learners, one definition for every dataset: a width above the
 * narrowest (the weak learner) that trains (its mean minimum train loss is
 * below the narrowest's) and some run of which jumps (an excursion or a
 * divergence): the paper's "train to progressively better minima ... but
 * at some point, in the course of their training, are likely to diverge".
 */
function unstableWidths(runs: readonly RunRecord[]): { widths: number[]; table: Record<string, unknown> } {
  const groups = [...byWidth(runs)];
  const weakLoss = mean(groups[0]![1].map((r) => r.regimes.min_train_loss));
  const table: Record<string, unknown> = {};
  const widths: number[] = [];
  groups.forEach(([w, g], k) => {
    const jumps = g.filter((r) => diverged(r) || r.regimes.excursions.length > 0).length;
    const loss = mean(g.map((r) => r.regimes.min_train_loss));
    table[String(w)] = {
      runs: g.length,
      diverged: g.filter(diverged).length,
      with_excursions: g.filter((r) => r.regimes.excursions.length > 0).length,
      censored_jumps: g.filter((r) => r.regimes.t_div_censored !== null).length,
      mean_min_train_loss: round(loss),
      final_rmsd: round(finalRmsd(g)),
    };
    if (k > 0 && jumps > 0 && loss < weakLoss) widths.push(w);
  });
  return { widths, table };
}

export const noUnstableLearners: Check = {
  tolerances: { maxUnstableWidths: "how many widths above the narrowest may be unstable learners" },
  describe: (t) =>
    `at most ${t.maxUnstableWidths} width(s) above the narrowest are unstable learners (a width that trains better than the narrowest and has a run whose loss jumps: an excursion or a divergence)`,
  evaluate(unit, t) {
    const { widths, table } = unstableWidths(primaryRuns(unit));
    return { parts: [part("unstable widths", widths.length, "<=", t.maxUnstableWidths!)], evidence: { unstable_widths: widths, by_width: table } };
  },
};

export const unstableWithoutCrossover: Check = {
  tolerances: { maxDivergedRuns: "how many runs may cross over into untrainability (diverge)" },
  describe: (t) =>
    `some width strictly between the narrowest and the widest is an unstable learner (trains better than the narrowest, a run's loss jumps), every such width's final RMSD lies between the narrowest's and the widest's, and at most ${t.maxDivergedRuns} runs diverge`,
  evaluate(unit, t) {
    const runs = primaryRuns(unit);
    const groups = [...byWidth(runs)];
    const widest = groups.at(-1)![0];
    const { widths, table } = unstableWidths(runs);
    const mid = widths.filter((w) => w < widest);
    const rmsd = new Map(groups.map(([w, g]) => [w, finalRmsd(g)]));
    const weak = rmsd.get(groups[0]![0])!,
      strong = rmsd.get(widest)!;
    const outside = mid.filter((w) => !(rmsd.get(w)! < weak && rmsd.get(w)! > strong));
    return {
      parts: [
        part("unstable mid widths", mid.length, ">=", 1),
        part("unstable widths whose final RMSD is not between the weak and the strong learners'", outside.length, "<=", 0),
        part("diverged runs", runs.filter(diverged).length, "<=", t.maxDivergedRuns!),
      ],
      evidence: { unstable_mid_widths: mid, by_width: table },
    };
  },
};

export const divergenceThreshold: Check = {
  tolerances: {
    threshold: "the paper's trainability width",
    thresholdTolerance: "largest relative distance of the measured trainability width from the paper's",
    minRankCorrelation: "least rank correlation of width with t_div and with t_min_train below the threshold",
  },
  describe: (t) =>
    `some width diverges; the trainability width (one above the widest diverging width) is within ${t.thresholdTolerance! * 100}% of ${t.threshold}; a wider width was run and never diverged; below it, rank correlation of width with t_div (Kaplan-Meier median, runs that never diverged censored at their horizon) and with mean t_min_train >= ${t.minRankCorrelation}`,
  evaluate(unit, t) {
    const runs = primaryRuns(unit);
    const T = trainabilityWidth(runs);
    const groups = [...byWidth(runs)];
    const evidence: Record<string, unknown> = { diverged_by_width: divergedCounts(runs), trainability_width: T || null };
    if (T === 0) return { parts: [part("widths with a diverged run", 0, ">=", 1)], evidence };
    const unstable = groups.filter(([w, g]) => w < T && g.some(diverged));
    if (unstable.length < 2) return notTestable(`${unstable.length} diverging width below the threshold: growth towards it cannot be assessed`, evidence);
    const tDiv = unstable.map(([, g]) => {
      const c = censoredTime(g.map((r) => ({ time: r.regimes.t_div, horizon: horizon(r) })));
      return c.km_median ?? (c.median_beyond ?? 0) + 1;
    });
    const tMin = unstable.map(([, g]) => mean(g.map((r) => r.regimes.t_min_train)));
    const x = unstable.map(([w]) => w);
    const rhoDiv = rankCorrelation(x, tDiv),
      rhoMin = rankCorrelation(x, tMin);
    Object.assign(evidence, { unstable_widths: x, t_div_km_median: tDiv, mean_t_min_train: tMin.map((v) => round(v)) });
    return {
      parts: [
        part("relative distance of the trainability width from the paper's", Math.abs(T - t.threshold!) / t.threshold!, "<=", t.thresholdTolerance!),
        part("widths at or above the trainability width", groups.filter(([w]) => w >= T).length, ">=", 1),
        part("rank correlation of width with t_div", rhoDiv, ">=", t.minRankCorrelation!),
        part("rank correlation of width with t_min_train", rhoMin, ">=", t.minRankCorrelation!),
      ],
      evidence,
    };
  },
};

/** The largest RMSD rise over any `length`-epoch window that ends by `end` and starts no earlier than `end - lookback`. */
function largestRiseBefore(r: RunRecord, end: number, length: number, lookback: number): number {
  let best = 0;
  for (let s = Math.max(0, end - lookback); s + length <= end; s++) best = Math.max(best, at(r, s + length, "rmsd") - at(r, s, "rmsd"));
  return best;
}

export const rmsdJumpsWithLoss: Check = {
  events: "diverged runs",
  tolerances: {
    lookbackEpochs: "how far before the jump the RMSD's ordinary rises are taken from",
    minRiseRatio: "least ratio of the RMSD's rise across the jump to its largest rise over as many epochs before it",
    minJumpRatio: "least ratio of the RMSD after the jump to the RMSD before it",
    maxPlateauGrowth: "most the RMSD may grow after the loss's plateau, as a ratio to its value there",
    minFraction: "least share of diverged runs that must show each",
  },
  describe: (t) =>
    `in at least ${t.minFraction! * 100}% of diverged runs, each: the RMSD's rise across [t_div - 1, t_div_plateau] is >= ${t.minRiseRatio}x its largest rise over any window as long in the ${t.lookbackEpochs} epochs before; RMSD(t_div_plateau) >= ${t.minJumpRatio}x RMSD(t_div - 1); and afterwards the RMSD grows at most ${t.maxPlateauGrowth}x (it plateaus)`,
  evaluate(unit, t, req) {
    const runs = unit.runs.filter(diverged);
    const few = tooFewEvents(req, runs.length, "diverged runs");
    if (few) return notTestable(few);
    const rows = runs.map((r) => {
      const d = divergenceOf(r);
      const before = at(r, Math.max(0, d.onset - 1), "rmsd"),
        after = at(r, d.plateau, "rmsd");
      const around = largestRiseBefore(r, Math.max(0, d.onset - 1), d.plateau - d.onset + 1, t.lookbackEpochs!);
      const later = r.rows.filter((row) => row.epoch > d.plateau).map((row) => row.rmsd);
      return {
        run: runName(r),
        t_div: d.onset,
        t_div_plateau: d.plateau,
        rise_vs_before: (after - before) / Math.max(around, Number.MIN_VALUE),
        jump_ratio: after / before,
        plateau_growth: later.length ? Math.max(...later) / after : NaN,
      };
    });
    return {
      parts: [
        share(
          "share of diverged runs whose RMSD rises at t_div far more than before",
          rows.map((x) => x.rise_vs_before >= t.minRiseRatio!),
          t.minFraction!,
        ),
        share(
          "share of diverged runs whose RMSD jumps at t_div",
          rows.map((x) => x.jump_ratio >= t.minJumpRatio!),
          t.minFraction!,
        ),
        share(
          "share of diverged runs whose RMSD plateaus after the jump",
          rows.map((x) => x.plateau_growth <= t.maxPlateauGrowth!),
          t.minFraction!,
        ),
      ],
      evidence: {
        runs: rows.map((x) => ({
          ...x,
          rise_vs_before: round(x.rise_vs_before),
          jump_ratio: round(x.jump_ratio),
          plateau_growth: round(x.plateau_growth),
        })),
      },
    };
  },
};

export const noRecovery: Check = {
  events: "diverged runs",
  tolerances: {
    maxRecoveredShare: "most of the way back, in orders of magnitude from the plateau to the best loss before the jump, that the loss may win back",
    minFraction: "least share of diverged runs that must stay up",
  },
  describe: (t) =>
    `in at least ${t.minFraction! * 100}% of diverged runs, the lowest train loss after the plateau wins back at most ${t.maxRecoveredShare! * 100}% of the orders of magnitude between the plateau and the best loss before the jump`,
  evaluate(unit, t, req) {
    const runs = unit.runs.filter(diverged).filter((r) => Number.isFinite(divergenceOf(r).plateauLoss));
    const few = tooFewEvents(req, runs.length, "diverged runs with a finite plateau");
    if (few) return notTestable(few);
    const rows = runs.map((r) => {
      const d = divergenceOf(r);
      const lowest = Math.min(...r.rows.filter((row) => row.epoch > d.plateau).map((row) => row.train_loss));
      const recovered = Math.log(d.plateauLoss / lowest) / Math.log(d.plateauLoss / d.bestBefore);
      return { run: runName(r), t_div: d.onset, best_before: round(d.bestBefore), plateau_loss: round(d.plateauLoss), lowest_after: round(lowest), recovered };
    });
    return {
      parts: [
        share(
          "share of diverged runs that stay up",
          rows.map((x) => x.recovered <= t.maxRecoveredShare!),
          t.minFraction!,
        ),
      ],
      evidence: { runs: rows.map((x) => ({ ...x, recovered_share: round(Math.max(0, x.recovered), 3), recovered: undefined })) },
    };
  },
};

export const divergenceInOverfitting: Check = {
  events: "diverged runs",
  tolerances: { minFraction: "least share of diverged runs whose t_div comes after t_min_test" },
  describe: (t) => `in at least ${t.minFraction! * 100}% of diverged runs, t_div > t_min_test (the jump comes once the test loss has passed its minimum)`,
  evaluate(unit, t, req) {
    const runs = unit.runs.filter(diverged);
    const few = tooFewEvents(req, runs.length, "diverged runs");
    if (few) return notTestable(few);
    const rows = runs.map((r) => ({ run: runName(r), width: width(r), t_div: r.regimes.t_div!, t_min_test: r.regimes.t_min_test }));
    return {
      parts: [
        share(
          "share of diverged runs past t_min_test",
          rows.map((x) => x.t_div > x.t_min_test),
          t.minFraction!,
        ),
      ],
      evidence: { runs: rows },
    };
  },
};

export const weakDoNotDiverge: Check = {
  tolerances: {
    maxNarrowWidth: "widest width that can stand for the weak learners (the paper's are about 10)",
    maxDivergedFraction: "largest share of the weak learners' runs that may diverge",
  },
  describe: (t) => `the narrowest width (at most ${t.maxNarrowWidth}): at most ${t.maxDivergedFraction! * 100}% of its runs diverge`,
  evaluate(unit, t) {
    const [narrow, g] = [...byWidth(primaryRuns(unit))][0]!;
    if (narrow > t.maxNarrowWidth!) return notTestable(`the narrowest width run is ${narrow}, above ${t.maxNarrowWidth}`);
    const fraction = g.filter(diverged).length / g.length;
    return {
      parts: [part("share of the narrowest width's runs that diverge", fraction, "<=", t.maxDivergedFraction!)],
      evidence: { narrowest_width: narrow, diverged: `${g.filter(diverged).length}/${g.length}` },
    };
  },
};

export const tDivSpreadGrows: Check = {
  tolerances: { minRankCorrelation: "least rank correlation of width with the spread of t_div across runs" },
  describe: (t) =>
    `over the widths with at least two diverged runs: rank correlation of width with the standard deviation of t_div >= ${t.minRankCorrelation}; and the border bends up towards the threshold (the slope of the Kaplan-Meier median t_div against width does not decrease from one width to the next)`,
  evaluate(unit, t) {
    const groups = [...byWidth(primaryRuns(unit))].filter(([, g]) => g.filter(diverged).length >= 2);
    if (groups.length < 3) return notTestable(`${groups.length} width(s) with two or more diverged runs; the claim needs 3`);
    const x = groups.map(([w]) => w);
    const spread = groups.map(([, g]) => sd(g.filter(diverged).map((r) => r.regimes.t_div!)));
    const median = groups.map(([, g]) => {
      const c = censoredTime(g.map((r) => ({ time: r.regimes.t_div, horizon: horizon(r) })));
      return c.km_median ?? (c.median_beyond ?? 0) + 1;
    });
    const slopes = median.slice(1).map((m, k) => (m - median[k]!) / (x[k + 1]! - x[k]!));
    const bend = Math.min(...slopes.slice(1).map((s, k) => s - slopes[k]!));
    return {
      parts: [
        part("rank correlation of width with the spread of t_div", rankCorrelation(x, spread), ">=", t.minRankCorrelation!),
        part("smallest change of the border's slope from one width to the next", bend, ">=", 0),
      ],
      evidence: { widths: x, t_div_std: spread.map((v) => round(v)), t_div_km_median: median, slopes: slopes.map((v) => round(v)) },
    };
  },
};
