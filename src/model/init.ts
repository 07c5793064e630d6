import type { ParamLayout } from "./layout.js";
import { biasesOf, weightsOf } from "./layout.js";
import type { Rng } from "../math/rng.js";

/**
 * Weight initialisers, as Keras defines them (fanIn, fanOut of a dense kernel):
 *   glorot-uniform  U(-L, L), L = sqrt(6 / (fanIn + fanOut))        (Keras's Dense default)
 *   glorot-normal   truncated normal, sd = sqrt(2 / (fanIn + fanOut)) / 0.8796
 *   he-uniform      U(-L, L), L = sqrt(6 / fanIn)
 *   he-normal       truncated normal, sd = sqrt(2 / fanIn) / 0.8796
 *   lecun-uniform   U(-L, L), L = sqrt(3 / fanIn)
 *   lecun-normal    truncated normal, sd = sqrt(1 / fanIn) / 0.8796
 *   orthogonal      Q of a QR decomposition of a Gaussian matrix, signs fixed by diag(R) (gain 1)
 *   hessian         LeCun normal here; the trainer then rescales each layer by the
 *                   Hessian principle on the training data (model/hessianInit.ts)
 * Truncated normals redraw values beyond 2 sd; 0.87962566 is the sd of a
 * standard normal truncated at +-2, so the result has the nominal variance.
 * Every weight is then multiplied by `scale` (--init-scale); biases are `bias`.
 * Draws run over the layout in order, from the "init" stream.
 */
export const INITIALIZERS = ["glorot-uniform", "glorot-normal", "he-uniform", "he-normal", "lecun-uniform", "lecun-normal", "orthogonal", "hessian"] as const;
export type Initializer = (typeof INITIALIZERS)[number];

const TRUNCATED_SD = 0.87962566103423978;

function truncatedNormal(rng: Rng, sd: number): number {
  for (;;) {
    const z = rng.normal();
    if (Math.abs(z) <= 2) return (z * sd) / TRUNCATED_SD;
  }
}

/** Orthogonal fanIn x fanOut matrix (orthonormal rows or columns, whichever are fewer), row-major. */
function orthogonal(rng: Rng, rows: number, cols: number): Float64Array {
  // Gram-Schmidt (twice, for stability) on the columns of a tall Gaussian matrix n x k, n >= k.
  const tall = rows >= cols;
  const n = Math.max(rows, cols),
    k = Math.min(rows, cols);
  const q = Float64Array.from({ length: n * k }, () => rng.normal()); // column-major: column c at q[c*n ..]
  for (let c = 0; c < k; c++) {
    const col = q.subarray(c * n, (c + 1) * n);
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < c; p++) {
        const prev = q.subarray(p * n, (p + 1) * n);
        let dot = 0;
        for (let i = 0; i < n; i++) dot += prev[i]! * col[i]!;
        for (let i = 0; i < n; i++) col[i]! -= dot * prev[i]!;
      }
    }
    // Gram-Schmidt leaves R's diagonal positive: Keras's sign fix, Q * sign(diag(R)).
    let norm = 0;
    for (let i = 0; i < n; i++) norm += col[i]! * col[i]!;
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) col[i]! /= norm;
  }
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = tall ? q[j * n + i]! : q[i * n + j]!;
  return out;
}

export function initialize(layout: ParamLayout, rng: Rng, init: Initializer = "glorot-uniform", scale = 1, bias = 0): Float32Array {
  const params = new Float32Array(layout.paramCount);
  for (const layer of layout.layers) {
    const { fanIn, fanOut } = layer;
    const w = weightsOf(params, layer);
    if (init === "orthogonal") {
      const q = orthogonal(rng, fanIn, fanOut);
      for (let i = 0; i < w.length; i++) w[i] = scale * q[i]!;
    } else {
      // The Hessian principle's shape: its scale comes from the data (applyHessianPrinciple).
      const [kind, dist] = (init === "hessian" ? ["lecun", "normal"] : init.split("-")) as ["glorot" | "he" | "lecun", "uniform" | "normal"];
      const variance = kind === "glorot" ? 2 / (fanIn + fanOut) : kind === "he" ? 2 / fanIn : 1 / fanIn;
      if (dist === "uniform") {
        const limit = Math.sqrt(3 * variance);
        for (let i = 0; i < w.length; i++) w[i] = scale * (limit * (2 * rng.uniform() - 1));
      } else {
        const sd = Math.sqrt(variance);
        for (let i = 0; i < w.length; i++) w[i] = scale * truncatedNormal(rng, sd);
      }
    }
    if (bias !== 0) biasesOf(params, layer).fill(bias);
  }
  return params;
}

/** Glorot uniform with zero biases: Keras's default and the paper's. */
export function glorotUniform(layout: ParamLayout, rng: Rng): Float32Array {
  return initialize(layout, rng, "glorot-uniform");
}
