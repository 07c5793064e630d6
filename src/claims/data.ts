import { canonicalJson } from "../codec/canonicalJson.js";
import type { RunRecord } from "../run/record.js";
import type { LayerAnalysis } from "../analysis/layer.js";

import type { ClaimRequirements } from "./spec.js";

/**
 * The machinery every check shares: which data a run is (the paper's or
 * not), its groups by settings and width, the plain statistics, and what a
 * claim's requirements ask of the runs.
 */

/**
 * The runs of one dataset as they were run: the paper's data (the named
 * dataset, verified against the catalogue, whole training and test sets) or
 * not (a subset, unverified files, a fixture), which is an extension.
 */
export interface DataUnit {
  /** "fashion-mnist", or "fashion-mnist (6000-sample training subset)" and the like. */
  data: string;
  dataset: string;
  /** The paper's data: verified and whole. */
  paper: boolean;
  /** The files were verified against the catalogue (whole or a subset). */
  verified: boolean;
  runs: RunRecord[];
}

export const width = (r: RunRecord): number => r.hiddenWidths[0]!;
export const horizon = (r: RunRecord): number => r.rows.at(-1)?.epoch ?? 0;
export const isMasked = (r: RunRecord): boolean => r.config.mask !== undefined;
export const diverged = (r: RunRecord): boolean => r.regimes.t_div !== null;
export const datasetOf = (r: RunRecord): string => r.dataset.split(":")[0]!;
export const mean = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
export const sd = (v: readonly number[]): number => {
  if (v.length < 2) return 0;
  const m = mean(v);
  return Math.sqrt(v.reduce((a, b) => a + (b - m) * (b - m), 0) / (v.length - 1));
};
export const round = (x: number | null | undefined, digits = 4): number | null =>
  x === null || x === undefined || !Number.isFinite(x) ? null : Number(x.toPrecision(digits));
export const runName = (r: RunRecord): string => r.dir.split("/").at(-1)!;

/** Why a run's data is not the paper's, or null. */
function departures(r: RunRecord, verified: boolean | undefined): string[] {
  const why: string[] = [];
  if (verified !== true) why.push("files not verified against the catalogue");
  if (r.config.trainLimit !== undefined) why.push(`${r.config.trainLimit}-sample training subset`);
  if (r.config.testLimit !== undefined) why.push(`${r.config.testLimit}-sample test subset`);
  return why;
}

/** The runs split into data units, ordered by dataset, the paper's data first. */
export function dataUnits(runs: readonly RunRecord[]): DataUnit[] {
  const units = new Map<string, DataUnit>();
  for (const r of runs) {
    const why = departures(r, r.datasetVerified);
    const data = why.length ? `${datasetOf(r)} (${why.join(", ")})` : datasetOf(r);
    const unit = units.get(data) ?? { data, dataset: datasetOf(r), paper: why.length === 0, verified: r.datasetVerified === true, runs: [] };
    unit.runs.push(r);
    units.set(data, unit);
  }
  return [...units.values()].sort((a, b) => a.dataset.localeCompare(b.dataset) || Number(b.paper) - Number(a.paper) || a.data.localeCompare(b.data));
}

/** A run's settings apart from its width, seed, length and mask (runs that differ only in those compare). */
export function settingsKey(r: RunRecord): string {
  const { seed: _s, mask: _m, epochs: _e, hiddenWidths: _w, ...rest } = r.config;
  return canonicalJson(rest);
}

/** The unmasked runs of the unit's most common settings: what the paper's figures are drawn from. */
export function primaryRuns(unit: DataUnit): RunRecord[] {
  const variants = new Map<string, RunRecord[]>();
  for (const r of unit.runs.filter((x) => !isMasked(x))) variants.set(settingsKey(r), [...(variants.get(settingsKey(r)) ?? []), r]);
  return [...variants.values()].sort((a, b) => b.length - a.length)[0] ?? [];
}

export function byWidth(runs: readonly RunRecord[]): Map<number, RunRecord[]> {
  const m = new Map<number, RunRecord[]>();
  for (const r of [...runs].sort((a, b) => width(a) - width(b))) m.set(width(r), [...(m.get(width(r)) ?? []), r]);
  return m;
}

