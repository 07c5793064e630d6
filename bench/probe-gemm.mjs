import { loadKernels } from "../dist/node/wasm.js";
import { Kernels, packSizes } from "../dist/train/kernels.js";
const k = Kernels.instantiateSync(loadKernels().module);
const n = Number(process.argv[2] ?? 1000), m = n, B = 128;
const f = (c) => { const p = k.alloc(c * 4); const v = k.f32(p, c); for (let i = 0; i < c; i++) v[i] = Math.random() - 0.5; return p; };
const X = f(B * n), W = f(n * m), Y = f(B * m), dZ = f(B * m), dX = f(B * n);
const ps = packSizes(1000, 1000); const pa = k.alloc(ps.packedA * 4), pb = k.alloc(ps.packedB * 4);
const e = k.exports;
const forms = {
  forward: () => e.gemm(B, m, n, X, n, 1, W, m, 1, Y, m, 2, dZ, 0, 0, pa, pb),
  inputGrad: () => e.gemm(B, n, m, dZ, m, 1, W, 1, m, dX, n, 3, 0, X, 0, pa, pb),
  weightSgd: () => e.gemm(n, m, B, X, 1, n, dZ, m, 1, W, m, 4, 0, 0, 1e-9, pa, pb),
};
for (const [name, fn] of Object.entries(forms)) {
  for (let i = 0; i < 5; i++) fn();
  const reps = 30; const t0 = performance.now(); for (let i = 0; i < reps; i++) fn(); const dt = (performance.now() - t0) / 1000 / reps;
  console.log(`${name}: ${(2 * B * n * m / dt / 1e9).toFixed(1)} GFLOP/s  ${(dt * 1000).toFixed(2)} ms`);
}
