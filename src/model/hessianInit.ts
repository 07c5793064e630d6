import type { Activation } from "./activation.js";
import type { DenseLayerLayout, ParamLayout } from "./layout.js";
import { biasesOf, weightsOf } from "./layout.js";
import { exp } from "../math/portable.js";

/**
 * `--init hessian`: each layer's scale chosen so that the curvature of the
 * loss is carried through it unchanged (the project's reading of Skorski,
 * Temperoni and Theobald, arXiv 2004.09506, whose abstract is all we have:
 * "approximating and controlling the norm of their Hessian matrix";
 * docs/method.md, "The Hessian-initialisation study").
 *
 * The approximation is the Gauss-Newton chain rule: the Hessian of the loss
 * with respect to a layer's input is J^T H_z J, J the Jacobian of the logits
 * with respect to that input and H_z the softmax cross-entropy Hessian at the
 * logits; the activation's own curvature is dropped (zero for ReLU away from
 * its kink). Its norm here is its trace (it is positive semi-definite, so
 * the trace is the sum of its eigenvalues), averaged over the first
 * HESSIAN_INIT_SAMPLES training samples. The principle: for every layer l,
 *   T(input of layer l) = T(output of layer l),
 * output meaning the activations h_l (the logits for the last layer). With
 * W_l = s_l W~_l, T(input) is proportional to s_l^2 with everything above
 * fixed, so s_l is solved top-down in closed form. H_z is taken at the
 * uniform prediction, (I - 11^T / C) / C, where a network starts whose
 * logits are small: the scale is then a property of the weights' shape, the
 * activation and the data, not of one draw's logits.
 *
 * The derivative masks f'(z) depend on the scales below (not for ReLU with
 * zero biases: its masks are scale-free), so the forward and backward passes
 * repeat until no scale moves by more than 1e-6 (at most MAX_PASSES).
 * Everything is float64 with a fixed order of operations and portable exp:
 * the same bits in every engine.
 */
export const HESSIAN_INIT_SAMPLES = 256;
const MAX_PASSES = 12;
// f32 weights: a settled factor is 1 to within a few f32 roundings.
const SETTLED = 1e-6;

/** The training samples the principle is measured on: u8 pixels, row-major, as the network reads them (/255). */
export interface InitSample {
  images: Uint8Array;
  count: number;
}

function tanh(x: number): number {
  const e = exp(-2 * Math.abs(x));
  const t = (1 - e) / (1 + e);
  return x < 0 ? -t : t;
}

/** f and f' of each activation, in float64 from portable functions. */
function activationPair(activation: Activation): (z: number) => [number, number] {
  switch (activation) {
    case "relu":
      return (z) => (z > 0 ? [z, 1] : [0, 0]);
    case "tanh":
      return (z) => {
        const t = tanh(z);
        return [t, 1 - t * t];
      };
    case "xtanh":
      return (z) => {
        const t = tanh(z);
        return [z * t, t + z * (1 - t * t)];
      };
    case "x2tanh":
      return (z) => {
        const t = tanh(z);
        return [z * z * t, 2 * z * t + z * z * (1 - t * t)];
      };
  }
}

/** f'(z) of every hidden layer for every sample ([B x fanOut] per hidden layer), at the current parameters. */
function derivatives(layout: ParamLayout, params: Float32Array, sample: InitSample, f: (z: number) => [number, number]): Float64Array[] {
  const B = sample.count;
  const out: Float64Array[] = [];
  let h = Float64Array.from(sample.images.subarray(0, B * layout.inputSize), (p) => p / 255);
  for (const layer of layout.layers) {
    if (!layer.hidden) break;
    const { fanIn, fanOut } = layer;
    const w = weightsOf(params, layer),
      b = biasesOf(params, layer);
    const next = new Float64Array(B * fanOut),
      slope = new Float64Array(B * fanOut);
    const z = new Float64Array(fanOut);
    for (let s = 0; s < B; s++) {
      for (let j = 0; j < fanOut; j++) z[j] = b[j]!;
      for (let i = 0; i < fanIn; i++) {
        const x = h[s * fanIn + i]!;
        if (x === 0) continue; // blank pixels and dead units add nothing
        const row = i * fanOut;
        for (let j = 0; j < fanOut; j++) z[j] = z[j]! + x * w[row + j]!;
      }
      for (let j = 0; j < fanOut; j++) [next[s * fanOut + j], slope[s * fanOut + j]] = f(z[j]!);
    }
    out.push(slope);
    h = next;
  }
  return out;
}

