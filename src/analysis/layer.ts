import { condensation, type Condensation, type CondensationResult } from "./condensation.js";
import { cOpt } from "./copt.js";
import { histogram2d, quantileBands, type Histogram2d, type QuantileBands } from "./joint.js";
import { cumulativeMoments, type Moments } from "./moments.js";
import { argsortF32 } from "./sort.js";

/** One line of analysis.jsonl: every statistic of one layer at one epoch. */
/** Besides the moments of Appendix B (Eqs. A1-A4): */
export interface LayerAnalysis extends Moments {
  epoch: number;
  /** "W1", "W2", ... */
  layer: string;
  weights: number;
  /** Eq. 5 over this layer's kernel. */
  rmsd: number;
  /** Eqs. A5, A6: ridge slope, its intercept, and the kernel bandwidth used. */
  c_opt: number;
  c_opt_intercept: number;
  c_opt_bandwidth: number;
  /** Figure 3: w_f quantiles in w_i bins, and the joint histogram. */
  bands: QuantileBands;
  hist2d: Histogram2d;
  /** Hidden layers: alignment of the neurons' input vectors. */
  condensation?: Condensation;
  /** With --hessian: top eigenvalue of this layer's Hessian block, and of the whole network's Hessian. */
  hessian_top?: number;
  hessian_top_network?: number;
}

/** All statistics of one layer from its initial and current kernel (any numeric arrays, e.g. views on wasm memory). */
export function analyzeLayer(layer: string, epoch: number, initial: ArrayLike<number>, final: ArrayLike<number>, hidden?: { bias: ArrayLike<number>; fanIn: number; fanOut: number }): LayerAnalysis {
  const n = initial.length;
  let sq = 0;
  for (let j = 0; j < n; j++) sq += (final[j]! - initial[j]!) ** 2;
  const order = argsortF32(initial);
  const m = cumulativeMoments(initial, final, undefined, order);
  const c = cOpt(initial, final);
  return {
    epoch, layer, weights: n, rmsd: Math.sqrt(sq / n),
    a0: m.a0, a1: m.a1, b0: m.b0, b1: m.b1, b2: m.b2, sigma0: m.sigma0,
    c_opt: c.cOpt, c_opt_intercept: c.intercept, c_opt_bandwidth: c.bandwidth,
    bands: quantileBands(initial, final, order),
    hist2d: histogram2d(initial, final),
    ...(hidden ? { condensation: summary(condensation(final, hidden.bias, hidden.fanIn, hidden.fanOut)) } : {}),
  };
}

function summary({ order: _o, similarity: _s, ...scalars }: CondensationResult): Condensation {
  return scalars;
}
