import type { RunRecord } from "../../run/record.js";
import { lossEvents } from "../../analysis/regimes.js";
import { type Check, notTestable, part, type Tolerances } from "../check.js";
import {
  at,
  diverged,
  horizon,
  isMasked,
  mean,
  primaryRuns,
  rankCorrelation,
  round,
  runName,
  sd,
  settingsKey,
  tooFewEvents,
  trainabilityWidth,
  width,
} from "../data.js";
import { share } from "./shares.js";

/**
 * Checks of the letter masks stamped into the initial weights (Section 4,
 * Figure 1): the loss they train to, and whether the letter survives.
 * Mask contrast: mean |w| outside the letter over inside; 0 at the start,
 * about 1 once the letter is gone.
 */

const maskName = (r: RunRecord): string => (r.config.mask ? `${r.config.mask.source}@${r.config.mask.layer}` : "none");
const lossKeys = ["min_train_loss", "min_test_loss"] as const;

/**
 * How far apart two sets of runs' mean minimum losses are, as a share of what
 * is allowed: max(maxRelativeDifference of the reference, standardErrors
 * standard errors of the difference). Above 1: further apart than allowed.
 */
function lossGap(a: readonly RunRecord[], b: readonly RunRecord[], key: (typeof lossKeys)[number], relative: number, ses: number) {
  const x = a.map((r) => r.regimes[key]),
    y = b.map((r) => r.regimes[key]);
  const diff = Math.abs(mean(x) - mean(y));
  const se = x.length > 1 && y.length > 1 ? Math.sqrt(sd(x) ** 2 / x.length + sd(y) ** 2 / y.length) : 0;
  const allowed = Math.max(relative * mean(y), ses * se);
  return { a: round(mean(x)), b: round(mean(y)), difference: round(diff), allowed: round(allowed), ratio: diff / allowed };
}

/** Runs grouped by width and settings (the runs a mask can be compared across). */
function comparable(runs: readonly RunRecord[]): RunRecord[][] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs) groups.set(`${width(r)}|${settingsKey(r)}`, [...(groups.get(`${width(r)}|${settingsKey(r)}`) ?? []), r]);
  return [...groups.values()];
}

/** One group's runs split in two (`inside` and the rest): the gap of each minimum loss between the halves, labelled. */
function gaps(group: readonly RunRecord[], mask: string, inside: (r: RunRecord) => boolean, t: Tolerances) {
  return lossKeys.map((key) => ({
    width: width(group[0]!),
    mask,
    loss: key,
    ...lossGap(
      group.filter(inside),
      group.filter((r) => !inside(r)),
      key,
      t.maxRelativeDifference!,
      t.standardErrors!,
    ),
  }));
}

const LOSS_TOLERANCES = {
  maxRelativeDifference: "largest difference of mean minimum loss allowed regardless of seed noise, as a share of the reference",
  standardErrors: "the difference may also be this many standard errors of the difference of means (seed noise)",
};

export const maskKeepsLoss: Check = {
  events: "masked runs with unmasked runs of the same width and settings",
  tolerances: LOSS_TOLERANCES,
  describe: (t) =>
    `for every width and settings with masked and unmasked runs, the masked runs' mean minimum train and test loss differ from the unmasked by at most max(${t.maxRelativeDifference! * 100}% of the unmasked, ${t.standardErrors} standard errors of the difference)`,
  evaluate(unit, t, req) {
    const groups = comparable(unit.runs).filter((g) => g.some(isMasked) && g.some((r) => !isMasked(r)));
    const few = tooFewEvents(req, groups.flatMap((g) => g.filter(isMasked)).length, "masked runs with unmasked runs of the same width and settings");
    if (few) return notTestable(few, { masked_runs: unit.runs.filter(isMasked).length });
    const rows = groups.flatMap((g) => gaps(g, maskName(g.find(isMasked)!), isMasked, t));
    return {
      parts: [part("largest masked-unmasked loss gap over what is allowed", Math.max(...rows.map((x) => x.ratio)), "<=", 1)],
      evidence: { comparisons: rows.map((x) => ({ ...x, ratio: round(x.ratio, 3), masked: x.a, unmasked: x.b, a: undefined, b: undefined })) },
    };
  },
};

export const maskShapeKeepsLoss: Check = {
  events: "mask shapes run at one width and settings",
  tolerances: LOSS_TOLERANCES,
  describe: (t) =>
    `for every width and settings run with two or more mask shapes, each shape's mean minimum train and test loss differs from the others' by at most max(${t.maxRelativeDifference! * 100}%, ${t.standardErrors} standard errors)`,
  evaluate(unit, t, req) {
    const groups = comparable(unit.runs.filter(isMasked)).filter((g) => new Set(g.map(maskName)).size >= 2);
    const shapes = Math.max(0, ...groups.map((g) => new Set(g.map(maskName)).size));
    const few = tooFewEvents(req, shapes, "mask shapes at one width and settings");
    if (few) return notTestable(few, { shapes_run: [...new Set(unit.runs.filter(isMasked).map(maskName))] });
    const rows = groups.flatMap((g) => [...new Set(g.map(maskName))].flatMap((name) => gaps(g, name, (r) => maskName(r) === name, t)));
    return {
      parts: [part("largest gap between mask shapes over what is allowed", Math.max(...rows.map((x) => x.ratio)), "<=", 1)],
      evidence: { comparisons: rows.map((x) => ({ ...x, ratio: round(x.ratio, 3), this_shape: x.a, other_shapes: x.b, a: undefined, b: undefined })) },
    };
  },
};

