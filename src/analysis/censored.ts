/**
 * Times to an event (divergence, reaching a loss theta) across the seeds of
 * one width, where a run that never saw the event within its horizon is
 * censored there, not dropped. Averaging only the runs that reached the
 * event biases the time low exactly where it matters: near the
 * trainability width, where most runs take longer than the horizon.
 */
export interface CensoredObservation {
  /** Epoch of the event, or null if it did not happen by `horizon`. */
  time: number | null;
  /** Last epoch observed. */
  horizon: number;
}

export interface CensoredTime {
  runs: number;
  /** Runs that saw the event, and their share. */
  reached: number;
  fraction: number;
  /**
   * Kaplan-Meier median: the first event time at which the estimated share
   * of runs still without the event falls to 1/2 or below. null when it never
   * does within the horizons.
   */
  km_median: number | null;
  /** When km_median is null: the median lies beyond this epoch (the longest horizon). */
  median_beyond: number | null;
}

/** Kaplan-Meier median of censored times (ties: events before censoring at the same epoch). */
export function censoredTime(observations: readonly CensoredObservation[]): CensoredTime {
  const runs = observations.length;
  const events = observations
    .filter((o) => o.time !== null)
    .map((o) => o.time!)
    .sort((a, b) => a - b);
  const reached = events.length;
  let survival = 1,
    median: number | null = null;
  for (const t of [...new Set(events)]) {
    // At risk at t: runs whose event or censoring comes at t or later.
    const atRisk = observations.filter((o) => (o.time ?? o.horizon + 0.5) >= t).length;
    const d = events.filter((e) => e === t).length;
    survival *= 1 - d / atRisk;
    if (survival <= 0.5 + 1e-12) {
      median = t;
      break;
    }
  }
  const longest = observations.reduce((m, o) => Math.max(m, o.horizon), 0);
  return { runs, reached, fraction: runs ? reached / runs : 0, km_median: median, median_beyond: median === null && runs > 0 ? longest : null };
}
