import type { Check } from "../check.js";
import {
  divergenceInOverfitting,
  divergenceThreshold,
  noRecovery,
  noUnstableLearners,
  rmsdJumpsWithLoss,
  tDivSpreadGrows,
  unstableWithoutCrossover,
  weakDoNotDiverge,
} from "./divergence.js";
import { hessianNormRanksOutcome, principleRecoversHe } from "./hessianInit.js";
import { condensesAtSmallScale, noCondensationAtStandardScale, orientationsWithinTwiceMultiplicity } from "./condensation.js";
import { maskKeepsLoss, maskLostAtDivergence, maskLostProgressively, maskShapeKeepsLoss, maskVisible } from "./masks.js";
import { finalRmsdDecreases, lossLevels, minLossDecreases, narrowerSlower, noGoodMinimumFar, rmsdAtThetaDecreases, weakLearners } from "./trends.js";
import {
  bandTilts,
  coptDepartsBelowThreshold,
  coptWideNearOne,
  largeWeightsGrow,
  medianFollowsIdentity,
  momentsTransition,
  sigmaNonzeroLikeZero,
  simultaneousChange,
} from "./weights.js";

/** The table of checks, by the name a claim gives in its `check` field. One record each: tolerances, description, evaluation. */
export const CHECKS: Readonly<Record<string, Check>> = {
  // The condensation study (checks/condensation.ts).
  "condenses-at-small-scale": condensesAtSmallScale,
  "orientations-within-twice-multiplicity": orientationsWithinTwiceMultiplicity,
  "no-condensation-at-standard-scale": noCondensationAtStandardScale,
  // The Hessian-initialisation study (checks/hessianInit.ts).
  "principle-recovers-he": principleRecoversHe,
  "hessian-norm-ranks-outcome": hessianNormRanksOutcome,
  // Divergence and the regimes (checks/divergence.ts).
  "no-unstable-learners": noUnstableLearners,
  "unstable-without-crossover": unstableWithoutCrossover,
  "divergence-threshold": divergenceThreshold,
  "rmsd-jumps-with-loss": rmsdJumpsWithLoss,
  "no-recovery": noRecovery,
  "divergence-in-overfitting": divergenceInOverfitting,
  "weak-do-not-diverge": weakDoNotDiverge,
  "t-div-spread-grows": tDivSpreadGrows,
  // Loss and RMSD trends across widths (checks/trends.ts).
  "min-loss-decreases": minLossDecreases,
  "rmsd-at-theta-decreases": rmsdAtThetaDecreases,
  "narrower-slower": narrowerSlower,
  "loss-levels": lossLevels,
  "weak-learners": weakLearners,
  "final-rmsd-decreases": finalRmsdDecreases,
  "no-good-minimum-far": noGoodMinimumFar,
  // Statistics of final against initial weights (checks/weights.ts).
  "copt-wide-near-one": coptWideNearOne,
  "copt-departs-below-threshold": coptDepartsBelowThreshold,
  "moments-transition": momentsTransition,
  "large-weights-grow": largeWeightsGrow,
  "band-tilts": bandTilts,
  "median-follows-identity": medianFollowsIdentity,
  "simultaneous-change": simultaneousChange,
  "sigma-nonzero-like-zero": sigmaNonzeroLikeZero,
  // Masks (checks/masks.ts).
  "mask-keeps-loss": maskKeepsLoss,
  "mask-shape-keeps-loss": maskShapeKeepsLoss,
  "mask-visible": maskVisible,
  "mask-lost-at-divergence": maskLostAtDivergence,
  "mask-lost-progressively": maskLostProgressively,
};
