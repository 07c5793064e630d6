import { type Condensation, condensationSummary } from "./condensation.js";
import { cOpt } from "./copt.js";
import { histogram2d, quantileBands, type Histogram2d, type QuantileBands } from "./joint.js";
import { fittable, layerMoments, splitZeroSpike, type LayerMoments } from "./moments.js";
import { argsortF32 } from "./sort.js";
import { squaredDistance } from "./sums.js";

/**
 * One line of analysis.jsonl: every statistic of one layer at one epoch.
 * Besides the moments of Appendix B (see moments.ts for the estimators):
 */
export interface LayerAnalysis extends LayerMoments {
  epoch: number;
  /** "W1", "W2", ... */
  layer: string;
  weights: number;
  /** Eq. 5 over this layer's kernel. */
  rmsd: number;
  /** Eqs. A5, A6: ridge slope, its intercept, and the kernel bandwidth used (on the same pairs as the moments: a zero spike apart). */
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
  /** With --hessian: the layer's Gauss-Newton curvature gain, T(input) / T(output) (model/hessianInit.ts); the Hessian principle is 1. */
  hessian_gain?: number;
}

/** All statistics of one layer from its initial and current kernel (any numeric arrays, e.g. views on wasm memory). */
export function analyzeLayer(
  layer: string,
  epoch: number,
  initial: ArrayLike<number>,
  final: ArrayLike<number>,
  hidden?: { bias: ArrayLike<number>; fanIn: number; fanOut: number },
  options: { clusters?: boolean } = {},
): LayerAnalysis {
  const n = initial.length;
  const sq = squaredDistance(initial, final);
  const order = argsortF32(initial);
  // A mask's structural zeros would pile every residual of theirs at 0 for any slope: the ridge is sought on the rest.
  const spikeFree = splitZeroSpike(initial, final);
  // A layer too small to fit (a width-2 layer has 4 weights) gets NaN (null in JSON), never an error mid-run.
  const c = fittable(spikeFree.initial)
    ? cOpt(spikeFree.initial, spikeFree.final)
    : fittable(initial)
      ? cOpt(initial, final)
      : { cOpt: NaN, intercept: NaN, bandwidth: NaN };
  return {
    epoch,
    layer,
    weights: n,
    rmsd: Math.sqrt(sq / n),
    // Without a spike the fitted pairs are the layer itself, already sorted once.
    ...layerMoments(spikeFree, spikeFree.initial === initial ? order : undefined),
    c_opt: c.cOpt,
    c_opt_intercept: c.intercept,
    c_opt_bandwidth: c.bandwidth,
    bands: quantileBands(initial, final, order),
    hist2d: histogram2d(initial, final),
    ...(hidden ? { condensation: condensationSummary(final, hidden.bias, hidden.fanIn, hidden.fanOut, undefined, options.clusters === true) } : {}),
  };
}
