import type { Condensation } from "../../analysis/condensation.js";
import { ACTIVATION_INFO } from "../../model/activation.js";
import type { RunRecord } from "../../run/record.js";
import { activationOf } from "../../train/config.js";
import { type Check, type Decision, notTestable, part, type Tolerances } from "../check.js";
import { round, runName, tooFewEvents } from "../data.js";
import type { ClaimRequirements } from "../spec.js";

/**
 * Checks of the condensation study (Zhou et al., arXiv 2105.11686): the
 * input vectors of the first hidden layer's neurons (their weights with the
 * bias, the paper's "input weight") at the end of the initial stage.
 * Definitions (docs/method.md, "The condensation study"):
 *   initial stage        analysed epochs t >= 1 whose train loss is still at
 *                        least (1 - stageDrop) of epoch 0's; its end is the
 *                        last of them, or epoch 1 when the loss fell that far
 *                        within the first epoch
 *   orientation          a cluster of neurons at cosine >= 0.95 (the analysis's
 *                        greedy clustering, src/analysis/condensation.ts)
 *   condensed orientation one holding at least minShare of the layer's neurons
 *   condensed layer      its condensed orientations hold at least minHeld of them
 */

const scaleOf = (r: RunRecord): number => r.config.initScale ?? 1;
const multiplicity = (r: RunRecord): number => ACTIVATION_INFO[activationOf(r.config)].multiplicity;

/** The first hidden layer's condensation at each analysed epoch, in order. */
function firstLayer(r: RunRecord): { epoch: number; c: Condensation }[] {
  return r.analyses.filter((a) => a.layer === "W1" && a.condensation).map((a) => ({ epoch: a.epoch, c: a.condensation! }));
}

/** The analysed epochs t >= 1 of the initial stage: from epoch 1 up to the first whose train loss has left the band (at least epoch 1 when it was analysed). */
function initialStage(r: RunRecord, stageDrop: number): number[] {
  const floor = (1 - stageDrop) * (r.rows[0]?.train_loss ?? Number.NaN);
  const loss = new Map(r.rows.map((row) => [row.epoch, row.train_loss]));
  const analysed = firstLayer(r)
    .map((x) => x.epoch)
    .filter((e) => e >= 1);
  const left = analysed.findIndex((e) => !((loss.get(e) ?? -Infinity) >= floor));
  const stage = left < 0 ? analysed : analysed.slice(0, left);
  return stage.length ? stage : analysed.slice(0, 1);
}

/** A layer's condensed orientations: how many, and the share of its live neurons they hold; null without cluster sizes (--clusters). */
function condensed(c: Condensation, minShare: number): { count: number; held: number } | null {
  if (!c.clusters) return null;
  const live = c.neurons - c.dead;
  const major = c.clusters.filter((size) => size >= minShare * live);
  return { count: major.length, held: live ? major.reduce((s, n) => s + n, 0) / live : 0 };
}

/** One run at the end of its initial stage, and the most condensed orientations at any epoch of it; null without cluster sizes. */
function stageOf(r: RunRecord, t: Tolerances) {
  const stage = initialStage(r, t.stageDrop!);
  const byEpoch = new Map(firstLayer(r).map((x) => [x.epoch, x.c]));
  const measured = stage.map((e) => ({ epoch: e, ...condensed(byEpoch.get(e)!, t.minShare!) }));
  if (stage.length === 0 || measured.some((m) => m.count === undefined)) return null;
  const end = measured.at(-1)!;
  const most = measured.reduce((a, b) => (b.count! > a.count! ? b : a));
  return {
    run: runName(r),
    activation: activationOf(r.config),
    multiplicity: multiplicity(r),
    init_scale: scaleOf(r),
    stage_end: end.epoch,
    held_at_end: round(end.held!, 3)!,
    condensed_at_end: end.held! >= t.minHeld!,
    most_orientations: most.count!,
    most_at: most.epoch,
    condensed_in_stage: measured.some((m) => m.held! >= t.minHeld!),
  };
}

const STAGE = {
  stageDrop: "the initial stage lasts while the train loss is still within this share of its epoch-0 value",
  minShare: "a condensed orientation holds at least this share of the layer's neurons",
  minHeld: "a layer has condensed when its condensed orientations hold at least this share of its neurons",
};

/** The runs a check reads, measured; a reason when some cannot be (no cluster sizes recorded, no analysed epoch). */
type Measured = NonNullable<ReturnType<typeof stageOf>>;

