import { hessianTopEigenvalues } from "../analysis/hessian.js";
import { curvatureGains } from "../model/hessianInit.js";
import { activationOf } from "../train/config.js";
import { analyzeLayer, type LayerAnalysis } from "../analysis/layer.js";
import { regimes } from "../analysis/regimes.js";
import { encodeNpy } from "../codec/npy.js";
import { sha256 } from "../codec/sha256.js";
import { biasesOf, type DenseLayerLayout, weightsOf } from "../model/layout.js";
import type { Trainer } from "../train/trainer.js";
import type { MetricRow } from "./metrics.js";
import { writeCheckpoint } from "./checkpoint.js";
import { paramsBytes } from "./hash.js";
import type { Manifest } from "./manifest.js";
import { metricsCsv, metricsCsvRow, metricsJsonl } from "./metrics.js";
import { snapshotDir } from "./naming.js";
import type { RunSink } from "./sink.js";
import type { RecordOptions } from "./types.js";

const jsonLines = (items: readonly object[]): string => items.map((a) => `${JSON.stringify(a)}\n`).join("");

/** Default time between checkpoints: at most this much work is lost to a kill. */
export const CHECKPOINT_SECONDS = 120;

/** summary.json of one run: identity, regimes (t_min, t_div, t_theta) and the last analysis of each layer. */
export function runSummary(manifest: Manifest, rows: readonly MetricRow[], analyses: readonly LayerAnalysis[], thetas: readonly number[]) {
  const last = new Map<string, LayerAnalysis>();
  for (const a of analyses) last.set(a.layer, a);
  return {
    dataset: manifest.dataset.name,
    hidden_widths: manifest.config.hiddenWidths,
    seed: manifest.seed,
    config_sha256: manifest.config_sha256,
    status: manifest.status,
    epochs_completed: manifest.epochs_completed,
    final_params_sha256: manifest.final_params_sha256,
    ...regimes(rows, thetas),
    last_analysis: [...last.values()].map(({ bands: _b, hist2d: _h, ...scalars }) => scalars),
  };
}

/**
 * Every layer's statistics at one epoch, in layout order: the one analysis
 * loop, used while training (RunRecorder) and by --reanalyze from snapshots.
 * `initial` and `current` give a layer's kernel, `bias` a hidden layer's biases.
 */
export function analyzeLayers(
  layers: readonly DenseLayerLayout[],
  epoch: number,
  initial: (layer: DenseLayerLayout) => ArrayLike<number>,
  current: (layer: DenseLayerLayout) => ArrayLike<number>,
  bias: (layer: DenseLayerLayout) => ArrayLike<number>,
  options: { clusters?: boolean } = {},
): LayerAnalysis[] {
  return layers.map((layer) => {
    const hidden = layer.hidden ? { bias: bias(layer), fanIn: layer.fanIn, fanOut: layer.fanOut } : undefined;
    return analyzeLayer(layer.name, epoch, initial(layer), current(layer), hidden, options);
  });
}

/**
 * Everything a run records besides training itself: metrics rows, snapshots,
 * analyses, summary, manifest and checkpoints, written through the sink. The
 * epoch loop (executeRun) calls resumed() when it continues a run, record() after each epoch,
 * checkpoint() when due, and finish() at the end.
 *
 * Cost stays flat over a long run: metrics.jsonl, metrics.csv and
 * analysis.jsonl are written whole once (which also truncates a resumed
 * run's files to its checkpoint) and then grow by appended lines; the
 * manifest and summary (and the final hash they carry) are written at the
 * first epoch, at checkpoints and at the end. A sink that cannot append gets
 * every file rewritten after every epoch, as before.
 */
export class RunRecorder {
  private lastCheckpoint: number;
  /** Files written whole by this recorder: from then on their new lines are appended. */
  private readonly whole = new Set<string>();

  constructor(
    private readonly sink: RunSink,
    private readonly trainer: Trainer,
    readonly manifest: Manifest,
    private readonly plan: RecordOptions,
    readonly rows: MetricRow[],
    private readonly analyses: LayerAnalysis[],
    private previousParamsFile: string | undefined,
    private readonly clock: () => number,
    private readonly checkpointEvery: number | undefined,
  ) {
    this.lastCheckpoint = clock();
  }