/** The trainability width: one more than the widest width with a diverged run (0 when none diverged). */
export function trainabilityWidth(runs: readonly RunRecord[]): number {
  const w = runs.filter(diverged).map(width);
  return w.length ? Math.max(...w) + 1 : 0;
}

export function divergedCounts(runs: readonly RunRecord[]): Record<string, string> {
  return Object.fromEntries([...byWidth(runs)].map(([w, rs]) => [String(w), `${rs.filter(diverged).length}/${rs.length}`]));
}

export const finalRmsd = (rs: readonly RunRecord[]): number => mean(rs.map((r) => r.rows.at(-1)!.rmsd));

/** A layer's initial half-range L (w_i in [-L, L]), from its analysis's quantile-band edges. */
export const initialHalfRange = (a: LayerAnalysis): number => Math.max(Math.abs(a.bands.edges[0]!), Math.abs(a.bands.edges.at(-1)!));

/** Value of a metric at an epoch (rows are indexed by epoch from 0; clamped to the run). */
export function at(r: RunRecord, epoch: number, key: "rmsd" | "train_loss" | "mask_contrast"): number {
  const row = r.rows[Math.max(0, Math.min(r.rows.length - 1, epoch))]!;
  return row[key] ?? NaN;
}

/** Spearman's rank correlation (average ranks for ties); NaN for fewer than 2 points or a constant side. */
export function rankCorrelation(x: readonly number[], y: readonly number[]): number {
  const ranks = (v: readonly number[]): number[] => {
    const order = v.map((value, i) => ({ value, i })).sort((a, b) => a.value - b.value);
    const r = new Array<number>(v.length);
    for (let k = 0; k < order.length; ) {
      let j = k;
      while (j + 1 < order.length && order[j + 1]!.value === order[k]!.value) j++;
      for (let m = k; m <= j; m++) r[order[m]!.i] = (k + j) / 2;
      k = j + 1;
    }
    return r;
  };
  if (x.length < 2) return NaN;
  const rx = ranks(x),
    ry = ranks(y);
  const mx = mean(rx),
    my = mean(ry);
  let sxy = 0,
    sxx = 0,
    syy = 0;
  for (let i = 0; i < rx.length; i++) {
    sxy += (rx[i]! - mx) * (ry[i]! - my);
    sxx += (rx[i]! - mx) ** 2;
    syy += (ry[i]! - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
}

/**
 * Why these runs cannot test a claim, naming what is missing, or null.
 * `resample`: a leave-one-seed-out resample, which has one seed fewer by
 * construction, so the seed count is not held against it.
 */
export function unmet(req: ClaimRequirements, data: string, runs: readonly RunRecord[], resample = false): string | null {
  if (runs.length === 0) return `no runs of ${data}`;
  const shortest = Math.min(...runs.map(horizon));
  if (req.minEpochs !== undefined && shortest < req.minEpochs) return `${data}: runs end at epoch ${shortest}; the claim needs ${req.minEpochs} epochs`;
  const widths = byWidth(runs);
  if (req.minWidths !== undefined && widths.size < req.minWidths)
    return `${data}: ${widths.size} width(s) (${[...widths.keys()].join(", ")}); the claim needs ${req.minWidths}`;
  const absent = (req.widths ?? []).filter((w) => !widths.has(w));
  if (absent.length) return `${data}: no runs of width ${absent.join(" or ")}, which the claim names`;
  const fewest = Math.min(...[...widths.values()].map((v) => v.length));
  if (!resample && req.minSeeds !== undefined && fewest < req.minSeeds) return `${data}: ${fewest} seed(s) at some width; the claim needs ${req.minSeeds}`;
  return null;
}

/** The events a check counts are too few: the reason, or null. */
export function tooFewEvents(req: ClaimRequirements, count: number, what: string): string | null {
  const need = req.minEvents ?? 1;
  return count < need ? `${count} ${what}; the claim needs at least ${need}` : null;
}