export const maskVisible: Check = {
  events: "masked wide runs that did not diverge",
  tolerances: {
    wideMin: "the paper's trainability width: the letter is claimed to survive in networks at least this wide",
    maxContrast: "largest final mask contrast at which the letter still stands out (0: intact, about 1: gone)",
  },
  describe: (t) => `every masked run of width >= max(${t.wideMin}, trainability width) that did not diverge ends with mask contrast <= ${t.maxContrast}`,
  evaluate(unit, t, req) {
    const from = Math.max(t.wideMin!, trainabilityWidth(primaryRuns(unit)));
    const runs = unit.runs.filter((r) => isMasked(r) && !diverged(r) && width(r) >= from && r.rows.at(-1)!.mask_contrast !== undefined);
    const few = tooFewEvents(req, runs.length, `masked runs of width >= ${from} that did not diverge`);
    if (few) return notTestable(few);
    const rows = runs.map((r) => ({ run: runName(r), width: width(r), epoch: horizon(r), final_mask_contrast: r.rows.at(-1)!.mask_contrast! }));
    return {
      parts: [part("largest final mask contrast", Math.max(...rows.map((x) => x.final_mask_contrast)), "<=", t.maxContrast!)],
      evidence: { runs: rows.map((x) => ({ ...x, final_mask_contrast: round(x.final_mask_contrast) })) },
    };
  },
};

/** A masked diverged run's contrast at the start, before the jump, after it and at the end. */
function contrastAcross(r: RunRecord) {
  const d = lossEvents(r.rows).divergence!;
  const c0 = at(r, 0, "mask_contrast"),
    before = at(r, Math.max(0, d.onset - 1), "mask_contrast"),
    after = at(r, Math.min(horizon(r), d.plateau + 1), "mask_contrast"),
    end = r.rows.at(-1)!.mask_contrast ?? NaN;
  return { d, c0, before, after, end };
}

const maskedDiverged = (runs: readonly RunRecord[]) => runs.filter((r) => isMasked(r) && diverged(r) && r.rows.at(-1)!.mask_contrast !== undefined);

export const maskLostAtDivergence: Check = {
  events: "masked runs that diverged",
  tolerances: {
    minFinalContrast: "least final mask contrast for the letter to count as lost (about 1 once gone)",
    minShareAtJump: "least share of the contrast's whole rise that happens across the jump",
    minFraction: "least share of masked diverged runs that must show each",
  },
  describe: (t) =>
    `in at least ${t.minFraction! * 100}% of masked diverged runs, each: final mask contrast >= ${t.minFinalContrast}; and at least ${t.minShareAtJump! * 100}% of its rise from epoch 0 to the end happens across [t_div - 1, t_div_plateau + 1]`,
  evaluate(unit, t, req) {
    const runs = maskedDiverged(unit.runs);
    const few = tooFewEvents(req, runs.length, "masked runs that diverged");
    if (few) return notTestable(few);
    const rows = runs.map((r) => {
      const c = contrastAcross(r);
      return { run: runName(r), width: width(r), t_div: c.d.onset, final_mask_contrast: c.end, share_at_jump: (c.after - c.before) / (c.end - c.c0) };
    });
    return {
      parts: [
        share(
          "share of runs whose letter is gone at the end",
          rows.map((x) => x.final_mask_contrast >= t.minFinalContrast!),
          t.minFraction!,
        ),
        share(
          "share of runs that lose most of the letter at the jump",
          rows.map((x) => x.share_at_jump >= t.minShareAtJump!),
          t.minFraction!,
        ),
      ],
      evidence: { runs: rows.map((x) => ({ ...x, final_mask_contrast: round(x.final_mask_contrast), share_at_jump: round(x.share_at_jump, 3) })) },
    };
  },
};

export const maskLostProgressively: Check = {
  events: "masked runs that diverged",
  tolerances: {
    minShareBefore: "least share of the contrast's whole rise that happens before the jump (progressively lost)",
    minTrend: "least rank correlation of the contrast with the epoch before the jump (a steady rise, not noise)",
    minFraction: "least share of masked diverged runs that must show each",
  },
  describe: (t) =>
    `in at least ${t.minFraction! * 100}% of masked diverged runs, each: at least ${t.minShareBefore! * 100}% of the contrast's rise from epoch 0 to the end happens before t_div - 1; and the contrast's rank correlation with the epoch over [1, t_div - 1] is >= ${t.minTrend}`,
  evaluate(unit, t, req) {
    const runs = maskedDiverged(unit.runs);
    const few = tooFewEvents(req, runs.length, "masked runs that diverged");
    if (few) return notTestable(few);
    const rows = runs.map((r) => {
      const c = contrastAcross(r);
      const before = r.rows.filter((row) => row.epoch >= 1 && row.epoch < c.d.onset);
      return {
        run: runName(r),
        t_div: c.d.onset,
        share_before: (c.before - c.c0) / (c.end - c.c0),
        trend: rankCorrelation(
          before.map((row) => row.epoch),
          before.map((row) => row.mask_contrast ?? NaN),
        ),
      };
    });
    return {
      parts: [
        share(
          "share of runs that lose part of the letter before the jump",
          rows.map((x) => x.share_before >= t.minShareBefore!),
          t.minFraction!,
        ),
        share(
          "share of runs whose contrast rises steadily before the jump",
          rows.map((x) => x.trend >= t.minTrend!),
          t.minFraction!,
        ),
      ],
      evidence: { runs: rows.map((x) => ({ ...x, share_before: round(x.share_before, 3), trend: round(x.trend, 3) })) },
    };
  },
};
