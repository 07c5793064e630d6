import { UserError } from "../errors.js";
import { exp } from "../math/portable.js";

const LN10 = Math.LN10;

/**
 * Which epochs get snapshots (and, by default, analysis): epoch 0 always,
 * the last epoch always, plus either a list ("0,1,10,100") or "log": about
 * four per decade, round(10^(k/4)) for k = 0, 1, 2, ... (1, 2, 3, 6, 10, 18,
 * 32, 56, 100, 178, 316, 562, 1000, ...). "none" keeps only 0 and the last.
 */
export function snapshotEpochs(spec: string, epochs: number): number[] {
  const set = new Set<number>([0, epochs]);
  const text = spec.trim();
  if (text === "log") {
    for (let k = 0; ; k++) {
      const e = Math.round(exp((k / 4) * LN10));
      if (e > epochs) break;
      set.add(e);
    }
  } else if (text !== "none") {
    for (const part of text.split(",")) {
      const p = part.trim();
      if (!/^\d+$/.test(p)) throw new UserError(`--snapshots takes 'log', 'none' or a list of epochs like 0,1,10,100; got '${spec}'`, 2);
      const e = Number(p);
      if (e <= epochs) set.add(e);
    }
  }
  return [...set].sort((a, b) => a - b);
}

/** Analysed epochs: every snapshot epoch, or every N-th epoch (plus 0 and the last) with --analyze-every N. */
export function analysisEpochs(snapshots: readonly number[], epochs: number, every?: number): number[] {
  if (every === undefined) return [...snapshots];
  const set = new Set<number>([0, epochs]);
  for (let e = every; e <= epochs; e += every) set.add(e);
  return [...set].sort((a, b) => a - b);
}
