import { part } from "../check.js";
import type { Part } from "../spec.js";

/** A part over several items (runs, layers): the share that satisfy a condition, against the least share needed. */
export function share(name: string, satisfied: readonly boolean[], minFraction: number): Part {
  return part(name, satisfied.length ? satisfied.filter(Boolean).length / satisfied.length : NaN, ">=", minFraction);
}
