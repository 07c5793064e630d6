// What one analysed epoch of a run costs: every layer's statistics, as the
// recorder computes them, at epoch 0 (nothing has moved) and after 100
// training steps, beside a training epoch's time from the same steps. Used
// by bench/run.mjs; alone: node bench/analysis.mjs [width ...].
import { loadNamedDataset } from "../dist/node/datasets.js";
import { analyzeLayers } from "../dist/run/recorder.js";
import { minibatchStepper } from "./profile.mjs";

/** Median-of-3 milliseconds of one analysed epoch at epoch 0 and after 100 steps, and a 469-step epoch's milliseconds. */
export function analysedEpochCost(dataset, width) {
  const { net, layout, step } = minibatchStepper(dataset, width);
  const of = (ptr, offset, count) => net.kernels.f32(ptr + offset * 4, count);
  const analyse = () => {
    const t0 = performance.now();
    analyzeLayers(
      layout.layers,
      1,
      (l) => of(net.initialParamsPtr, l.weightOffset, l.weightCount),
      (l) => of(net.paramsPtr, l.weightOffset, l.weightCount),
      (l) => of(net.paramsPtr, l.biasOffset, l.fanOut),
    );
    return performance.now() - t0;
  };
  const median = (f) => [f(), f(), f()].sort((a, b) => a - b)[1];
  const epoch0Ms = median(analyse);
  const t0 = performance.now();
  for (let i = 0; i < 100; i++) step();
  const stepMs = (performance.now() - t0) / 100;
  const movedMs = median(analyse);
  return { epoch0Ms, movedMs, epochMs: stepMs * 469 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dataset = await loadNamedDataset("mnist");
  for (const width of process.argv.slice(2).map(Number).filter(Boolean).length ? process.argv.slice(2).map(Number) : [300, 1000]) {
    const c = analysedEpochCost(dataset, width);
    console.log(`width ${width}: epoch 0 ${c.epoch0Ms.toFixed(0)} ms, after 100 steps ${c.movedMs.toFixed(0)} ms, a training epoch ${c.epochMs.toFixed(0)} ms`);
  }
}