/** Mean over the samples of tr(H_z Q Q^T), Q [B x C x n]. */
function meanUniformTrace(q: Float64Array, classes: number, n: number, B: number): number {
  let total = 0;
  for (let s = 0; s < B; s++) total += uniformTrace(q, s * classes * n, classes, n);
  return total / B;
}

/** tr(H_z Q Q^T) for one sample's Jacobian Q [C x n], H_z = (I - 11^T/C)/C. */
function uniformTrace(q: Float64Array, from: number, classes: number, n: number): number {
  let squares = 0,
    columns = 0;
  for (let i = 0; i < n; i++) {
    let col = 0;
    for (let c = 0; c < classes; c++) {
      const v = q[from + c * n + i]!;
      squares += v * v;
      col += v;
    }
    columns += col * col;
  }
  return (squares - columns / classes) / classes;
}

/**
 * Q = P W^T per sample: the logits' Jacobian at a layer's input from the one
 * at its pre-activation. W's row i serves all of a sample's C rows while it
 * is in cache (a wide W streamed once per row of P was 10x the memory
 * traffic); each entry is still summed over j in order.
 */
function throughWeights(p: Float64Array, w: Float32Array, layer: DenseLayerLayout, classes: number, B: number): Float64Array {
  const { fanIn, fanOut } = layer;
  const q = new Float64Array(B * classes * fanIn);
  for (let s = 0; s < B; s++)
    for (let i = 0; i < fanIn; i++) {
      const wRow = i * fanOut;
      for (let c = 0; c < classes; c++) {
        const row = (s * classes + c) * fanOut;
        let v = 0;
        for (let j = 0; j < fanOut; j++) v += p[row + j]! * w[wRow + j]!;
        q[(s * classes + c) * fanIn + i] = v;
      }
    }
  return q;
}

/** W^T W [fanOut x fanOut] of a fanIn x fanOut matrix. */
function gram(w: Float32Array, layer: DenseLayerLayout): Float64Array {
  const { fanIn, fanOut } = layer;
  const m = new Float64Array(fanOut * fanOut);
  for (let i = 0; i < fanIn; i++) {
    const row = i * fanOut;
    for (let a = 0; a < fanOut; a++) {
      const x = w[row + a]!;
      if (x === 0) continue;
      for (let b = 0; b < fanOut; b++) m[a * fanOut + b] = m[a * fanOut + b]! + x * w[row + b]!;
    }
  }
  return m;
}

/**
 * Mean over samples of tr(H_z Q Q^T) with Q = P W^T, from M = W^T W:
 * (sum_c P_c M P_c^T - u M u^T / C) / C, u = sum_c P_c. Each quadratic form
 * is summed a, then b, in order; M's row a serves all C + 1 forms of a
 * sample at once (M of a wide layer is megabytes).
 */
function gramTrace(p: Float64Array, m: Float64Array, classes: number, n: number, B: number): number {
  const rows = Array.from({ length: classes + 1 }, () => new Float64Array(n));
  const forms = new Float64Array(classes + 1);
  let total = 0;
  for (let s = 0; s < B; s++) {
    const u = rows[classes]!;
    u.fill(0);
    for (let c = 0; c < classes; c++) {
      const from = (s * classes + c) * n;
      rows[c]!.set(p.subarray(from, from + n));
      for (let a = 0; a < n; a++) u[a] = u[a]! + p[from + a]!;
    }
    forms.fill(0);
    for (let a = 0; a < n; a++) {
      const mRow = a * n;
      for (let r = 0; r <= classes; r++) {
        const x = rows[r]!;
        let v = 0;
        for (let b = 0; b < n; b++) v += m[mRow + b]! * x[b]!;
        forms[r] = forms[r]! + x[a]! * v;
      }
    }
    let squares = 0;
    for (let c = 0; c < classes; c++) squares += forms[c]!;
    total += (squares - forms[classes]! / classes) / classes;
  }
  return total / B;
}

