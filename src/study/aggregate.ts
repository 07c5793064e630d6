import { canonicalJson } from "../codec/canonicalJson.js";
import type { RunRecord } from "../run/record.js";
import { censoredTime, type CensoredTime } from "../analysis/censored.js";
import type { Excursion } from "../analysis/regimes.js";

/**
 * Statistics across the seeds of one (dataset, widths) group: the data of
 * Figures 4c-d, 5, 6, A1 and A2. Mean and sample standard deviation (n - 1;
 * null for n < 2) over the runs that have the value: t_div over the runs that
 * diverged, t_theta over the runs that reached theta, series per epoch over
 * the runs that reached that epoch. The counts n say how many. Because those
 * means leave out the runs that never got there, t_div and every t_theta are
 * also summarised with censoring (`times`: share of runs that reached the
 * time, Kaplan-Meier median).
 */
export interface Stat {
  mean: number | null;
  std: number | null;
  n: number;
}

export interface EpochStat extends Stat {
  epoch: number;
}

export interface GroupSummary {
  dataset: string;
  hidden_widths: number[];
  /** "" or e.g. "init-scale 0.1": what else sets the group apart. */
  variant: string;
  init_scale: number;
  runs: number;
  seeds: number[];
  statuses: Record<string, number>;
  scalars: Record<string, Stat>;
  /** t_div and t_theta_<theta> with censoring at each run's horizon. */
  times: Record<string, CensoredTime>;
  /** Every run's loss excursions (jumps that came back down: never a t_div), with its seed. */
  excursions: (Excursion & { seed: number })[];
  /** Per-epoch series of the metrics rows: train_loss, test_loss, ..., rmsd_W1, ... */
  series: Record<string, EpochStat[]>;
  /** Per layer, per analysed epoch: c_opt, a0, a1, sigma0, rmsd. */
  layers: Record<string, Record<string, EpochStat[]>>;
}

export function stat(values: readonly (number | null | undefined)[]): Stat {
  const v = values.filter((x): x is number => typeof x === "number" && Number.isFinite(x));
  const n = v.length;
  if (n === 0) return { mean: null, std: null, n };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const std = n < 2 ? null : Math.sqrt(v.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (n - 1));
  return { mean, std, n };
}

function series(points: { epoch: number; value: number }[]): EpochStat[] {
  const byEpoch = new Map<number, number[]>();
  for (const p of points) byEpoch.set(p.epoch, [...(byEpoch.get(p.epoch) ?? []), p.value]);
  return [...byEpoch.entries()].sort(([a], [b]) => a - b).map(([epoch, values]) => ({ epoch, ...stat(values) }));
}

const ROW_SERIES = ["train_loss", "test_loss", "train_accuracy", "test_accuracy", "rmsd"] as const;
const LAYER_SERIES = ["c_opt", "a0", "a1", "sigma0", "rmsd"] as const;
const OPTIONAL_LAYER_SERIES = ["hessian_top", "hessian_top_network", "hessian_gain"] as const;
const CONDENSATION_SERIES = ["orientations", "condensed_fraction", "largest_fraction"] as const;

/** What `selectRuns` kept, and what it left out with the reason. */
export interface RunSelection {
  runs: RunRecord[];
  /** Runs of a configuration and seed already counted (a copy, a run given twice): counted once, the first by directory. */
  duplicates: string[];
  /** Runs that did not finish (running, interrupted, failed): left out unless asked for. */
  unfinished: string[];
}

/**
 * The runs an aggregate may mix, and the label of each group saying what
 * differs: one run per configuration and seed; finished runs only unless
 * `includeUnfinished`; and where runs of one (dataset, widths, variant)
 * differ in length, each length its own group, "N epochs" in its label.
 */
export function selectRuns(records: readonly RunRecord[], includeUnfinished = false): RunSelection {
  const seen = new Set<string>();
  const duplicates: string[] = [],
    unfinished: string[] = [];
  const kept: RunRecord[] = [];
  for (const r of [...records].sort((a, b) => a.dir.localeCompare(b.dir))) {
    const identity = `${r.dataset}|${canonicalJson(r.config)}`;
    if (seen.has(identity)) {
      duplicates.push(r.dir);
      continue;
    }
    seen.add(identity);
    if (!includeUnfinished && r.status !== "completed" && r.status !== "diverged") {
      unfinished.push(r.dir);
      continue;
    }
    kept.push(r);
  }
  const lengths = new Map<string, Set<number>>();
  for (const r of kept) {
    const key = groupKey(r.dataset, r.hiddenWidths, r.variant);
    lengths.set(key, (lengths.get(key) ?? new Set()).add(r.config.epochs));
  }
  const runs = kept.map((r) => {
    if (lengths.get(groupKey(r.dataset, r.hiddenWidths, r.variant))!.size < 2) return r;
    return { ...r, variant: [r.variant, `${r.config.epochs} epochs`].filter(Boolean).join(", ") };
  });
  return { runs, duplicates, unfinished };
}

