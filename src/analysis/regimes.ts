/**
 * Per-run regimes from the loss curves (Figure 4c, d; Figure 6).
 *
 * Rows are the metrics rows, epoch 0 first.
 * - t_min_test, t_min_train: epoch of the minimum test / train loss (first on
 *   ties; epoch 0 included).
 * - t_div, the divergence epoch: the first epoch t >= 1 whose train loss
 *   L(t) jumps above max(JUMP_FACTOR * best, best + JUMP_MIN) where best is
 *   the lowest train loss before t, and stays up: the median of the next
 *   CONFIRM epochs (fewer at the end of the run, at least CONFIRM_MIN of them)
 *   is above max(STAY_FACTOR * best, best + STAY_MIN). A non-finite loss is a
 *   divergence at once. Ordinary SGD noise moves an epoch's mean loss by a
 *   few percent, an order of magnitude below these thresholds; the clip at
 *   1e-7 makes a diverged network's loss sit on a plateau of up to 16.1.
 * - t_theta: the first epoch whose train loss is <= theta (epoch 0 counts),
 *   with the RMSD at that epoch; null when never reached.
 */
export const JUMP_FACTOR = 10;
export const JUMP_MIN = 0.1;
export const STAY_FACTOR = 5;
export const STAY_MIN = 0.05;
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
  t_div: number | null;
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

export function divergenceEpoch(rows: readonly LossRow[]): number | null {
  let best = Infinity;
  for (let i = 0; i < rows.length; i++) {
    const { epoch, train_loss: L } = rows[i]!;
    if (epoch >= 1) {
      if (!Number.isFinite(L)) return epoch;
      if (Number.isFinite(best) && L > Math.max(JUMP_FACTOR * best, best + JUMP_MIN)) {
        const next = rows.slice(i + 1, i + 1 + CONFIRM).map((r) => (Number.isFinite(r.train_loss) ? r.train_loss : Infinity));
        if (next.length >= CONFIRM_MIN && median(next) > Math.max(STAY_FACTOR * best, best + STAY_MIN)) return epoch;
      }
    }
    if (L < best) best = L;
  }
  return null;
}

export function regimes(rows: readonly LossRow[], thetas: readonly number[] = DEFAULT_THETAS): Regimes {
  if (rows.length === 0) throw new RangeError("regimes need at least one metrics row");
  const iTest = argmin(rows, "test_loss"), iTrain = argmin(rows, "train_loss");
  return {
    t_min_test: rows[iTest]!.epoch,
    min_test_loss: rows[iTest]!.test_loss,
    t_min_train: rows[iTrain]!.epoch,
    min_train_loss: rows[iTrain]!.train_loss,
    t_div: divergenceEpoch(rows),
    t_theta: thetas.map((theta) => {
      const hit = rows.find((r) => r.train_loss <= theta);
      return { theta, epoch: hit?.epoch ?? null, rmsd: hit?.rmsd ?? null };
    }),
  };
}
