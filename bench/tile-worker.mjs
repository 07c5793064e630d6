// The machine's own ceiling for seeds in parallel: a worker that runs the GEMM
// micro-kernel alone on data in L1 for a fixed time and posts its GFLOP/s.
// No memory traffic, no start-up inside the timing: what T cores give when
// nothing but arithmetic is shared. workerData: { seconds }.
import { parentPort, workerData } from "node:worker_threads";
import { loadKernels } from "../dist/node/wasm.js";
import { Kernels } from "../dist/train/kernels.js";

const k = Kernels.instantiateSync(loadKernels().module);
const e = k.exports;
const K = 256,
  mr = e.MR.value,
  nr = e.NR.value;
const a = k.alloc(k.packSizes(nr, K).packedA * 4),
  b = k.alloc(nr * K * 4);
k.f32(a, k.packSizes(nr, K).packedA).fill(0.5);
k.f32(b, nr * K).fill(0.25);
for (let i = 0; i < 1000; i++) e.tile5x8(a, b, K);
let calls = 0;
const t0 = performance.now();
while (performance.now() - t0 < workerData.seconds * 1000) {
  for (let i = 0; i < 100; i++) e.tile5x8(a, b, K);
  calls += 100;
}
parentPort.postMessage((calls * 2 * mr * nr * K) / ((performance.now() - t0) / 1000) / 1e9);
