import { holds } from "./check.js";
import type { Confidence, Margin, Part, Verdict } from "./spec.js";

/** A verdict within this share of its threshold is fragile. */
export const FRAGILE_MARGIN = 0.1;

export function marginOf(p: Part): Margin {
  const relative = p.threshold === 0 ? null : Math.abs(p.value - p.threshold) / Math.abs(p.threshold);
  return { ...p, holds: holds(p), relative: relative === null || !Number.isFinite(relative) ? null : Number(relative.toPrecision(4)) };
}

/**
 * The part that decided: where some part fails, the failing part furthest
 * from its threshold; where all hold, the one closest to failing.
 */
export function decidingMargin(parts: readonly Part[]): Margin | null {
  if (parts.length === 0) return null;
  const margins = parts.map(marginOf);
  const distance = (m: Margin): number => m.relative ?? Math.abs(m.value - m.threshold);
  const failing = margins.filter((m) => !m.holds);
  if (failing.length) return failing.reduce((a, b) => (distance(b) > distance(a) ? b : a));
  return margins.reduce((a, b) => (distance(b) < distance(a) ? b : a));
}

/**
 * How sure a verdict is: its margin, and the share of leave-one-seed-out
 * resamples that give the same verdict. Fragile: within FRAGILE_MARGIN of
 * its threshold, changed by any resample, or resting on one seed.
 */
export function confidence(verdict: Verdict, margin: Margin | null, resampled: readonly Verdict[]): Confidence {
  const because: string[] = [];
  if (verdict === "not testable") return { margin, stability: null, resamples: resampled.length, fragile: false, fragile_because: [] };
  if (margin?.relative !== null && margin?.relative !== undefined && margin.relative < FRAGILE_MARGIN)
    because.push(`${margin.name} is within ${FRAGILE_MARGIN * 100}% of its threshold`);
  const same = resampled.filter((v) => v === verdict).length;
  const stability = resampled.length ? Number((same / resampled.length).toFixed(3)) : null;
  if (stability === null) because.push("one seed: no resample to check it against");
  else if (stability < 1) because.push(`${resampled.length - same} of ${resampled.length} leave-one-seed-out resamples give another verdict`);
  return { margin, stability, resamples: resampled.length, fragile: because.length > 0, fragile_because: because };
}
