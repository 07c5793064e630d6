/**
 * Per-run regimes from the loss curves (Figure 4c, d; Figure 6).
 *
 * Rows are the metrics rows, epoch 0 first.
 * - t_min_test, t_min_train: epoch of the minimum test / train loss (first on
 *   ties; epoch 0 included).
 * - Jumps. The paper's divergence is the crossover into untrainability: the
 *   train loss "abruptly increases", reaches a plateau and "can no longer be
 *   reduced by more training" (Section 2.2); trainable or not is decided
 *   "after infinite training" (Section 5). So a jump is found first, then
 *   classified by what the rest of the run does.
 *   A jump is the first epoch t >= 1 whose train loss L(t), against
 *   `level` (the larger of the lowest loss `best` before t and the median of
 *   the CONFIRM epochs before t, so a slow drift upward never jumps and one
 *   lucky low epoch is no baseline), is either
 *     abrupt: above max(JUMP_FACTOR * level, level + JUMP_MIN), or
 *     a collapse: above max(COLLAPSE_FACTOR * level, level + COLLAPSE_MIN)
 *     (a plateau below 10x, e.g. every ReLU dead and the loss at the label
 *     entropy).
 *   Its return level R is max(STAY_FACTOR * best, best + STAY_MIN) for an
 *   abrupt jump, max(COLLAPSE_STAY_FACTOR * level, level + COLLAPSE_STAY_MIN)
 *   for a collapse.
 *   - An excursion: the loss comes back to R or below before the run ends.
 *     Its onset, the epoch it is back (end), its length, its peak and height
 *     (peak / best), and whether the RMSD moved across it (RMSD at the end
 *     over RMSD just before the onset, moved at EXCURSION_RMSD_MOVED or
 *     more). The scan goes on after it.
 *   - A divergence: the loss never comes back to R for the rest of the run,
 *     and at least CENSOR_EPOCHS epochs follow the jump. A non-finite loss
 *     diverges at once (non-finite weights never come back; the run stops).
 *   - Censored: the loss has not come back, but fewer than CENSOR_EPOCHS
 *     epochs follow the jump: too close to the horizon to tell a divergence
 *     from an excursion. Reported as t_div_censored, never as t_div.
 *   - t_div, the onset: the earliest epoch after the epoch of `best` from
 *     which the loss stays above max(2 best, best + STAY_MIN) up to the
 *     jump (the jump's epoch itself when abrupt).
 *   - t_div_plateau: the first epoch from the onset whose loss covers 90% of
 *     the way from `best` to the plateau level (the median of L over the
 *     jump's epoch and the CONFIRM after it), and that level.
 *   Ordinary SGD noise moves an epoch's mean loss by a few percent, an order
 *   of magnitude below these thresholds; the clip at 1e-7 makes a diverged
 *   network's loss sit on a plateau of up to 16.1. CENSOR_EPOCHS is 50: the
 *   excursions seen in this project's runs lasted under 20 epochs, and the
 *   paper's plateaus last hundreds.
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
export const CENSOR_EPOCHS = 50;
export const EXCURSION_RMSD_MOVED = 1.5;
export const DEFAULT_THETAS = [1, 0.1, 0.01, 0.001, 0.0001];

export interface LossRow {
  epoch: number;
  train_loss: number;
  test_loss: number;
  rmsd: number;
}

/** A jump of the train loss that came back down (not a divergence). */
export interface Excursion {
  onset: number;
  /** First epoch back at or below the return level. */
  end: number;
  length: number;
  peak_loss: number;
  best_before: number;
  /** peak_loss / best_before. */
  height: number;
  /** RMSD at `end` over RMSD just before the onset; null where either is 0 or non-finite. */
  rmsd_ratio: number | null;
  rmsd_moved: boolean;
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
  /** Onset of a jump that had not come back when the run ended, too close to the horizon to call (null: none). */
  t_div_censored: number | null;
  /** Jumps that came back down. */
  excursions: Excursion[];
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
  /** Median train loss from the detection over the CONFIRM epochs after it, and the best train loss before it. */
  plateauLoss: number;
  bestBefore: number;
}

/** Everything the train loss's jumps say about a run. */
export interface LossEvents {
  divergence: Divergence | null;
  /** A jump that had not come back by the horizon but came too late to call. */
  censored: Divergence | null;
  excursions: Excursion[];
}

const finiteOr = (x: number): number => (Number.isFinite(x) ? x : Infinity);

/** The jump at row i, if the loss there jumps: its return level. */
function jumpAt(rows: readonly LossRow[], i: number, best: number): { returnLevel: number } | null {
  const L = rows[i]!.train_loss;
  if (!Number.isFinite(L)) return { returnLevel: -Infinity };
  const before = rows.slice(Math.max(1, i - CONFIRM), i).map((r) => finiteOr(r.train_loss));
  const level = Math.max(best, before.length ? median(before) : best);
  if (L > Math.max(JUMP_FACTOR * level, level + JUMP_MIN)) return { returnLevel: Math.max(STAY_FACTOR * best, best + STAY_MIN) };
  if (L > Math.max(COLLAPSE_FACTOR * level, level + COLLAPSE_MIN)) return { returnLevel: Math.max(COLLAPSE_STAY_FACTOR * level, level + COLLAPSE_STAY_MIN) };
  return null;
}

