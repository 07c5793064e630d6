import type { Split } from "../data/dataset.js";
import type { ParamLayout } from "../model/layout.js";
import type { Network } from "../train/network.js";
import { Rng } from "../math/rng.js";

/**
 * The largest eigenvalue of the loss Hessian (the related work on
 * Hessian-aware initialisation), for the whole network and for each layer's
 * block (W_l and b_l), on a fixed subset: the first `samples` training
 * samples, in file order, loss = their mean cross-entropy.
 *
 * Power iteration on Hessian-vector products: v_0 from the "hessian" stream;
 * v <- Hv / |Hv|; the estimate is the Rayleigh quotient v.Hv; it stops when
 * that changes by less than `tolerance` (relative) or after `iterations`.
 * It converges to the eigenvalue of largest magnitude (sign kept).
 *
 * Hv by a central difference of exact gradients (the wasm backward pass):
 *   Hv ~ (g(w + h v) - g(w - h v)) / (2h),  h = 1e-3 |w_block| (|v| = 1),
 * so each weight moves by about 1e-3 of its RMS. The difference is taken
 * over the perturbation actually stored in f32. The parameters are restored
 * bit for bit afterwards: training is unaffected (tested).
 */
export interface HessianOptions {
  /** @default 1024 */
  samples?: number;
  /** @default 30 */
  iterations?: number;
  /** @default 1e-3 */
  tolerance?: number;
  /** @default 1e-3 */
  relativeStep?: number;
  batchSize?: number;
  epsilon?: number;
  seed?: number;
}

export interface HessianResult {
  /** Top eigenvalue for the whole network. */
  network: number;
  /** Top eigenvalue of each layer's block, W1 first. */
  blocks: { layer: string; value: number }[];
  samples: number;
}

/** Mean-loss gradient over the first `count` samples of a split, in float64. */
function subsetGradient(net: Network, split: Split, count: number, batch: number, epsilon: number): Float64Array {
  const d = net.layout.inputSize;
  const g = new Float64Array(net.layout.paramCount);
  for (let start = 0; start < count; start += batch) {
    const rows = Math.min(batch, count - start);
    net.pixels().set(split.images.subarray(start * d, (start + rows) * d));
    const labels = net.labels();
    for (let r = 0; r < rows; r++) labels[r] = split.labels[start + r]!;
    net.gradientStep(rows, epsilon);
    const part = net.gradient();
    const w = rows / count;
    for (let i = 0; i < g.length; i++) g[i]! += w * part[i]!;
  }
  return g;
}

/** Block ranges [from, to) of each layer in the parameter block (weights and biases are contiguous). */
function blocks(layout: ParamLayout): { layer: string; from: number; to: number }[] {
  return layout.layers.map((l) => ({ layer: l.name, from: l.weightOffset, to: l.biasOffset + l.fanOut }));
}

export function hessianTopEigenvalues(net: Network, split: Split, options: HessianOptions = {}): HessianResult {
  const { iterations = 30, tolerance = 1e-3, relativeStep = 1e-3, batchSize = net.capacity, epsilon = 1e-7, seed = 1 } = options;
  const samples = Math.min(options.samples ?? 1024, split.count);
  const saved = net.params().slice();
  const rng = Rng.forStream(seed, "hessian");
  const top = (from: number, to: number): number => {
    let norm = 0;
    for (let i = from; i < to; i++) norm += saved[i]! * saved[i]!;
    const h = relativeStep * Math.sqrt(norm) || relativeStep;
    const hvp = (v: Float64Array): Float64Array => {
      const p = net.params();
      const plus = saved.slice(),
        minus = saved.slice();
      for (let i = from; i < to; i++) {
        plus[i] = saved[i]! + h * v[i - from]!;
        minus[i] = saved[i]! - h * v[i - from]!;
      }
      p.set(plus);
      const gp = subsetGradient(net, split, samples, batchSize, epsilon);
      net.params().set(minus);
      const gm = subsetGradient(net, split, samples, batchSize, epsilon);
      net.params().set(saved);
      // Divide by the step each weight actually took in f32, summed along v.
      let step = 0;
      for (let i = from; i < to; i++) step += (plus[i]! - minus[i]!) * v[i - from]!;
      const out = new Float64Array(to - from);
      for (let i = from; i < to; i++) out[i - from] = (gp[i]! - gm[i]!) / step;
      return out;
    };
    // Plain loops: Float64Array.from with a map function and reduce call a function per element, and with
    // a vector the size of the network that was half of a measurement's time. Same operations, same order.
    const normalise = (x: Float64Array): Float64Array => {
      let n = 0;
      for (let i = 0; i < x.length; i++) n += x[i]! * x[i]!;
      n = Math.sqrt(n) || 1;
      const out = new Float64Array(x.length);
      for (let i = 0; i < x.length; i++) out[i] = x[i]! / n;
      return out;
    };
    let v: Float64Array = normalise(Float64Array.from({ length: to - from }, () => rng.normal()));
    let lambda = 0;
    for (let k = 0; k < iterations; k++) {
      const hv = hvp(v);
      let next = 0;
      for (let i = 0; i < hv.length; i++) next += hv[i]! * v[i]!;
      const done = k > 0 && Math.abs(next - lambda) <= tolerance * Math.abs(next);
      lambda = next;
      if (done) break;
      v = normalise(hv);
    }
    return lambda;
  };
  const result: HessianResult = {
    network: top(0, net.layout.paramCount),
    blocks: blocks(net.layout).map((b) => ({ layer: b.layer, value: top(b.from, b.to) })),
    samples,
  };
  net.params().set(saved);
  return result;
}