  /** Records one epoch's row: a snapshot and an analysis where planned, its lines appended, and the manifest and summary after the first row. */
  async record(row: MetricRow): Promise<void> {
    const { trainer, plan, manifest } = this;
    // Weights that overflowed have no statistics: the epoch loop ends such a run as diverged right after this row.
    const analysed = plan.analysis.includes(row.epoch) && trainer.network.finite();
    // First, before any view of wasm memory is taken: the Hessian pass may grow
    // memory (its gradient buffer), which detaches earlier views.
    const curvature =
      plan.hessianSamples && analysed
        ? {
            ...hessianTopEigenvalues(trainer.network, trainer.train, {
              samples: plan.hessianSamples,
              epsilon: trainer.config.epsilon,
              seed: trainer.config.seed,
            }),
            gains: curvatureGains(trainer.layout, trainer.network.params(), trainer.train, activationOf(trainer.config)),
          }
        : undefined;
    this.rows.push(row);
    manifest.epochs_completed = row.epoch;
    if (plan.snapshots.includes(row.epoch)) await this.writeSnapshot(trainer.network.params(), row.epoch);
    if (analysed) {
      const initial = trainer.network.initialParams();
      const now = trainer.network.params();
      const layers = analyzeLayers(
        trainer.layout.layers,
        row.epoch,
        (l) => weightsOf(initial, l),
        (l) => weightsOf(now, l),
        (l) => biasesOf(now, l),
        { clusters: plan.clusters === true },
      );
      layers.forEach((a, i) => {
        if (curvature) {
          a.hessian_top = curvature.blocks[i]!.value;
          a.hessian_top_network = curvature.network;
          a.hessian_gain = curvature.gains[i]!;
        }
        this.analyses.push(a);
      });
      await this.put(
        "analysis.jsonl",
        () => jsonLines(this.analyses),
        () => jsonLines(layers),
      );
    }
    await this.put(
      "metrics.jsonl",
      () => metricsJsonl(this.rows),
      () => `${JSON.stringify(row)}\n`,
    );
    const masked = this.rows[0]!.mask_contrast !== undefined;
    await this.put(
      "metrics.csv",
      () => metricsCsv(this.rows),
      () => `${metricsCsvRow(row, masked)}\n`,
    );
    if (this.rows.length === 1 || !this.sink.append) await this.writeState();
  }

  /** Before the first epoch: a resumed run's files cut back to its checkpoint (whole, atomic), and its manifest with the new resume. */
  async resumed(): Promise<void> {
    await this.writeWhole("metrics.jsonl", metricsJsonl(this.rows));
    await this.writeWhole("metrics.csv", metricsCsv(this.rows));
    await this.writeWhole("analysis.jsonl", jsonLines(this.analyses));
    await this.writeState();
  }

  /** Appends `added()` to a file this recorder has written whole, or writes `all()` (the first time, or for a sink that cannot append). */
  private async put(name: string, all: () => string, added: () => string): Promise<void> {
    if (this.sink.append && this.whole.has(name)) await this.sink.append(name, added());
    else await this.writeWhole(name, all());
  }

  /** Writes a file whole; from then on put() appends to it. */
  private async writeWhole(name: string, text: string): Promise<void> {
    await this.sink.write(name, text);
    this.whole.add(name);
  }

  /** Whether a checkpoint is due after this epoch: every n-th epoch, or CHECKPOINT_SECONDS after the last. */
  checkpointDue(): boolean {
    return this.checkpointEvery !== undefined ? this.trainer.epoch % this.checkpointEvery === 0 : this.clock() - this.lastCheckpoint >= CHECKPOINT_SECONDS;
  }

  /** Everything needed to resume to the same bits (after the epoch's files: a kill between the two only loses one checkpoint). */
  async checkpoint(): Promise<void> {
    const { trainer } = this;
    await this.writeState();
    this.previousParamsFile = await writeCheckpoint(
      this.sink,
      { epoch: trainer.epoch, params: trainer.network.params(), initialParams: trainer.network.initialParams(), shuffleRng: trainer.shuffleState() },
      this.manifest.config_sha256,
      this.previousParamsFile,
    );
    this.lastCheckpoint = this.clock();
  }

  /** The run's last word: its status and end time in the manifest and summary. */
  async finish(status: Manifest["status"], endedAt: string): Promise<void> {
    this.manifest.status = status;
    this.manifest.ended_at = endedAt;
    await this.writeState();
  }

  private async writeSnapshot(params: Float32Array, epoch: number): Promise<void> {
    for (const layer of this.trainer.layout.layers) {
      await this.sink.write(`${snapshotDir(epoch)}/${layer.name}.npy`, encodeNpy(weightsOf(params, layer), [layer.fanIn, layer.fanOut]));
      await this.sink.write(`${snapshotDir(epoch)}/b${layer.index + 1}.npy`, encodeNpy(biasesOf(params, layer), [layer.fanOut]));
    }
  }

  /** summary.json and manifest.json, with the final hash of the weights as they are now. */
  private async writeState(): Promise<void> {
    this.manifest.final_params_sha256 = await sha256(paramsBytes(this.trainer.network.params()));
    await this.sink.write("summary.json", `${JSON.stringify(runSummary(this.manifest, this.rows, this.analyses, this.plan.thetas), null, 2)}\n`);
    await this.sink.write("manifest.json", `${JSON.stringify(this.manifest, null, 2)}\n`);
  }
}
