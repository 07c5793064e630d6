/**
 * Plain float64 references of every kernel: the oracle the wasm kernels are
 * tested against. Written for clarity, not speed. Matrices are row-major
 * number arrays (or typed arrays) with explicit sizes.
 */
import type { Activation } from "../../src/model/activation.js";

type Vec = ArrayLike<number>;

/** C[M x N] = A[M x K] B[K x N]. */
export function matmul(A: Vec, B: Vec, M: number, K: number, N: number): Float64Array {
  const C = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let p = 0; p < K; p++) s += A[i * K + p]! * B[p * N + j]!;
      C[i * N + j] = s;
    }
  return C;
}

export function transpose(A: Vec, rows: number, cols: number): Float64Array {
  const T = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) T[c * rows + r] = A[r * cols + c]!;
  return T;
}

/** Y = X W + b, optionally ReLU. */
export function denseForward(X: Vec, W: Vec, b: Vec, rows: number, fanIn: number, fanOut: number, relu: boolean): Float64Array {
  const Y = matmul(X, W, rows, fanIn, fanOut);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < fanOut; j++) {
      const v = Y[i * fanOut + j]! + b[j]!;
      Y[i * fanOut + j] = relu ? Math.max(v, 0) : v;
    }
  return Y;
}

/** dX = dY W^T masked by H > 0 (ReLU backward on the layer input H). */
export function inputGradient(dY: Vec, W: Vec, H: Vec, rows: number, fanIn: number, fanOut: number): Float64Array {
  const dX = matmul(dY, transpose(W, fanIn, fanOut), rows, fanOut, fanIn);
  for (let i = 0; i < dX.length; i++) if (!(H[i]! > 0)) dX[i] = 0;
  return dX;
}

/** dW = X^T dY. */
export function weightGradient(X: Vec, dY: Vec, rows: number, fanIn: number, fanOut: number): Float64Array {
  return matmul(transpose(X, rows, fanIn), dY, fanIn, rows, fanOut);
}

/** Per-row softmax, clipped cross-entropy loss sum, accuracy count, and (p - y) * scale gated by the clip. */
export function softmaxCrossEntropy(Z: Vec, labels: Vec, rows: number, K: number, scale: number, epsilon = 1e-7) {
  const P = new Float64Array(rows * K);
  const dZ = new Float64Array(rows * K);
  let lossSum = 0;
  let correct = 0;
  const upper = Math.fround(1 - Math.fround(epsilon));
  for (let r = 0; r < rows; r++) {
    let zmax = -Infinity;
    for (let k = 0; k < K; k++) zmax = Math.max(zmax, Z[r * K + k]!);
    let sum = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(Z[r * K + k]! - zmax);
    let best = 0;
    for (let k = 0; k < K; k++) {
      P[r * K + k] = Math.exp(Z[r * K + k]! - zmax) / sum;
      if (P[r * K + k]! > P[r * K + best]!) best = k;
    }
    const y = labels[r]!;
    if (best === y) correct++;
    const py = P[r * K + y]!;
    lossSum += -Math.log(Math.min(Math.max(py, epsilon), upper));
    const clipped = py < epsilon || py > upper;
    for (let k = 0; k < K; k++) dZ[r * K + k] = clipped ? 0 : (P[r * K + k]! - (k === y ? 1 : 0)) * scale;
  }
  return { P, dZ, lossSum, correct };
}

export function sumSquaredDeviation(w: Vec, w0: Vec): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += (w[i]! - w0[i]!) ** 2;
  return s;
}

/** A small multilayer perceptron in float64: loss and full backprop, the oracle for the wasm step. */
export interface RefLayer {
  W: Float64Array;
  b: Float64Array;
  fanIn: number;
  fanOut: number;
}

/** A hidden activation in float64, its value and derivative at the pre-activation z. */
export function refActivation(name: Activation): { f: (z: number) => number; df: (z: number) => number } {
  const sech2 = (z: number) => 1 - Math.tanh(z) ** 2;
  switch (name) {
    case "relu":
      return { f: (z) => Math.max(z, 0), df: (z) => (z > 0 ? 1 : 0) };
    case "tanh":
      return { f: Math.tanh, df: sech2 };
    case "xtanh":
      return { f: (z) => z * Math.tanh(z), df: (z) => Math.tanh(z) + z * sech2(z) };
    case "x2tanh":
      return { f: (z) => z * z * Math.tanh(z), df: (z) => 2 * z * Math.tanh(z) + z * z * sech2(z) };
  }
}

export function mlpLossAndGrads(layers: RefLayer[], X: Vec, labels: Vec, rows: number, epsilon = 1e-7, activation: Activation = "relu") {
  const { f, df } = refActivation(activation);
  // acts[l]: the input of layer l; pre[l]: its pre-activation (hidden levels).
  const acts: Float64Array[] = [Float64Array.from(X) as Float64Array];
  const pre: Float64Array[] = [new Float64Array(0)];
  layers.forEach((L, l) => {
    const z = denseForward(acts[l]!, L.W, L.b, rows, L.fanIn, L.fanOut, false);
    pre.push(z);
    acts.push(l < layers.length - 1 ? z.map(f) : z);
  });
  const K = layers[layers.length - 1]!.fanOut;
  const ce = softmaxCrossEntropy(acts[layers.length]!, labels, rows, K, 1 / rows, epsilon);
  const grads: { dW: Float64Array; db: Float64Array }[] = [];
  let dZ: Float64Array = ce.dZ;
  for (let l = layers.length - 1; l >= 0; l--) {
    const L = layers[l]!;
    const dW = weightGradient(acts[l]!, dZ, rows, L.fanIn, L.fanOut);
    const db = new Float64Array(L.fanOut);
    for (let r = 0; r < rows; r++) for (let j = 0; j < L.fanOut; j++) db[j] = db[j]! + dZ[r * L.fanOut + j]!;
    grads[l] = { dW, db };
    if (l > 0) {
      const dX = matmul(dZ, transpose(L.W, L.fanIn, L.fanOut), rows, L.fanOut, L.fanIn);
      const z = pre[l]!;
      for (let i = 0; i < dX.length; i++) dX[i] = dX[i]! * df(z[i]!);
      dZ = dX;
    }
  }
  return { loss: ce.lossSum / rows, grads, correct: ce.correct };
}

/** The float64 reference layers of a parameter block laid out by `layout`. */
export function refLayersOf(
  layout: { layers: readonly { fanIn: number; fanOut: number; weightOffset: number; weightCount: number; biasOffset: number }[] },
  params: ArrayLike<number>,
): RefLayer[] {
  return layout.layers.map((l) => ({
    fanIn: l.fanIn,
    fanOut: l.fanOut,
    W: Float64Array.from({ length: l.weightCount }, (_, i) => params[l.weightOffset + i]!),
    b: Float64Array.from({ length: l.fanOut }, (_, i) => params[l.biasOffset + i]!),
  }));
}
