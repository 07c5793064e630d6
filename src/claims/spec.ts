/**
 * The shape of a claim of the paper and of its verdict. The claims are data
 * (paper-claims.ts); `check` names one record of the table of checks
 * (checks/index.ts), which reads the claim's tolerances by name.
 */

/** A threshold of a check: its value, and the one-line reason it has that value. */
export interface Tolerance {
  value: number;
  why: string;
}

/** What the runs must offer before a claim can be tested on a dataset at all. */
export interface ClaimRequirements {
  /** Every run must reach at least this epoch. */
  minEpochs?: number;
  /** Seeds per width. */
  minSeeds?: number;
  /** Distinct widths. */
  minWidths?: number;
  /** Widths that must be among the runs (the paper names them). */
  widths?: number[];
  /** The least number of events (diverged runs, masked runs, ...) the check needs; it says which events. */
  minEvents?: number;
}

export interface ClaimSpec {
  id: string;
  /** Section or figure of the paper. */
  source: string;
  /** The paper's own words. */
  quote: string;
  /** What is tested, in the project's words. */
  statement: string;
  /** The datasets the paper states it for: only these count for the paper. */
  scope: string[];
  /**
   * Which runs of the scope count for the paper: "whole" (the default) the
   * verified files on their whole training and test sets, as the paper ran
   * them; "verified" any run on the verified files, subsets included, for a
   * paper that names no data (the related studies: the design is the
   * project's choice, stated in docs/method.md).
   */
  data?: "whole" | "verified";
  /** One of the paper's central results (its abstract's). */
  central?: boolean;
  /** What is measured. */
  quantity: string;
  /** The check's name in the table of checks. */
  check: string;
  tolerances: Record<string, Tolerance>;
  requires: ClaimRequirements;
}

export type Verdict = "reproduced" | "not reproduced" | "not testable";

/** One condition of a predicate: the deciding number beside its threshold. */
export interface Part {
  name: string;
  value: number;
  relation: ">=" | "<=" | ">" | "<";
  threshold: number;
}

/** The part that decided a verdict, and how far it is from its threshold. */
export interface Margin extends Part {
  holds: boolean;
  /** |value - threshold| / |threshold|; null where the threshold is 0 (a count of events: no relative distance). */
  relative: number | null;
}

/** How sure a verdict is. */
export interface Confidence {
  margin: Margin | null;
  /** Share of leave-one-seed-out resamples giving the same verdict; null with a single seed. */
  stability: number | null;
  resamples: number;
  /** Within 10% of its threshold, changed by a resample, or resting on a single seed. */
  fragile: boolean;
  fragile_because: string[];
}

/** A verdict on one body of data (a dataset as run: its name, and whether it is the paper's data). */
export interface DataVerdict extends Confidence {
  data: string;
  verdict: Verdict;
  reason: string;
  evidence: Record<string, unknown>;
}

export interface ClaimResult extends Confidence {
  id: string;
  source: string;
  quote: string;
  statement: string;
  scope: string[];
  central: boolean;
  quantity: string;
  /** The predicate with its tolerances, in words. */
  predicate: string;
  tolerances: Record<string, Tolerance>;
  requires: ClaimRequirements;
  /** The paper's verdict: decided on the paper's data in the claim's scope only. */
  verdict: Verdict;
  reason: string;
  /** Per dataset of the scope: the numbers that decided it. */
  evidence: Record<string, unknown>;
  /** What would make a `not testable` verdict testable. */
  to_test?: string;
  /** The same check on data outside the claim's scope (another dataset, a subset, unverified files): never counted for the paper. */
  extensions: DataVerdict[];
}