export function groupKey(dataset: string, hiddenWidths: readonly number[], variant = ""): string {
  return `${dataset}/${hiddenWidths.join("x")}${variant ? `/${variant}` : ""}`;
}

/** Groups runs by (dataset, hidden widths), ordered by dataset then first width. */
export function aggregate(runs: readonly RunRecord[]): GroupSummary[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const key = groupKey(r.dataset, r.hiddenWidths, r.variant);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()]
    .sort(
      (a, b) =>
        a[0]!.dataset.localeCompare(b[0]!.dataset) ||
        a[0]!.hiddenWidths[0]! - b[0]!.hiddenWidths[0]! ||
        groupKey("", a[0]!.hiddenWidths).localeCompare(groupKey("", b[0]!.hiddenWidths)) ||
        a[0]!.initScale - b[0]!.initScale ||
        a[0]!.variant.localeCompare(b[0]!.variant),
    )
    .map(summarizeGroup);
}

/** One group's statistics across its seeds: scalars, censored times, excursions, per-epoch series of the rows and of each layer. */
function summarizeGroup(members: RunRecord[]): GroupSummary {
  const first = members[0]!;
  const statuses: Record<string, number> = {};
  for (const m of members) statuses[m.status] = (statuses[m.status] ?? 0) + 1;
  return {
    dataset: first.dataset,
    hidden_widths: first.hiddenWidths,
    variant: first.variant,
    init_scale: first.initScale,
    runs: members.length,
    seeds: members.map((m) => m.seed).sort((a, b) => a - b),
    statuses,
    scalars: groupScalars(members),
    times: groupTimes(members),
    excursions: members.flatMap((m) => m.regimes.excursions.map((e) => ({ seed: m.seed, ...e }))),
    series: rowSeries(members),
    layers: layerSeries(members),
  };
}

/** The regimes' times and levels (mean over the runs that have them), with t_theta and the RMSD there for each theta. */
function groupScalars(members: readonly RunRecord[]): Record<string, Stat> {
  const first = members[0]!;
  const scalars: Record<string, Stat> = {
    t_min_test: stat(members.map((m) => m.regimes.t_min_test)),
    min_test_loss: stat(members.map((m) => m.regimes.min_test_loss)),
    t_min_train: stat(members.map((m) => m.regimes.t_min_train)),
    min_train_loss: stat(members.map((m) => m.regimes.min_train_loss)),
    t_div: stat(members.map((m) => m.regimes.t_div)),
    t_div_plateau: stat(members.map((m) => m.regimes.t_div_plateau)),
    t_div_censored: stat(members.map((m) => m.regimes.t_div_censored)),
    excursions: stat(members.map((m) => m.regimes.excursions.length)),
  };
  for (const [k, t] of first.regimes.t_theta.entries()) {
    scalars[`t_theta_${t.theta}`] = stat(members.map((m) => m.regimes.t_theta[k]?.epoch));
    scalars[`rmsd_t_theta_${t.theta}`] = stat(members.map((m) => m.regimes.t_theta[k]?.rmsd));
  }
  return scalars;
}

/** t_div and each t_theta with censoring at each run's horizon. */
function groupTimes(members: readonly RunRecord[]): Record<string, CensoredTime> {
  const times: Record<string, CensoredTime> = {
    t_div: censoredTime(members.map((m) => ({ time: m.regimes.t_div, horizon: m.regimes.horizon }))),
    t_div_plateau: censoredTime(members.map((m) => ({ time: m.regimes.t_div_plateau, horizon: m.regimes.horizon }))),
  };
  for (const [k, t] of members[0]!.regimes.t_theta.entries()) {
    times[`t_theta_${t.theta}`] = censoredTime(members.map((m) => ({ time: m.regimes.t_theta[k]?.epoch ?? null, horizon: m.regimes.horizon })));
  }
  return times;
}

