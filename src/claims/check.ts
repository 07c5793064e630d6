import type { RunRecord } from "../run/record.js";
import type { DataUnit } from "./data.js";
import type { ClaimRequirements, Part } from "./spec.js";

/** A claim's tolerance values by name (their reasons stay with the claim). */
export type Tolerances = Readonly<Record<string, number>>;

/**
 * What a check says about one body of data: the parts of its predicate, each
 * the deciding number beside its threshold (the claim holds where every part
 * holds), or null parts and a note naming what is missing (not testable).
 */
export interface Decision {
  parts: Part[] | null;
  note?: string;
  evidence: Record<string, unknown>;
}

/** One check of the table: its tolerances' meanings, its predicate in words, and its evaluation. */
export interface Check {
  /** Each tolerance it reads, with what it means. */
  tolerances: Readonly<Record<string, string>>;
  /** The events it counts against the claim's minEvents (diverged runs, masked runs), if any. */
  events?: string;
  describe(t: Tolerances): string;
  evaluate(unit: DataUnit, t: Tolerances, req: ClaimRequirements): Decision;
}

export const notTestable = (note: string, evidence: Record<string, unknown> = {}): Decision => ({ parts: null, note, evidence });

export const part = (name: string, value: number, relation: Part["relation"], threshold: number): Part => ({ name, value, relation, threshold });

export function holds(p: Part): boolean {
  switch (p.relation) {
    case ">=":
      return p.value >= p.threshold;
    case "<=":
      return p.value <= p.threshold;
    case ">":
      return p.value > p.threshold;
    case "<":
      return p.value < p.threshold;
  }
}

/** A unit holding only some of its runs (a leave-one-seed-out resample). */
export const withRuns = (unit: DataUnit, runs: RunRecord[]): DataUnit => ({ ...unit, runs });
