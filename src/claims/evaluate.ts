import type { RunRecord } from "../analysis/aggregate.js";
import { censoredTime } from "../analysis/censored.js";
import { divergence, type Divergence } from "../analysis/regimes.js";
import { canonicalJson } from "../train/config.js";
import { PAPER_CLAIMS } from "./paper-claims.js";
import type { ClaimCheck, ClaimRequirements, ClaimResult, ClaimSpec, Verdict } from "./spec.js";

/**
 * Every claim's verdict, computed from runs: `reproduced`, `not reproduced`,
 * or `not testable` with the reason (a dataset without runs, a horizon too
 * short, too few seeds or widths). Each verdict carries the numbers that
 * decided it. Runs that ended with status completed or diverged count; a
 * dataset's claims use its unmasked runs of its most common settings (the
 * mask claims its masked runs).
 */
export function evaluateClaims(runs: readonly RunRecord[], claims: readonly ClaimSpec[] = PAPER_CLAIMS): ClaimResult[] {
  const finished = runs.filter((r) => r.status === "completed" || r.status === "diverged");
  return claims.map((c) => evaluateClaim(c, finished));
}

type Outcome = { verdict: Verdict; reason: string; evidence: Record<string, unknown> };

const width = (r: RunRecord): number => r.hiddenWidths[0]!;
const horizon = (r: RunRecord): number => r.rows.at(-1)?.epoch ?? 0;
const mean = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: readonly number[]): number => {
  if (v.length < 2) return 0;
  const m = mean(v);
  return Math.sqrt(v.reduce((a, b) => a + (b - m) * (b - m), 0) / (v.length - 1));
};
const round = (x: number | null | undefined, digits = 4): number | null =>
  x === null || x === undefined || !Number.isFinite(x) ? null : Number(x.toPrecision(digits));
const isMasked = (r: RunRecord): boolean => r.config.mask !== undefined;
const datasetOf = (r: RunRecord): string => r.dataset.split(":")[0]!;