/** Per-epoch series of the metrics rows: losses, accuracies, RMSD overall and per layer (rmsd_W1, ...). */
function rowSeries(members: readonly RunRecord[]): Record<string, EpochStat[]> {
  const out: Record<string, EpochStat[]> = {};
  for (const key of ROW_SERIES) out[key] = series(members.flatMap((m) => m.rows.map((r) => ({ epoch: r.epoch, value: r[key] }))));
  const layerCount = members[0]!.rows[0]?.rmsd_by_layer.length ?? 0;
  for (let l = 0; l < layerCount; l++) {
    out[`rmsd_W${l + 1}`] = series(members.flatMap((m) => m.rows.map((r) => ({ epoch: r.epoch, value: r.rmsd_by_layer[l]! }))));
  }
  return out;
}

/** Per-epoch series of each analysed layer: c_opt, moments, RMSD, and the Hessian and condensation measures where recorded. */
function layerSeries(members: readonly RunRecord[]): Record<string, Record<string, EpochStat[]>> {
  const layers: Record<string, Record<string, EpochStat[]>> = {};
  const layerNames = [...new Set(members.flatMap((m) => m.analyses.map((a) => a.layer)))].sort();
  for (const name of layerNames) {
    const of = members.map((m) => m.analyses.filter((a) => a.layer === name));
    const layer: Record<string, EpochStat[]> = {};
    for (const key of LAYER_SERIES) layer[key] = series(of.flatMap((as) => as.map((a) => ({ epoch: a.epoch, value: a[key] }))));
    for (const key of OPTIONAL_LAYER_SERIES) {
      const points = of.flatMap((as) => as.filter((a) => a[key] !== undefined).map((a) => ({ epoch: a.epoch, value: a[key]! })));
      if (points.length) layer[key] = series(points);
    }
    for (const key of CONDENSATION_SERIES) {
      const points = of.flatMap((as) => as.filter((a) => a.condensation).map((a) => ({ epoch: a.epoch, value: a.condensation![key] })));
      if (points.length) layer[key] = series(points);
    }
    layers[name] = layer;
  }
  return layers;
}

/** summary.csv's first line: its columns (long format). */
export const SUMMARY_CSV_HEADER = "dataset,hidden_widths,variant,quantity,layer,epoch,mean,std,n";

/** summary.csv: one row per (group, quantity, layer, epoch), long format. */
export function summaryCsv(groups: readonly GroupSummary[]): string {
  const lines = [SUMMARY_CSV_HEADER];
  const cell = (x: number | null) => (x === null ? "" : String(x));
  for (const g of groups) {
    const id = `${g.dataset},${g.hidden_widths.join("x")},${g.variant.replace(/,/g, ";")}`;
    for (const [q, s] of Object.entries(g.scalars)) lines.push(`${id},${q},,,${cell(s.mean)},${cell(s.std)},${s.n}`);
    // Censored times: the share that reached it (n = runs) and the Kaplan-Meier median (empty when beyond the horizon).
    for (const [q, t] of Object.entries(g.times)) {
      lines.push(`${id},${q}_reached_fraction,,,${t.fraction},,${t.runs}`);
      lines.push(`${id},${q}_km_median,,,${cell(t.km_median)},,${t.runs}`);
    }
    for (const e of g.excursions) {
      lines.push(`${id},excursion_onset_seed_${e.seed},,${e.onset},${e.onset},,1`);
      lines.push(`${id},excursion_length_seed_${e.seed},,${e.onset},${e.length},,1`);
      lines.push(`${id},excursion_height_seed_${e.seed},,${e.onset},${e.height},,1`);
      lines.push(`${id},excursion_rmsd_ratio_seed_${e.seed},,${e.onset},${cell(e.rmsd_ratio)},,1`);
    }
    for (const [q, points] of Object.entries(g.series)) for (const p of points) lines.push(`${id},${q},,${p.epoch},${cell(p.mean)},${cell(p.std)},${p.n}`);
    for (const [layer, qs] of Object.entries(g.layers)) {
      for (const [q, points] of Object.entries(qs)) for (const p of points) lines.push(`${id},${q},${layer},${p.epoch},${cell(p.mean)},${cell(p.std)},${p.n}`);
    }
  }
  return lines.join("\n") + "\n";
}