function measure(runs: readonly RunRecord[], t: Tolerances): { rows: Measured[]; missing: string[] } {
  const rows: Measured[] = [];
  const missing: string[] = [];
  for (const r of runs) {
    const s = stageOf(r, t);
    if (s) rows.push(s);
    else missing.push(runName(r));
  }
  return { rows, missing };
}

const MISSING = "record W1's cluster sizes at analysed epochs of the initial stage (train with --clusters and --analyze-every 1)";

/** The runs a check decides on, measured at the end of their initial stage; or why it cannot decide (too few of them, or not measurable). */
function measuredOr(runs: readonly RunRecord[], t: Tolerances, req: ClaimRequirements, what: string): { rows: Measured[] } | { decision: Decision } {
  const few = tooFewEvents(req, runs.length, what);
  if (few) return { decision: notTestable(few) };
  const { rows, missing } = measure(runs, t);
  if (missing.length) return { decision: notTestable(`${missing.length} run(s) without what the check reads: ${MISSING}`, { runs: missing }) };
  return { rows };
}

export const condensesAtSmallScale: Check = {
  events: "ReLU runs at a small initial scale",
  tolerances: { smallScale: "the largest initial scale counted as small", ...STAGE },
  describe: (t) =>
    `every ReLU run with init scale <= ${t.smallScale} ends its initial stage (train loss >= ${1 - t.stageDrop!} of epoch 0's) with its first hidden layer condensed: orientations of >= ${t.minShare! * 100}% of the neurons each (cosine >= 0.95) holding >= ${t.minHeld! * 100}% of them`,
  evaluate(unit, t, req) {
    const runs = unit.runs.filter((r) => activationOf(r.config) === "relu" && scaleOf(r) <= t.smallScale!);
    const m = measuredOr(runs, t, req, `ReLU runs at init scale <= ${t.smallScale}`);
    if ("decision" in m) return m.decision;
    return {
      parts: [part("smallest share of neurons in condensed orientations", Math.min(...m.rows.map((x) => x.held_at_end)), ">=", t.minHeld!)],
      evidence: { runs: m.rows },
    };
  },
};

export const orientationsWithinTwiceMultiplicity: Check = {
  events: "small-scale runs whose first hidden layer condensed in the initial stage",
  tolerances: { smallScale: "the largest initial scale counted as small", ...STAGE },
  describe: (t) =>
    `in every run with init scale <= ${t.smallScale} whose first hidden layer condensed in its initial stage, the most condensed orientations at any analysed epoch of that stage are at most twice the activation's multiplicity`,
  evaluate(unit, t, req) {
    const small = unit.runs.filter((r) => scaleOf(r) <= t.smallScale!);
    const { rows, missing } = measure(small, t);
    if (missing.length) return notTestable(`${missing.length} run(s) without what the check reads: ${MISSING}`, { runs: missing });
    const tested = rows.filter((x) => x.condensed_in_stage);
    // A layer that never condensed has no condensed orientations to count: the claim says nothing about it.
    const vacuous = rows.filter((x) => !x.condensed_in_stage).map((x) => ({ run: x.run, activation: x.activation, held_at_end: x.held_at_end }));
    const few = tooFewEvents(req, tested.length, `small-scale runs whose first hidden layer condensed in its initial stage`);
    if (few) return notTestable(few, { did_not_condense: vacuous });
    return {
      parts: [
        part("most condensed orientations over twice the multiplicity", Math.max(...tested.map((x) => x.most_orientations / (2 * x.multiplicity))), "<=", 1),
      ],
      evidence: { runs: tested, did_not_condense: vacuous, activations_tested: [...new Set(tested.map((x) => x.activation))] },
    };
  },
};

export const noCondensationAtStandardScale: Check = {
  events: "runs at the standard scale",
  tolerances: STAGE,
  describe: (t) =>
    `every run at the standard initial scale (1) ends its initial stage with its condensed orientations (>= ${t.minShare! * 100}% of the neurons each) holding < ${t.minHeld! * 100}% of the first hidden layer's neurons`,
  evaluate(unit, t, req) {
    const m = measuredOr(
      unit.runs.filter((r) => r.config.initScale === undefined),
      t,
      req,
      "runs at the standard initial scale",
    );
    if ("decision" in m) return m.decision;
    return {
      parts: [part("largest share of neurons in condensed orientations", Math.max(...m.rows.map((x) => x.held_at_end)), "<", t.minHeld!)],
      evidence: { runs: m.rows },
    };
  },
};