/** A run's settings apart from its width, seed, length and mask (runs that differ only in those compare). */
function settingsKey(r: RunRecord): string {
  const { seed: _s, mask: _m, epochs: _e, hiddenWidths: _w, ...rest } = r.config;
  return canonicalJson(rest);
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

/** The unmasked runs of each dataset with its most common settings. */
function primaryRuns(runs: readonly RunRecord[]): Map<string, RunRecord[]> {
  const byDataset = new Map<string, Map<string, RunRecord[]>>();
  for (const r of runs.filter((x) => !isMasked(x))) {
    const d = byDataset.get(datasetOf(r)) ?? new Map<string, RunRecord[]>();
    const k = settingsKey(r);
    d.set(k, [...(d.get(k) ?? []), r]);
    byDataset.set(datasetOf(r), d);
  }
  const out = new Map<string, RunRecord[]>();
  for (const [d, variants] of [...byDataset].sort(([a], [b]) => a.localeCompare(b))) {
    out.set(d, [...variants.values()].sort((a, b) => b.length - a.length)[0]!);
  }
  return out;
}

function byWidth(runs: readonly RunRecord[]): Map<number, RunRecord[]> {
  const m = new Map<number, RunRecord[]>();
  for (const r of [...runs].sort((a, b) => width(a) - width(b))) m.set(width(r), [...(m.get(width(r)) ?? []), r]);
  return m;
}

/** Why a dataset's runs cannot test a claim, or null. */
function unmet(req: ClaimRequirements, dataset: string, runs: readonly RunRecord[]): string | null {
  if (runs.length === 0) return `no runs of ${dataset}`;
  const shortest = Math.min(...runs.map(horizon));
  if (req.minEpochs !== undefined && shortest < req.minEpochs)
    return `${dataset}: horizon too short (runs end at epoch ${shortest}; the claim needs ${req.minEpochs})`;
  const widths = byWidth(runs);
  if (req.minWidths !== undefined && widths.size < req.minWidths) return `${dataset}: ${widths.size} width(s); the claim needs ${req.minWidths}`;
  const fewest = Math.min(...[...widths.values()].map((v) => v.length));
  if (req.minSeeds !== undefined && fewest < req.minSeeds) return `${dataset}: too few seeds (${fewest} at some width; the claim needs ${req.minSeeds})`;
  const limited = runs.find((r) => r.config.trainLimit !== undefined);
  if (req.fullTrainSet && limited)
    return `${dataset}: runs train on ${limited.config.trainLimit} samples (--train-limit); the claim quotes losses on the whole training set`;
  return null;
}

/** The trainability width: one more than the widest width with a diverged run (0 when none diverged). */
function trainabilityWidth(runs: readonly RunRecord[]): number {
  const diverged = runs.filter((r) => r.regimes.t_div !== null).map(width);
  return diverged.length ? Math.max(...diverged) + 1 : 0;
}

function divergedCounts(runs: readonly RunRecord[]): Record<string, string> {
  return Object.fromEntries([...byWidth(runs)].map(([w, rs]) => [String(w), `${rs.filter((r) => r.regimes.t_div !== null).length}/${rs.length}`]));
}

function finalRmsd(rs: readonly RunRecord[]): number {
  return mean(rs.map((r) => r.rows.at(-1)!.rmsd));
}

/** Runs each dataset's part of a per-dataset claim; the claim holds where every tested dataset passes. */
function perDataset(
  datasets: Map<string, RunRecord[]>,
  req: ClaimRequirements,
  test: (runs: RunRecord[], dataset: string) => { pass: boolean | null; evidence: Record<string, unknown>; note?: string },
): Outcome {
  const evidence: Record<string, unknown> = {};
  const skipped: string[] = [];
  const results: boolean[] = [];
  for (const [d, runs] of datasets) {
    if (req.datasets && !req.datasets.includes(d)) continue;
    const why = unmet(req, d, runs);
    if (why) {
      skipped.push(why);
      continue;
    }
    const t = test(runs, d);
    evidence[d] = t.note ? { ...t.evidence, note: t.note } : t.evidence;
    if (t.pass === null) skipped.push(`${d}: ${t.note ?? "nothing to test"}`);
    else results.push(t.pass);
  }
  for (const d of req.datasets ?? []) if (!datasets.has(d)) skipped.push(`no runs of ${d} (dataset not installed, or not in the sweep)`);
  if (skipped.length) evidence.not_tested = skipped;
  if (results.length === 0) return { verdict: "not testable", reason: skipped.join("; ") || "no runs", evidence };
  const failed = Object.entries(evidence)
    .filter(([k, v]) => k !== "not_tested" && (v as { pass?: boolean }).pass === false)
    .map(([k]) => k);
  return results.every(Boolean)
    ? { verdict: "reproduced", reason: `holds on ${results.length} dataset(s)`, evidence }
    : { verdict: "not reproduced", reason: `fails on ${failed.join(", ")}`, evidence };
}

/** A claim over individual runs pooled across datasets (diverged runs, masked runs): the share that satisfy `test`. */
function pooled(
  candidates: readonly RunRecord[],
  minFraction: number,
  what: string,
  test: (r: RunRecord) => { pass: boolean | null; evidence: Record<string, unknown> },
  skipped: readonly string[] = [],
): Outcome {
  const rows = candidates.map((r) => ({ run: r.dir.split("/").slice(-1)[0], ...test(r) }));
  const tested = rows.filter((r) => r.pass !== null);
  const evidence: Record<string, unknown> = { runs: rows.map(({ run, pass, evidence: e }) => ({ run, pass, ...e })) };
  if (skipped.length) evidence.not_tested = skipped;
  if (tested.length === 0) return { verdict: "not testable", reason: [`no ${what}`, ...skipped].join("; "), evidence };
  const share = tested.filter((r) => r.pass).length / tested.length;
  evidence.share = round(share, 3);
  evidence.tested = tested.length;
  return share >= minFraction
    ? {
        verdict: "reproduced",
        reason: `${tested.filter((r) => r.pass).length} of ${tested.length} ${what} satisfy it (at least ${minFraction} needed)`,
        evidence,
      }
    : {
        verdict: "not reproduced",
        reason: `only ${tested.filter((r) => r.pass).length} of ${tested.length} ${what} satisfy it (at least ${minFraction} needed)`,
        evidence,
      };
}

/** Value of a series of metric rows at an epoch (rows are indexed by epoch from 0). */
function at(r: RunRecord, epoch: number, key: "rmsd" | "train_loss" | "mask_contrast"): number {
  const row = r.rows[Math.max(0, Math.min(r.rows.length - 1, epoch))]!;
  return row[key] ?? NaN;
}

function divergenceOf(r: RunRecord): Divergence | null {
  return r.regimes.t_div === null ? null : divergence(r.rows);
}

/** The departure of an analysed quantity from its trained-network value: c_opt and a1 from 1, a0 and sigma0 from 0. */
const REFERENCE: Record<string, number> = { c_opt: 1, a1: 1, a0: 0, sigma0: 0 };

/** Per width and layer, at each run's last analysed epoch: |mean - reference| + spread across seeds. */
function departures(rs: readonly RunRecord[], quantity: string): { layer: string; mean: number; std: number; departure: number }[] {
  const layers = [...new Set(rs.flatMap((r) => r.analyses.map((a) => a.layer)))].sort();
  return layers.flatMap((layer) => {
    const values = rs
      .map((r) => {
        const last = r.analyses.filter((a) => a.layer === layer).at(-1);
        return last ? (last as unknown as Record<string, number>)[quantity] : undefined;
      })
      .filter((v): v is number => typeof v === "number" && Number.isFinite(v));
    if (values.length === 0) return [];
    const m = mean(values),
      s = sd(values);
    return [{ layer, mean: m, std: s, departure: Math.abs(m - REFERENCE[quantity]!) + s }];
  });
}

function evaluateCheck(check: ClaimCheck, req: ClaimRequirements, runs: readonly RunRecord[]): Outcome {
  const primary = primaryRuns(runs);
  // Runs whose dataset meets the claim's requirements; the reasons of those that do not go into `skipped`.
  const skipped: string[] = [];
  const eligible = (rs: readonly RunRecord[]): RunRecord[] => {
    const byD = new Map<string, RunRecord[]>();
    for (const r of rs) byD.set(datasetOf(r), [...(byD.get(datasetOf(r)) ?? []), r]);
    return [...byD].flatMap(([d, group]) => {
      const why = unmet(req, d, group);
      if (why && !skipped.includes(why)) skipped.push(why);
      return why ? [] : group;
    });
  };
  const pooledHere = (candidates: readonly RunRecord[], minFraction: number, what: string, test: Parameters<typeof pooled>[3]): Outcome =>
    pooled(candidates, minFraction, what, test, skipped);
  switch (check.kind) {
    case "no-divergence":
      return perDataset(primary, req, (rs) => {
        const fraction = rs.filter((r) => r.regimes.t_div !== null).length / rs.length;
        return {
          pass: fraction <= check.maxDivergedFraction,
          evidence: {
            pass: fraction <= check.maxDivergedFraction,
            diverged_fraction: round(fraction, 3),
            diverged_by_width: divergedCounts(rs),
            horizon: Math.min(...rs.map(horizon)),
          },
        };
      });
    case "unstable-without-crossover":
      return perDataset(primary, req, (rs) => {
        const fraction = rs.filter((r) => r.regimes.t_div !== null).length / rs.length;
        const w = [...byWidth(rs)];
        const rmsd = w.map(([, g]) => finalRmsd(g));
        const lo = rmsd[0]!,
          hi = rmsd.at(-1)!;
        const mids = w
          .slice(1, -1)
          .filter((_, k) => rmsd[k + 1]! < lo && rmsd[k + 1]! > hi)
          .map(([x]) => x);
        const pass = fraction <= check.maxDivergedFraction && mids.length > 0;
        return {
          pass,
          evidence: {
            pass,
            diverged_fraction: round(fraction, 3),
            diverged_by_width: divergedCounts(rs),
            final_rmsd_by_width: Object.fromEntries(w.map(([x], k) => [String(x), round(rmsd[k])])),
            unstable_widths: mids,
          },
        };
      });
    case "divergence-threshold":
      return perDataset(primary, req, (rs) => {
        const T = trainabilityWidth(rs);
        const w = [...byWidth(rs)];
        const evidence: Record<string, unknown> = { diverged_by_width: divergedCounts(rs), trainability_width: T || null };
        if (T === 0) return { pass: false, evidence: { ...evidence, pass: false }, note: "no width diverged" };
        const near = Math.abs(T - check.threshold) <= check.thresholdTolerance * check.threshold;
        const wider = w.filter(([x]) => x >= T).map(([x]) => x);
        const unstable = w.filter(([x, g]) => x < T && g.some((r) => r.regimes.t_div !== null));
        const tDiv = unstable.map(([, g]) => {
          const t = censoredTime(g.map((r) => ({ time: r.regimes.t_div, horizon: horizon(r) })));
          return t.km_median ?? (t.median_beyond ?? 0) + 1;
        });
        const tMin = unstable.map(([, g]) => mean(g.map((r) => r.regimes.t_min_train)));
        const x = unstable.map(([v]) => v);
        const rhoDiv = rankCorrelation(x, tDiv),
          rhoMin = rankCorrelation(x, tMin);
        Object.assign(evidence, {
          threshold_near_paper: near,
          widths_at_or_above: wider,
          unstable_widths: x,
          t_div_km_median: tDiv,
          mean_t_min_train: tMin.map((v) => round(v)),
          rank_correlation_t_div: round(rhoDiv, 3),
          rank_correlation_t_min_train: round(rhoMin, 3),
        });
        if (x.length < 2) return { pass: null, evidence, note: `${x.length} diverging width(s) below the threshold: growth cannot be assessed` };
        const pass = near && wider.length > 0 && rhoDiv >= check.minRankCorrelation && rhoMin >= check.minRankCorrelation;
        evidence.pass = pass;
        return { pass, evidence };
      });
    case "rmsd-jumps-with-loss":
      return pooledHere(
        eligible(runs).filter((r) => r.regimes.t_div !== null),
        check.minFraction,
        "diverged runs",
        (r) => {
          const d = divergenceOf(r);
          if (!d || !Number.isFinite(at(r, d.plateau, "rmsd"))) return { pass: null, evidence: { note: "non-finite weights at divergence" } };
          let bestRise = -Infinity,
            riseAt = 0;
          for (let e = 1; e < r.rows.length; e++) {
            const rise = at(r, e, "rmsd") - at(r, e - 1, "rmsd");
            if (rise > bestRise) {
              bestRise = rise;
              riseAt = e;
            }
          }
          const after = r.rows.filter((row) => row.epoch > d.plateau).map((row) => row.rmsd);
          const ratio = at(r, d.plateau, "rmsd") / at(r, Math.max(0, d.onset - 1), "rmsd");
          const growth = after.length ? Math.max(...after) / at(r, d.plateau, "rmsd") : NaN;
          const inWindow = riseAt >= d.onset - check.maxLagEpochs && riseAt <= d.plateau + check.maxLagEpochs;
          const pass = after.length < 5 ? null : inWindow && ratio >= check.minJumpRatio && growth <= check.maxPlateauGrowth;
          return {
            pass,
            evidence: {
              t_div: d.onset,
              t_div_plateau: d.plateau,
              largest_rmsd_rise_at: riseAt,
              rmsd_jump_ratio: round(ratio),
              rmsd_growth_after_plateau: round(growth),
            },
          };
        },
      );
    case "no-recovery":
      return pooledHere(
        eligible(runs).filter((r) => r.regimes.t_div !== null),
        check.minFraction,
        "diverged runs with enough epochs after the plateau",
        (r) => {
          const d = divergenceOf(r);
          if (!d || !Number.isFinite(d.plateauLoss)) return { pass: null, evidence: { note: "non-finite loss" } };
          const later = r.rows.filter((row) => row.epoch > d.plateau).map((row) => row.train_loss);
          if (later.length < check.minEpochsAfter) return { pass: null, evidence: { t_div: d.onset, epochs_after_plateau: later.length } };
          const lowest = Math.min(...later);
          const share = (d.plateauLoss - lowest) / (d.plateauLoss - d.bestBefore);
          return {
            pass: share <= check.maxRecoveredShare,
            evidence: {
              t_div: d.onset,
              best_before: round(d.bestBefore),
              plateau_loss: round(d.plateauLoss),
              lowest_after: round(lowest),
              recovered_share: round(share, 3),
            },
          };
        },
      );
    case "min-loss-decreases":
      return perDataset(primary, req, (rs) => {
        const w = [...byWidth(rs)];
        const m = w.map(([, g]) => mean(g.map((r) => r.regimes.min_train_loss)));
        const rho = rankCorrelation(
          w.map(([x]) => x),
          m,
        );
        const pass = rho <= check.maxRankCorrelation;
        return {
          pass,
          evidence: {
            pass,
            mean_min_train_loss_by_width: Object.fromEntries(w.map(([x], k) => [String(x), round(m[k])])),
            mean_min_test_loss_by_width: Object.fromEntries(w.map(([x, g]) => [String(x), round(mean(g.map((r) => r.regimes.min_test_loss)))])),
            rank_correlation: round(rho, 3),
          },
        };
      });
    case "rmsd-at-theta-decreases":
      return perDataset(primary, req, (rs) => {
        const thetas = rs[0]!.regimes.t_theta.map((t) => t.theta);
        const perTheta: Record<string, unknown> = {};
        const passes: boolean[] = [];
        thetas.forEach((theta, k) => {
          const w = [...byWidth(rs)]
            .map(([x, g]) => [x, g.map((r) => r.regimes.t_theta[k]?.rmsd).filter((v): v is number => typeof v === "number")] as const)
            .filter(([, v]) => v.length > 0);
          if (w.length < check.minWidthsReaching) return;
          const rho = rankCorrelation(
            w.map(([x]) => x),
            w.map(([, v]) => mean(v)),
          );
          passes.push(rho <= check.maxRankCorrelation);
          perTheta[String(theta)] = {
            rmsd_at_t_theta_by_width: Object.fromEntries(w.map(([x, v]) => [String(x), round(mean(v))])),
            rank_correlation: round(rho, 3),
          };
        });
        if (passes.length === 0) return { pass: null, evidence: perTheta, note: `no theta reached by ${check.minWidthsReaching} widths` };
        const pass = passes.every(Boolean);
        return { pass, evidence: { pass, ...perTheta } };
      });
    case "loss-levels":
      return perDataset(primary, req, (rs) => {
        const w = byWidth(rs);
        const narrow = w.get(check.narrowWidth),
          wide = w.get(check.wideWidth);
        if (!narrow || !wide) return { pass: null, evidence: {}, note: `needs widths ${check.narrowWidth} and ${check.wideWidth}` };
        const narrowBest = Math.min(...narrow.map((r) => r.regimes.min_train_loss));
        const wideMean = mean(wide.map((r) => r.regimes.min_train_loss));
        const pass = narrowBest > check.neverBelow && wideMean >= check.reaches / check.factor && wideMean <= check.reaches * check.factor;
        return {
          pass,
          evidence: {
            pass,
            [`lowest_train_loss_width_${check.narrowWidth}`]: round(narrowBest),
            [`mean_min_train_loss_width_${check.wideWidth}`]: round(wideMean),
          },
        };
      });
    case "copt-wide-near-one":
      return perDataset(primary, req, (rs) => {
        const wideFrom = Math.max(check.wideMin, trainabilityWidth(rs));
        const wide = rs.filter((r) => width(r) >= wideFrom);
        if (wide.length === 0) return { pass: null, evidence: { wide_from: wideFrom }, note: `no width >= ${wideFrom}` };
        const devs = wide.flatMap((r) => r.analyses.filter((a) => a.epoch > 0).map((a) => ({ w: width(r), layer: a.layer, dev: Math.abs(a.c_opt - 1) })));
        const worst = devs.reduce((m, d) => (d.dev > m.dev ? d : m), { w: 0, layer: "", dev: 0 });
        const pass = worst.dev <= check.tolerance;
        return {
          pass,
          evidence: { pass, wide_from: wideFrom, analyses: devs.length, max_abs_c_opt_minus_1: round(worst.dev), at: `width ${worst.w} ${worst.layer}` },
        };
      });
    case "departs-below-threshold":
      return perDataset(primary, req, (rs) => {
        const T = trainabilityWidth(rs);
        if (T === 0)
          return {
            pass: null,
            evidence: { diverged_by_width: divergedCounts(rs) },
            note: "no width diverged, so there is no trainability width to compare across",
          };
        const below = [...byWidth(rs)].filter(([x, g]) => x < T && g.some((r) => r.regimes.t_div !== null));
        const wide = [...byWidth(rs)].filter(([x]) => x >= Math.max(T, check.wideMin));
        if (wide.length === 0)
          return { pass: null, evidence: { trainability_width: T }, note: `no width at or above ${Math.max(T, check.wideMin)} to compare with` };
        const evidence: Record<string, unknown> = { trainability_width: T };
        const passes = check.quantities.map((q) => {
          const b = below.flatMap(([x, g]) => departures(g, q).map((d) => ({ width: x, ...d })));
          const w = wide.flatMap(([x, g]) => departures(g, q).map((d) => ({ width: x, ...d })));
          const maxB = Math.max(0, ...b.map((d) => d.departure)),
            maxW = Math.max(0, ...w.map((d) => d.departure));
          const pass = maxB >= check.minDeparture && maxB >= check.minRatio * maxW;
          evidence[q] = {
            pass,
            max_departure_below: round(maxB),
            max_departure_wide: round(maxW),
            below: b.map((d) => ({ width: d.width, layer: d.layer, mean: round(d.mean), std: round(d.std) })),
            wide: w.map((d) => ({ width: d.width, layer: d.layer, mean: round(d.mean), std: round(d.std) })),
          };
          return pass;
        });
        const pass = passes.every(Boolean);
        evidence.pass = pass;
        return { pass, evidence };
      });
    case "large-weights-grow": {
      const candidates = [...primary].flatMap(([, rs]) => eligible(rs).filter((r) => width(r) === Math.max(...rs.map(width))));
      return pooledHere(
        candidates.flatMap((r) => {
          const last = Math.max(...r.analyses.map((a) => a.epoch));
          return r.analyses.filter((a) => a.epoch === last && last > 0).map((a) => ({ ...r, dir: `${r.dir}#${a.layer}`, analyses: [a] }));
        }),
        check.minFraction,
        "(run, layer) pairs of the widest networks",
        (r) => {
          const a = r.analyses[0]!;
          const b = a.bands;
          const bins = b.count.map((n, k) => ({ n, k })).filter((x) => x.n >= 20 && b.q25[x.k] !== null && b.q75[x.k] !== null && b.median[x.k] !== null);
          if (bins.length < 2) return { pass: null, evidence: { layer: a.layer } };
          const outer = (k: number) => ({ centre: (b.edges[k]! + b.edges[k + 1]!) / 2, q25: b.q25[k]!, median: b.median[k]!, q75: b.q75[k]! });
          const lo = outer(bins[0]!.k),
            hi = outer(bins.at(-1)!.k);
          // The band tilts outward: above the median for the largest positive w_i, below it for the most negative.
          const tilt = hi.q75 - hi.median > hi.median - hi.q25 && lo.median - lo.q25 > lo.q75 - lo.median;
          const keepsSign = hi.median > 0 && lo.median < 0;
          return {
            pass: a.a1 > 1 && tilt && keepsSign,
            evidence: {
              layer: a.layer,
              epoch: a.epoch,
              a1: round(a.a1, 6),
              outer_bins: {
                low: { centre: round(lo.centre), q25: round(lo.q25), median: round(lo.median), q75: round(lo.q75) },
                high: { centre: round(hi.centre), q25: round(hi.q25), median: round(hi.median), q75: round(hi.q75) },
              },
            },
          };
        },
      );
    }
    case "mask-keeps-loss": {
      const masked = eligible(runs.filter(isMasked));
      const groups = new Map<string, RunRecord[]>();
      for (const r of masked)
        groups.set(`${datasetOf(r)}|${width(r)}|${settingsKey(r)}`, [...(groups.get(`${datasetOf(r)}|${width(r)}|${settingsKey(r)}`) ?? []), r]);
      const pairs = [...groups.values()]
        .map((m) => {
          const plain = runs.filter(
            (r) => !isMasked(r) && datasetOf(r) === datasetOf(m[0]!) && width(r) === width(m[0]!) && settingsKey(r) === settingsKey(m[0]!),
          );
          return { m, plain };
        })
        .filter((p) => p.plain.length > 0);
      if (pairs.length === 0)
        return {
          verdict: "not testable",
          reason: [masked.length ? "no unmasked runs with the same dataset, width and settings as the masked ones" : "no masked runs", ...skipped].join("; "),
          evidence: { masked_runs: masked.length },
        };
      const rows = pairs.map(({ m, plain }) => {
        const compare = (key: "min_train_loss" | "min_test_loss") => {
          const a = m.map((r) => r.regimes[key]),
            b = plain.map((r) => r.regimes[key]);
          const diff = Math.abs(mean(a) - mean(b));
          const se = a.length > 1 && b.length > 1 ? Math.sqrt(sd(a) ** 2 / a.length + sd(b) ** 2 / b.length) : 0;
          const allowed = Math.max(check.maxRelativeDifference * mean(b), check.standardErrors * se);
          return { masked: round(mean(a)), unmasked: round(mean(b)), difference: round(diff), allowed: round(allowed), pass: diff <= allowed };
        };
        const train = compare("min_train_loss"),
          test = compare("min_test_loss");
        return {
          dataset: datasetOf(m[0]!),
          width: width(m[0]!),
          mask: `${m[0]!.config.mask!.source}@${m[0]!.config.mask!.layer}`,
          masked_seeds: m.length,
          unmasked_seeds: plain.length,
          min_train_loss: train,
          min_test_loss: test,
          pass: train.pass && test.pass,
        };
      });
      const pass = rows.every((r) => r.pass);
      return {
        verdict: pass ? "reproduced" : "not reproduced",
        reason: pass
          ? `${rows.length} masked group(s) train to the unmasked loss within tolerance`
          : `${rows.filter((r) => !r.pass).length} of ${rows.length} masked group(s) differ beyond tolerance`,
        evidence: { groups: rows },
      };
    }
    case "mask-visible": {
      const masked = eligible(runs.filter(isMasked));
      const candidates = masked.filter(
        (r) => r.regimes.t_div === null && width(r) >= Math.max(check.wideMin, trainabilityWidth(primary.get(datasetOf(r)) ?? [])),
      );
      return pooledHere(candidates, 1, `masked runs of width >= ${check.wideMin} that did not diverge`, (r) => {
        const c = r.rows.at(-1)!.mask_contrast;
        return {
          pass: c === undefined ? null : c <= check.maxContrast,
          evidence: { dataset: r.dataset, width: width(r), epoch: horizon(r), final_mask_contrast: round(c) },
        };
      });
    }
    case "mask-lost-at-divergence": {
      const candidates = eligible(runs.filter(isMasked)).filter((r) => r.regimes.t_div !== null);
      return pooledHere(candidates, 0.8, "masked runs that diverged", (r) => {
        const d = divergenceOf(r)!;
        const c0 = at(r, 0, "mask_contrast"),
          cEnd = r.rows.at(-1)!.mask_contrast ?? NaN;
        const across = at(r, Math.min(horizon(r), d.plateau + 1), "mask_contrast") - at(r, Math.max(0, d.onset - 1), "mask_contrast");
        const share = across / (cEnd - c0);
        if (!Number.isFinite(cEnd)) return { pass: null, evidence: { note: "no mask contrast" } };
        return {
          pass: cEnd >= check.minFinalContrast && share >= check.minShareAtJump,
          evidence: { dataset: r.dataset, width: width(r), t_div: d.onset, final_mask_contrast: round(cEnd), share_of_rise_at_divergence: round(share, 3) },
        };
      });
    }
    case "weak-learners":
      return perDataset(primary, req, (rs) => {
        const w = [...byWidth(rs)];
        const [narrow, group] = w[0]!;
        if (narrow > check.maxNarrowWidth) return { pass: null, evidence: {}, note: `narrowest width ${narrow} is above ${check.maxNarrowWidth}` };
        const loss = w.map(([, g]) => mean(g.map((r) => r.regimes.min_train_loss)));
        const rmsd = w.map(([, g]) => finalRmsd(g));
        const growth = mean(group.map((r) => r.rows.at(-1)!.rmsd / at(r, Math.floor(horizon(r) / 2), "rmsd")));
        const pass = loss.slice(1).every((v) => loss[0]! > v) && rmsd.slice(1).every((v) => rmsd[0]! > v) && growth > check.minGrowth;
        return {
          pass,
          evidence: {
            pass,
            narrowest_width: narrow,
            mean_min_train_loss_by_width: Object.fromEntries(w.map(([x], k) => [String(x), round(loss[k])])),
            final_rmsd_by_width: Object.fromEntries(w.map(([x], k) => [String(x), round(rmsd[k])])),
            narrow_rmsd_growth_second_half: round(growth),
          },
        };
      });
    case "final-rmsd-decreases":
      return perDataset(primary, req, (rs) => {
        const w = [...byWidth(rs.filter((r) => r.regimes.t_div === null))];
        if (w.length < 3) return { pass: null, evidence: {}, note: "fewer than 3 widths without divergence" };
        const rmsd = w.map(([, g]) => finalRmsd(g));
        const rho = rankCorrelation(
          w.map(([x]) => x),
          rmsd,
        );
        const pass = rho <= check.maxRankCorrelation;
        return {
          pass,
          evidence: { pass, final_rmsd_by_width: Object.fromEntries(w.map(([x], k) => [String(x), round(rmsd[k])])), rank_correlation: round(rho, 3) },
        };
      });
  }
}

/** The predicate of a check in words, with its tolerances. */
export function describeCheck(check: ClaimCheck): string {
  switch (check.kind) {
    case "no-divergence":
      return `share of ${check.dataset} runs that diverge <= ${check.maxDivergedFraction}`;
    case "unstable-without-crossover":
      return `share of ${check.dataset} runs that diverge <= ${check.maxDivergedFraction}, and some mid width's final RMSD lies strictly between the narrowest's and the widest's`;
    case "divergence-threshold":
      return `some width diverges; the trainability width is within ${check.thresholdTolerance * 100}% of ${check.threshold}; a width at or above it was run (none of its runs diverged by definition); below it, rank correlation of width with t_div and with t_min_train >= ${check.minRankCorrelation} over the diverging widths`;
    case "rmsd-jumps-with-loss":
      return `in at least ${check.minFraction * 100}% of diverged runs: the largest one-epoch RMSD rise falls within ${check.maxLagEpochs} epochs of [t_div, t_div_plateau], RMSD grows at least ${check.minJumpRatio}x across it, and at most ${check.maxPlateauGrowth}x after the plateau`;
    case "no-recovery":
      return `in at least ${check.minFraction * 100}% of diverged runs with >= ${check.minEpochsAfter} epochs after the plateau, the lowest later train loss wins back at most ${check.maxRecoveredShare * 100}% of the way from the plateau to the pre-divergence best`;
    case "min-loss-decreases":
      return `per dataset, rank correlation of width with mean minimum train loss <= ${check.maxRankCorrelation}`;
    case "rmsd-at-theta-decreases":
      return `per dataset and theta reached by >= ${check.minWidthsReaching} widths, rank correlation of width with mean RMSD(t_theta) <= ${check.maxRankCorrelation}`;
    case "loss-levels":
      return `${check.dataset}: no width-${check.narrowWidth} run reaches train loss ${check.neverBelow}; width ${check.wideWidth}'s mean minimum train loss within a factor ${check.factor} of ${check.reaches}`;
    case "copt-wide-near-one":
      return `|c_opt - 1| <= ${check.tolerance} at every analysed epoch >= 1, layer and run of widths >= max(${check.wideMin}, trainability width)`;
    case "departs-below-threshold":
      return `for ${check.quantities.join(", ")}: the largest departure (|mean - reference| + std across seeds, reference 1 for c_opt and a1, 0 for a0 and sigma0) among diverging widths below the trainability width is >= ${check.minRatio}x that of widths >= max(${check.wideMin}, trainability width)${check.minDeparture ? ` and >= ${check.minDeparture}` : ""}`;
    case "large-weights-grow":
      return `in at least ${check.minFraction * 100}% of (run, layer) pairs of each dataset's widest width: a1 > 1, the median w_f of the outermost w_i bins keeps their sign, and the interquartile band is skewed outward there`;
    case "mask-keeps-loss":
      return `masked and unmasked mean minimum train and test loss differ by at most max(${check.maxRelativeDifference * 100}% of the unmasked, ${check.standardErrors} standard errors)`;
    case "mask-visible":
      return `every masked run of width >= ${check.wideMin} that did not diverge ends with mask contrast <= ${check.maxContrast}`;
    case "mask-lost-at-divergence":
      return `in at least 80% of masked diverged runs: final mask contrast >= ${check.minFinalContrast}, and at least ${check.minShareAtJump * 100}% of its rise happens across [t_div - 1, t_div_plateau + 1]`;
    case "weak-learners":
      return `per dataset, the narrowest width (<= ${check.maxNarrowWidth}) has the highest mean minimum train loss and the largest final RMSD, and its RMSD at the end is more than ${check.minGrowth}x its half-way value`;
    case "final-rmsd-decreases":
      return `per dataset, rank correlation of width with mean final RMSD (runs that did not diverge) <= ${check.maxRankCorrelation}`;
  }
}

function evaluateClaim(c: ClaimSpec, runs: readonly RunRecord[]): ClaimResult {
  const { kind: _k, ...tolerances } = c.check;
  const o = evaluateCheck(c.check, c.requires, runs);
  return {
    id: c.id,
    source: c.source,
    statement: c.statement,
    quantity: c.quantity,
    predicate: describeCheck(c.check),
    tolerances: { ...tolerances, requires: c.requires },
    verdict: o.verdict,
    reason: o.reason,
    evidence: o.evidence,
  };
}

/** claims.json: the verdicts and what they were computed from. */
export function claimsDocument(results: readonly ClaimResult[], runs: number): Record<string, unknown> {
  const counts: Record<string, number> = { reproduced: 0, "not reproduced": 0, "not testable": 0 };
  for (const r of results) counts[r.verdict]!++;
  return { format: "initdrift-claims", format_version: 1, paper: "Jesus et al. 2021, Mathematics 9(18) 2246", runs, counts, claims: results };
}
