import type { MetricRow } from "../run/metrics.js";
import { duration } from "../run/duration.js";

/** Human progress on stderr: one line per epoch, with the time left. */
export class EpochProgress {
  private readonly started: number;

  constructor(
    private readonly label: string,
    private readonly totalEpochs: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly clock: () => number = () => performance.now() / 1000,
  ) {
    this.started = clock();
  }

  row(row: MetricRow): void {
    const elapsed = this.clock() - this.started;
    const perEpoch = row.epoch > 0 ? elapsed / (row.epoch + 0.2) : 0;
    const left = row.epoch > 0 ? perEpoch * (this.totalEpochs - row.epoch) : NaN;
    const fields = [
      `${this.label}epoch ${String(row.epoch).padStart(String(this.totalEpochs).length)}/${this.totalEpochs}`,
      `train loss ${fmt(row.train_loss)} acc ${row.train_accuracy.toFixed(4)}`,
      `test loss ${fmt(row.test_loss)} acc ${row.test_accuracy.toFixed(4)}`,
      `rmsd ${row.rmsd.toExponential(3)}`,
      `${row.seconds.toFixed(1)}s`,
      Number.isFinite(left) ? `left ${duration(left)}` : "",
    ];
    this.out.write(fields.filter((f) => f).join("  ") + "\n");
  }
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(4) : String(x);
}

export { duration };