/** The first row after i at or below `level`, or -1. */
function returnAfter(rows: readonly LossRow[], i: number, level: number): number {
  for (let s = i + 1; s < rows.length; s++) if (finiteOr(rows[s]!.train_loss) <= level) return s;
  return -1;
}

function excursionOf(rows: readonly LossRow[], onsetAt: number, endAt: number, best: number): Excursion {
  let peak = -Infinity;
  for (let s = onsetAt; s < endAt; s++) peak = Math.max(peak, rows[s]!.train_loss);
  const before = rows[Math.max(0, onsetAt - 1)]!.rmsd,
    after = rows[endAt]!.rmsd;
  const ratio = before > 0 && Number.isFinite(before) && Number.isFinite(after) ? after / before : null;
  return {
    onset: rows[onsetAt]!.epoch,
    end: rows[endAt]!.epoch,
    length: rows[endAt]!.epoch - rows[onsetAt]!.epoch,
    peak_loss: peak,
    best_before: best,
    height: peak / best,
    rmsd_ratio: ratio,
    rmsd_moved: ratio !== null && ratio >= EXCURSION_RMSD_MOVED,
  };
}

export function lossEvents(rows: readonly LossRow[]): LossEvents {
  const excursions: Excursion[] = [];
  let best = Infinity,
    bestAt = -1;
  for (let i = 0; i < rows.length; i++) {
    const { epoch, train_loss: L } = rows[i]!;
    const jump = epoch >= 1 && (!Number.isFinite(L) || Number.isFinite(best)) ? jumpAt(rows, i, best) : null;
    if (jump) {
      const left = Math.max(2 * best, best + STAY_MIN);
      let onsetAt = i;
      while (onsetAt - 1 > bestAt && finiteOr(rows[onsetAt - 1]!.train_loss) > left) onsetAt--;
      const back = Number.isFinite(L) ? returnAfter(rows, i, jump.returnLevel) : -1;
      if (back >= 0) {
        excursions.push(excursionOf(rows, onsetAt, back, best));
        i = back - 1; // the scan goes on from the epoch it came back
        continue;
      }
      const next = rows.slice(i + 1, i + 1 + CONFIRM).map((r) => finiteOr(r.train_loss));
      const level = Number.isFinite(L) ? median([L, ...next]) : Infinity;
      const reach = Number.isFinite(best) ? best + 0.9 * (level - best) : level;
      let plateauAt = onsetAt;
      while (plateauAt < rows.length - 1 && finiteOr(rows[plateauAt]!.train_loss) < reach) plateauAt++;
      const d: Divergence = { onset: rows[onsetAt]!.epoch, detected: epoch, plateau: rows[plateauAt]!.epoch, plateauLoss: level, bestBefore: best };
      const tooLate = Number.isFinite(L) && rows.at(-1)!.epoch - epoch < CENSOR_EPOCHS;
      return tooLate ? { divergence: null, censored: d, excursions } : { divergence: d, censored: null, excursions };
    }
    if (L < best) {
      best = L;
      bestAt = i;
    }
  }
  return { divergence: null, censored: null, excursions };
}

/** The divergence (a jump that stays up), or null. */
export function divergence(rows: readonly LossRow[]): Divergence | null {
  return lossEvents(rows).divergence;
}

/** The onset of divergence, or null. */
export function divergenceEpoch(rows: readonly LossRow[]): number | null {
  return divergence(rows)?.onset ?? null;
}

export function regimes(rows: readonly LossRow[], thetas: readonly number[] = DEFAULT_THETAS): Regimes {
  if (rows.length === 0) throw new RangeError("regimes need at least one metrics row");
  const iTest = argmin(rows, "test_loss"),
    iTrain = argmin(rows, "train_loss");
  const events = lossEvents(rows);
  const div = events.divergence;
  return {
    t_min_test: rows[iTest]!.epoch,
    min_test_loss: rows[iTest]!.test_loss,
    t_min_train: rows[iTrain]!.epoch,
    min_train_loss: rows[iTrain]!.train_loss,
    t_div: div?.onset ?? null,
    t_div_plateau: div?.plateau ?? null,
    div_plateau_loss: div && Number.isFinite(div.plateauLoss) ? div.plateauLoss : null,
    t_div_censored: events.censored?.onset ?? null,
    excursions: events.excursions,
    horizon: rows.at(-1)!.epoch,
    t_theta: thetas.map((theta) => {
      const hit = rows.find((r) => r.train_loss <= theta);
      return { theta, epoch: hit?.epoch ?? null, rmsd: hit?.rmsd ?? null };
    }),
  };
}
