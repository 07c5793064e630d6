/**
 * The shape of a claim of the paper, and of its verdict. The claims
 * themselves are data (paper-claims.ts); each `check.kind` names one
 * predicate in evaluate.ts, and its other fields are that predicate's
 * tolerances.
 */
export type ClaimCheck =
  | { kind: "no-divergence"; dataset: string; maxDivergedFraction: number }
  | { kind: "unstable-without-crossover"; dataset: string; maxDivergedFraction: number }
  | { kind: "divergence-threshold"; dataset: string; threshold: number; thresholdTolerance: number; minRankCorrelation: number }
  | { kind: "rmsd-jumps-with-loss"; maxLagEpochs: number; minJumpRatio: number; maxPlateauGrowth: number; minFraction: number }
  | { kind: "no-recovery"; minEpochsAfter: number; maxRecoveredShare: number; minFraction: number }
  | { kind: "min-loss-decreases"; maxRankCorrelation: number }
  | { kind: "rmsd-at-theta-decreases"; maxRankCorrelation: number; minWidthsReaching: number }
  | { kind: "loss-levels"; dataset: string; narrowWidth: number; neverBelow: number; wideWidth: number; reaches: number; factor: number }
  | { kind: "copt-wide-near-one"; wideMin: number; tolerance: number }
  | { kind: "departs-below-threshold"; quantities: ("c_opt" | "a0" | "a1" | "sigma0")[]; wideMin: number; minDeparture: number; minRatio: number }
  | { kind: "large-weights-grow"; minFraction: number }
  | { kind: "mask-keeps-loss"; maxRelativeDifference: number; standardErrors: number }
  | { kind: "mask-visible"; wideMin: number; maxContrast: number }
  | { kind: "mask-lost-at-divergence"; minFinalContrast: number; minShareAtJump: number }
  | { kind: "weak-learners"; maxNarrowWidth: number; minGrowth: number }
  | { kind: "final-rmsd-decreases"; maxRankCorrelation: number };

/** What the runs must offer before a claim can be tested at all. */
export interface ClaimRequirements {
  /** Datasets the claim is about (its runs must exist). */
  datasets?: string[];
  /** Every run of the claim's datasets must reach at least this epoch. */
  minEpochs?: number;
  /** Seeds per width. */
  minSeeds?: number;
  /** Distinct widths per dataset. */
  minWidths?: number;
  /** Runs on the whole training set (no --train-limit): the claim quotes absolute losses. */
  fullTrainSet?: boolean;
}

export interface ClaimSpec {
  id: string;
  /** Section or figure of the paper. */
  source: string;
  statement: string;
  /** What is measured. */
  quantity: string;
  check: ClaimCheck;
  requires: ClaimRequirements;
}

export type Verdict = "reproduced" | "not reproduced" | "not testable";

export interface ClaimResult {
  id: string;
  source: string;
  statement: string;
  quantity: string;
  /** The predicate with its tolerances, in words. */
  predicate: string;
  tolerances: Record<string, unknown>;
  verdict: Verdict;
  /** Why not testable, or one line on what decided the verdict. */
  reason: string;
  /** The numbers that decided it. */
  evidence: Record<string, unknown>;
}
