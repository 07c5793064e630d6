import type { ParamLayout } from "./layout.js";
import { weightsOf } from "./layout.js";
import type { Rng } from "../train/rng.js";

/**
 * Glorot (Xavier) uniform, Keras's default for Dense: w ~ U(-L, L) with
 * L = sqrt(6 / (fanIn + fanOut)); biases 0. Draws run over the layout in order
 * (W1 row-major, then W2, ...), one 53-bit uniform per weight, computed in
 * double and rounded once to f32.
 */
export function glorotUniform(layout: ParamLayout, rng: Rng): Float32Array {
  const params = new Float32Array(layout.paramCount);
  for (const layer of layout.layers) {
    const limit = Math.sqrt(6 / (layer.fanIn + layer.fanOut));
    const w = weightsOf(params, layer);
    for (let i = 0; i < w.length; i++) w[i] = limit * (2 * rng.uniform() - 1);
  }
  return params;
}