/** One top-down pass: each layer's factor s_l (its weights are multiplied by it in place). */
function pass(layout: ParamLayout, params: Float32Array, slopes: Float64Array[], B: number): number[] {
  const C = layout.classes;
  const layers = layout.layers;
  const factors = new Array<number>(layers.length).fill(1);
  // P: the logits' Jacobian at the current layer's pre-activation, [B x C x fanOut]; the identity at the logits.
  let p: Float64Array = new Float64Array(B * C * C);
  for (let s = 0; s < B; s++) for (let c = 0; c < C; c++) p[(s * C + c) * C + c] = 1;
  let traceOut = (C - 1) / C;
  for (let l = layers.length - 1; l >= 0; l--) {
    const layer = layers[l]!;
    const w = weightsOf(params, layer);
    // The first layer's Jacobian at the input (784 wide) is never needed, only its trace: from W^T W where
    // that is cheaper, C + 1 quadratic forms of fanOut^2 against C rows of fanIn x fanOut (narrow layers).
    const viaGram = l === 0 && (C + 1) * layer.fanOut < C * layer.fanIn;
    const q = viaGram ? undefined : throughWeights(p, w, layer, C, B);
    const traceIn = q ? meanUniformTrace(q, C, layer.fanIn, B) : gramTrace(p, gram(w, layer), C, layer.fanOut, B);
    // A layer whose curvature vanishes (all units dead) keeps its draw: no scale can restore it.
    const factor = traceIn > 0 && Number.isFinite(traceIn) ? Math.sqrt(traceOut / traceIn) : 1;
    factors[l] = factor;
    for (let i = 0; i < w.length; i++) w[i] = w[i]! * factor;
    if (l === 0 || !q) break;
    for (let i = 0; i < q.length; i++) q[i] = q[i]! * factor;
    traceOut = traceIn * factor * factor;
    const slope = slopes[l - 1]!,
      n = layer.fanIn;
    for (let s = 0; s < B; s++) for (let c = 0; c < C; c++) for (let i = 0; i < n; i++) q[(s * C + c) * n + i] = q[(s * C + c) * n + i]! * slope[s * n + i]!;
    p = q;
  }
  return factors;
}

/**
 * Rescales each layer's weights in place so the principle holds on the
 * sample, and returns each layer's weight RMS after it. `params` holds the
 * shape (any draw; the sweep's --init hessian draws LeCun normal).
 */
export function applyHessianPrinciple(layout: ParamLayout, params: Float32Array, sample: InitSample, activation: Activation): number[] {
  const B = Math.min(sample.count, HESSIAN_INIT_SAMPLES);
  if (B < 1) throw new RangeError("the Hessian principle needs at least one training sample");
  const f = activationPair(activation);
  const limited = { images: sample.images, count: B };
  for (let k = 0; k < MAX_PASSES; k++) {
    const factors = pass(layout, params, derivatives(layout, params, limited, f), B);
    if (factors.every((x) => Math.abs(x - 1) <= SETTLED)) break;
  }
  return layout.layers.map((layer) => {
    const w = weightsOf(params, layer);
    let sq = 0;
    for (const v of w) sq += v * v;
    return Math.sqrt(sq / w.length);
  });
}

/**
 * Each layer's curvature gain at these parameters: T(input) / T(output) of
 * the Gauss-Newton trace above, measured as --init hessian measures it (one
 * pass, uniform prediction at the logits, the first HESSIAN_INIT_SAMPLES
 * samples). 1 is the principle; the study's diagnostic is how far from 1.
 */
export function curvatureGains(layout: ParamLayout, params: Float32Array, sample: InitSample, activation: Activation): number[] {
  const B = Math.min(sample.count, HESSIAN_INIT_SAMPLES);
  if (B < 1) throw new RangeError("the curvature gains need at least one training sample");
  const copy = params.slice();
  const factors = pass(layout, copy, derivatives(layout, copy, { images: sample.images, count: B }, activationPair(activation)), B);
  return factors.map((f) => 1 / (f * f));
}
