import type { RunRecord } from "../../run/record.js";
import { activationOf } from "../../train/config.js";
import { type Check, notTestable, part } from "../check.js";
import { mean, rankCorrelation, round, runName, tooFewEvents } from "../data.js";

/**
 * Checks of the Hessian-initialisation study (Skorski et al., arXiv
 * 2004.09506). Definitions (docs/method.md, "The Hessian-initialisation
 * study"):
 *   curvature gain   a layer's T(input) / T(output), T the trace of the
 *                    Gauss-Newton Hessian of the loss (model/hessianInit.ts),
 *                    recorded with --hessian at analysed epochs; the
 *                    principle is a gain of 1 in every layer
 *   deviation        sum over layers of |ln gain| at epoch 0
 *   outcome          train loss at the last epoch; a run that diverged
 *                    (non-finite weights or loss) is worse than any loss
 */

const isRelu = (r: RunRecord): boolean => activationOf(r.config) === "relu";
const scaleOf = (r: RunRecord): number => r.config.initScale ?? 1;

/** A hidden layer's initial RMS over He's sqrt(2 / fan-in), for each hidden layer of a run; null without the recorded RMS and layout. */
function heRatios(r: RunRecord): number[] | null {
  if (!r.initialWeightRms || !r.units) return null;
  const hidden = r.units.length - 2;
  return r.initialWeightRms.slice(0, hidden).map((rms, l) => rms / Math.sqrt(2 / r.units![l]!));
}

export const principleRecoversHe: Check = {
  events: "ReLU runs initialised by the Hessian principle at scale 1",
  tolerances: { heBand: "the largest relative distance of a hidden layer's initial RMS from He's sqrt(2 / fan-in)" },
  describe: (t) =>
    `in every ReLU run with --init hessian at scale 1, every hidden layer's initial weight RMS is within ${t.heBand! * 100}% of He's sqrt(2 / fan-in)`,
  evaluate(unit, t, req) {
    const runs = unit.runs.filter((r) => isRelu(r) && r.config.init === "hessian" && scaleOf(r) === 1);
    const few = tooFewEvents(req, runs.length, "ReLU runs with --init hessian at scale 1");
    if (few) return notTestable(few);
    const measured = runs.map((r) => ({ run: runName(r), ratios: heRatios(r) }));
    const missing = measured.filter((m) => m.ratios === null).map((m) => m.run);
    if (missing.length)
      return notTestable(`${missing.length} run(s) without their initial weight RMS (manifest.initial_weight_rms): re-run them with this version`, {
        runs: missing,
      });
    const rows = measured.map((m) => ({ run: m.run, he_ratio_by_layer: m.ratios!.map((x) => round(x, 4)) }));
    const all = measured.flatMap((m) => m.ratios!);
    return {
      parts: [part("largest |RMS / He's - 1| over hidden layers and runs", Math.max(...all.map((x) => Math.abs(x - 1))), "<=", t.heBand!)],
      evidence: { runs: rows, mean_ratio: round(mean(all), 4), he: "sqrt(2 / fan-in)" },
    };
  },
};

/** The summed |ln gain| over layers at epoch 0; null without the gains (--hessian). */
function deviation(r: RunRecord): number | null {
  const gains = r.analyses.filter((a) => a.epoch === 0).map((a) => a.hessian_gain);
  if (gains.length === 0 || gains.some((g) => g === undefined || !(g > 0))) return null;
  return gains.reduce((s: number, g) => s + Math.abs(Math.log(g!)), 0);
}

/** The outcome of a run: its last train loss, or +Infinity where it diverged (non-finite), so it ranks worst. */
const outcome = (r: RunRecord): number => {
  const last = r.rows.at(-1)?.train_loss;
  return r.status === "diverged" || last === undefined || last === null || !Number.isFinite(last) ? Infinity : last;
};

export const hessianNormRanksOutcome: Check = {
  events: "settings of initialiser and scale",
  tolerances: { minRho: "the least rank correlation between the deviation from the principle and the loss" },
  describe: (t) =>
    `over the settings (initialiser, initial scale) of ReLU runs, Spearman's rho between the layers' summed |ln curvature gain| at epoch 0 and the train loss at the last epoch (diverged: worst), each the mean over seeds, is >= ${t.minRho}`,
  evaluate(unit, t, req) {
    const runs = unit.runs.filter(isRelu);
    const missing = runs.filter((r) => deviation(r) === null).map(runName);
    if (missing.length) return notTestable(`${missing.length} run(s) without curvature gains at epoch 0: train with --hessian`, { runs: missing });
    const settings = new Map<string, RunRecord[]>();
    for (const r of runs) {
      const key = `${r.config.init} x ${scaleOf(r)}`;
      settings.set(key, [...(settings.get(key) ?? []), r]);
    }
    const few = tooFewEvents(req, settings.size, "settings of initialiser and scale");
    if (few) return notTestable(few);
    const rows = [...settings.entries()].map(([setting, rs]) => ({
      setting,
      init: rs[0]!.config.init,
      init_scale: scaleOf(rs[0]!),
      seeds: rs.length,
      deviation: mean(rs.map((r) => deviation(r)!)),
      final_train_loss: mean(rs.map(outcome)),
      diverged: rs.filter((r) => outcome(r) === Infinity).length,
      // Beside the deciding loss, the paper's other two outcomes (evidence only): when each seed first reached
      // train loss 0.1 (null: not within the run), and the runs whose loss jumped and stayed up (t_div).
      t_theta_0_1: rs.map((r) => r.regimes.t_theta.find((x) => x.theta === 0.1)?.epoch ?? null),
      jumped_and_stayed: rs.filter((r) => r.regimes.t_div !== null).length,
    }));
    const rho = rankCorrelation(
      rows.map((x) => x.deviation),
      rows.map((x) => x.final_train_loss),
    );
    if (!Number.isFinite(rho)) return notTestable("the deviation or the loss is the same in every setting: no ranking to compare");
    // Within one initialiser, across its scales: the paper's own comparison.
    const perInit = [...new Set(rows.map((x) => x.init))].map((init) => {
      const own = rows.filter((x) => x.init === init);
      return {
        init,
        settings: own.length,
        rho: round(
          rankCorrelation(
            own.map((x) => x.deviation),
            own.map((x) => x.final_train_loss),
          ),
          3,
        ),
      };
    });
    // The contrast: the plain top eigenvalue of the whole Hessian at epoch 0, which grows with the scale and has no target.
    const top = [...settings.values()].map((rs) => mean(rs.map((r) => Math.abs(r.analyses.find((a) => a.epoch === 0)?.hessian_top_network ?? Number.NaN))));
    const topRho = rankCorrelation(
      top,
      rows.map((x) => x.final_train_loss),
    );
    return {
      parts: [part("Spearman's rho, deviation from the principle against final train loss", rho, ">=", t.minRho!)],
      evidence: {
        settings: rows.map((x) => ({
          ...x,
          deviation: round(x.deviation, 4),
          final_train_loss: x.final_train_loss === Infinity ? "diverged" : round(x.final_train_loss, 4),
        })),
        per_initialiser: perInit,
        top_eigenvalue_rho: round(topRho, 3),
      },
    };
  },
};
