/**
 * Per-run regimes from the loss curves (Figure 4c, d; Figure 6).
 *
 * Rows are the metrics rows, epoch 0 first.
 * - t_min_test, t_min_train: epoch of the minimum test / train loss (first on
 *   ties; epoch 0 included).
 * - Divergence (the paper: the train loss "abruptly increases" and "reaches
 *   the plateau"). Detected at the first epoch t >= 1 whose train loss L(t)
 *   jumps, against the lowest train loss `best` before t, either
 *     abruptly: above max(JUMP_FACTOR * best, best + JUMP_MIN), or
 *     by a collapse: above max(COLLAPSE_FACTOR * level, level + COLLAPSE_MIN)
 *     (a plateau below 10x best, e.g. every ReLU dead and the loss at the
 *     label entropy), where `level` is the larger of best and the median of
 *     the CONFIRM epochs before t (so one lucky low epoch is no baseline),
 *   and stays up: the median of the next CONFIRM epochs (fewer at the end of
 *   the run, at least CONFIRM_MIN) is above the tier's stay level
 *   (max(STAY_FACTOR * best, best + STAY_MIN), or max(COLLAPSE_STAY_FACTOR *
 *   level, level + COLLAPSE_STAY_MIN)). A non-finite loss diverges at once.
 *   - t_div, the onset: the earliest epoch after the epoch of `best` from
 *     which the loss stays above max(2 best, best + STAY_MIN) up to the
 *     detection (the detection epoch itself for an abrupt jump).
 *   - t_div_plateau: the first epoch from the onset whose loss covers 90% of
 *     the way from `best` to the plateau level (the median of L over the
 *     detection epoch and the CONFIRM after it), and that level.
 *   Ordinary SGD noise moves an epoch's mean loss by a few percent, an order
 *   of magnitude below these thresholds; the clip at 1e-7 makes a diverged
 *   network's loss sit on a plateau of up to 16.1.
 * - t_theta: the first epoch whose train loss is <= theta (epoch 0 counts),
 *   with the RMSD at that epoch; null when never reached.
 */
export const JUMP_FACTOR = 10;
export const JUMP_MIN = 0.1;
export const STAY_FACTOR = 5;
export const STAY_MIN = 0.05;
export const COLLAPSE_FACTOR = 2;
export const COLLAPSE_MIN = 0.5;
export const COLLAPSE_STAY_FACTOR = 1.5;
export const COLLAPSE_STAY_MIN = 0.25;
export const CONFIRM = 10;
export const CONFIRM_MIN = 2;
export const DEFAULT_THETAS = [1, 0.1, 0.01, 0.001, 0.0001];

export interface LossRow {
  epoch: number;
  train_loss: number;
  test_loss: number;
  rmsd: number;
}

export interface Regimes {
  t_min_test: number;
  min_test_loss: number;
  t_min_train: number;
  min_train_loss: number;
  /** Onset of the divergence (null: never diverged). */
  t_div: number | null;
  /** Epoch the post-divergence plateau is reached, and its level. */
  t_div_plateau: number | null;
  div_plateau_loss: number | null;
  /** The last epoch of the rows: times not reached by then are censored there. */
  horizon: number;
  t_theta: { theta: number; epoch: number | null; rmsd: number | null }[];
}

function argmin(rows: readonly LossRow[], key: "train_loss" | "test_loss"): number {
  let best = 0;
  for (let i = 1; i < rows.length; i++) if (rows[i]![key] < rows[best]![key]) best = i;
  return best;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface Divergence {
  /** Onset, detection and plateau epochs. */
  onset: number;
  detected: number;
  plateau: number;
  /** Median train loss just after the detection, and the best train loss before it. */
  plateauLoss: number;
  bestBefore: number;
}

const finiteOr = (x: number): number => (Number.isFinite(x) ? x : Infinity);

export function divergence(rows: readonly LossRow[]): Divergence | null {
  let best = Infinity,
    bestAt = -1;
  for (let i = 0; i < rows.length; i++) {
    const { epoch, train_loss: L } = rows[i]!;
    if (epoch >= 1 && (!Number.isFinite(L) || Number.isFinite(best))) {
      const next = rows.slice(i + 1, i + 1 + CONFIRM).map((r) => finiteOr(r.train_loss));
      const stays = (ref: number, factor: number, min: number): boolean => next.length >= CONFIRM_MIN && median(next) > Math.max(factor * ref, ref + min);
      const before = rows.slice(Math.max(1, i - CONFIRM), i).map((r) => finiteOr(r.train_loss));
      const level = Math.max(best, before.length ? median(before) : best);
      const abrupt = L > Math.max(JUMP_FACTOR * best, best + JUMP_MIN) && stays(best, STAY_FACTOR, STAY_MIN);
      const collapse = L > Math.max(COLLAPSE_FACTOR * level, level + COLLAPSE_MIN) && stays(level, COLLAPSE_STAY_FACTOR, COLLAPSE_STAY_MIN);
      if (!Number.isFinite(L) || abrupt || collapse) {
        const left = Math.max(2 * best, best + STAY_MIN);
        let onsetAt = i;
        while (onsetAt - 1 > bestAt && finiteOr(rows[onsetAt - 1]!.train_loss) > left) onsetAt--;
        const level = Number.isFinite(L) ? median([L, ...next]) : Infinity;
        const reach = Number.isFinite(best) ? best + 0.9 * (level - best) : level;
        let plateauAt = onsetAt;
        while (plateauAt < rows.length - 1 && finiteOr(rows[plateauAt]!.train_loss) < reach) plateauAt++;
        return { onset: rows[onsetAt]!.epoch, detected: epoch, plateau: rows[plateauAt]!.epoch, plateauLoss: level, bestBefore: best };
      }
    }
    if (L < best) {
      best = L;
      bestAt = i;
    }
  }
  return null;
}

/** The onset of divergence, or null. */
export function divergenceEpoch(rows: readonly LossRow[]): number | null {
  return divergence(rows)?.onset ?? null;
}

export function regimes(rows: readonly LossRow[], thetas: readonly number[] = DEFAULT_THETAS): Regimes {
  if (rows.length === 0) throw new RangeError("regimes need at least one metrics row");
  const iTest = argmin(rows, "test_loss"),
    iTrain = argmin(rows, "train_loss");
  const div = divergence(rows);
  return {
    t_min_test: rows[iTest]!.epoch,
    min_test_loss: rows[iTest]!.test_loss,
    t_min_train: rows[iTrain]!.epoch,
    min_train_loss: rows[iTrain]!.train_loss,
    t_div: div?.onset ?? null,
    t_div_plateau: div?.plateau ?? null,
    div_plateau_loss: div && Number.isFinite(div.plateauLoss) ? div.plateauLoss : null,
    horizon: rows.at(-1)!.epoch,
    t_theta: thetas.map((theta) => {
      const hit = rows.find((r) => r.train_loss <= theta);
      return { theta, epoch: hit?.epoch ?? null, rmsd: hit?.rmsd ?? null };
    }),
  };
}
