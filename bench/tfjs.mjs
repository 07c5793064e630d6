// The same model and step in TF.js with its WebAssembly SIMD backend, one
// thread: the reference point of the speed issue. Used by bench/run.mjs.
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

let ready;
async function init() {
  const require = createRequire(import.meta.url);
  setWasmPaths(join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm")), "/"));
  setThreadsCount(1);
  await tf.setBackend("wasm");
  await tf.ready();
}

/** Samples per second of model.trainOnBatch on real minibatches. */
export async function tfjsSamplesPerSecond(images, labels, inputSize, width, seconds = 3) {
  ready ??= init();
  await ready;
  const B = 128;
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [inputSize], units: width, activation: "relu" }),
      tfl.layers.dense({ units: width, activation: "relu" }),
      tfl.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
  model.compile({ optimizer: tf.train.sgd(0.1), loss: "categoricalCrossentropy" });
  const batches = 8;
  const xs = [],
    ys = [];
  for (let b = 0; b < batches; b++) {
    const x = new Float32Array(B * inputSize);
    for (let i = 0; i < x.length; i++) x[i] = images[b * B * inputSize + i] / 255;
    xs.push(tf.tensor2d(x, [B, inputSize]));
    ys.push(tf.oneHot(tf.tensor1d(Array.from(labels.subarray(b * B, (b + 1) * B)), "int32"), 10));
  }
  for (let b = 0; b < 2; b++) await model.trainOnBatch(xs[b], ys[b]);
  let steps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    await model.trainOnBatch(xs[steps % batches], ys[steps % batches]);
    steps++;
  }
  const rate = (steps * B) / ((performance.now() - t0) / 1000);
  xs.forEach((t) => t.dispose());
  ys.forEach((t) => t.dispose());
  model.dispose();
  return rate;
}
