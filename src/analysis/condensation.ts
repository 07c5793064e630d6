import { sumOfSquares } from "./sums.js";
/**
 * Condensation (the related work in shared/paper/): at small initial scales
 * the input vectors of a layer's neurons (incoming weights plus bias) align
 * on a few orientations. For a hidden layer with W [fanIn x fanOut] and b:
 *   v_j = (W[:, j], b_j)                      one vector per neuron j
 *   cos(j, k) = v_j . v_k / (|v_j| |v_k|)     the similarity matrix
 * Clustering, greedy and deterministic: neurons in order of decreasing |v|;
 * each neuron not yet in a cluster starts one and takes every unclustered
 * neuron with cos >= threshold (default 0.95, about 18 degrees) to it.
 *   orientations        clusters: about fanOut when nothing has condensed, a handful when it has
 *   condensed_fraction  neurons in clusters of two or more
 *   largest_fraction    neurons in the largest cluster
 *   dead                neurons whose vector is exactly zero (left out)
 * Anti-aligned neurons (cos near -1) are different orientations: a ReLU
 * neuron and its opposite respond to opposite half-spaces.
 */
export const CONDENSATION_THRESHOLD = 0.95;

export interface Condensation {
  threshold: number;
  neurons: number;
  orientations: number;
  condensed_fraction: number;
  largest_fraction: number;
  dead: number;
  mean_abs_cos: number;
  /** With the record option `clusters` (the condensation study): the sizes of the clusters of two or more neurons, largest first. */
  clusters?: number[];
}

/** Unit input vectors of a layer's neurons (null for dead ones) and their norms. */
function unitVectors(W: ArrayLike<number>, b: ArrayLike<number>, fanIn: number, fanOut: number): { unit: (Float64Array | null)[]; norms: number[] } {
  const unit: (Float64Array | null)[] = [];
  const norms: number[] = [];
  // W's rows in order, each scattered over the neurons' vectors: reading a
  // column at a time would stride through all of W once per neuron.
  const vectors = Array.from({ length: fanOut }, () => new Float64Array(fanIn + 1));
  scatterRows(W, vectors, fanIn, fanOut);
  for (let j = 0; j < fanOut; j++) {
    const v = vectors[j]!;
    v[fanIn] = b[j]!;
    const n = Math.sqrt(sumOfSquares(v));
    norms.push(n);
    if (n === 0) {
      unit.push(null);
      continue;
    }
    divideBy(v, n);
    unit.push(v);
  }
  return { unit, norms };
}

// unitVectors's loops, functions of their own: see argsortF32.

/** vectors[j][i] = W[i][j] for every row i of W. */
function scatterRows(W: ArrayLike<number>, vectors: Float64Array[], fanIn: number, fanOut: number): void {
  for (let i = 0; i < fanIn; i++) {
    const row = i * fanOut;
    for (let j = 0; j < fanOut; j++) vectors[j]![i] = W[row + j]!;
  }
}

function divideBy(v: Float64Array, n: number): void {
  for (let i = 0; i < v.length; i++) v[i]! /= n;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * u0 . v and u1 . v for four vectors v at once, into out[0..3] (u0) and
 * out[4..7] (u1), each summed in index order exactly as dot() sums it. One
 * sum alone waits on its adder at every term; eight independent sums keep
 * it busy, and each loaded element serves two or four of them.
 */
function dot2x4(u0: Float64Array, u1: Float64Array, v0: Float64Array, v1: Float64Array, v2: Float64Array, v3: Float64Array, out: Float64Array): void {
  let a0 = 0,
    a1 = 0,
    a2 = 0,
    a3 = 0,
    b0 = 0,
    b1 = 0,
    b2 = 0,
    b3 = 0;
  for (let i = 0; i < u0.length; i++) {
    const x = u0[i]!,
      y = u1[i]!,
      p = v0[i]!,
      q = v1[i]!,
      r = v2[i]!,
      s = v3[i]!;
    a0 += x * p;
    a1 += x * q;
    a2 += x * r;
    a3 += x * s;
    b0 += y * p;
    b1 += y * q;
    b2 += y * r;
    b3 += y * s;
  }
  out[0] = a0;
  out[1] = a1;
  out[2] = a2;
  out[3] = a3;
  out[4] = b0;
  out[5] = b1;
  out[6] = b2;
  out[7] = b3;
}

/**
 * cos of live neuron a (and of a + 1, when there is one) with every later
 * live neuron: first[b] = cos(live[a], live[b]) for b > a, second[b] =
 * cos(live[a + 1], live[b]) for b > a + 1. `eight` is dot2x4's scratch.
 */
function cosRows(unit: (Float64Array | null)[], live: number[], a: number, first: Float64Array, second: Float64Array, eight: Float64Array): void {
  const u0 = unit[live[a]!]!;
  const n = live.length;
  if (a + 1 >= n) return;
  const u1 = unit[live[a + 1]!]!;
  first[a + 1] = dot(u0, u1);
  let b = a + 2;
  for (; b + 4 <= n; b += 4) {
    dot2x4(u0, u1, unit[live[b]!]!, unit[live[b + 1]!]!, unit[live[b + 2]!]!, unit[live[b + 3]!]!, eight);
    for (let t = 0; t < 4; t++) {
      first[b + t] = eight[t]!;
      second[b + t] = eight[4 + t]!;
    }
  }
  for (; b < n; b++) {
    const v = unit[live[b]!]!;
    first[b] = dot(u0, v);
    second[b] = dot(u1, v);
  }
}

export interface CondensationResult extends Condensation {
  /** Neurons ordered by cluster (largest first), for the similarity figure. */
  order: number[];
  /** cos(order[a], order[b]) as a row-major n x n matrix (dead neurons 0). */
  similarity: Float32Array;
  /** Sizes of the clusters in `order`, singletons included (dead neurons follow them). */
  sizes: number[];
}

/** The summary of a layer's condensation: what the recorder writes, without the n x n matrix only the figure needs. */
export function condensationSummary(
  W: ArrayLike<number>,
  b: ArrayLike<number>,
  fanIn: number,
  fanOut: number,
  threshold = CONDENSATION_THRESHOLD,
  withClusters = false,
): Condensation {
  const { summary, clusters } = orientations(W, b, fanIn, fanOut, threshold);
  return withClusters ? { ...summary, clusters: clusters.filter((c) => c.length > 1).map((c) => c.length) } : summary;
}

/** The summary, and the similarity matrix ordered by cluster for the figure. */
export function condensation(
  W: ArrayLike<number>,
  b: ArrayLike<number>,
  fanIn: number,
  fanOut: number,
  threshold = CONDENSATION_THRESHOLD,
): CondensationResult {
  const { summary, cos, clusters, unit } = orientations(W, b, fanIn, fanOut, threshold);
  const order = [...clusters.flat(), ...Array.from({ length: fanOut }, (_, j) => j).filter((j) => !unit[j])];
  const similarity = new Float32Array(fanOut * fanOut);
  order.forEach((j, a) =>
    order.forEach((k, c) => {
      similarity[a * fanOut + c] = cos[j * fanOut + k]!;
    }),
  );
  return { ...summary, order, similarity, sizes: clusters.map((c) => c.length) };
}

/**
 * The cosine matrix, the clusters (largest first) and the summary. Its
 * loops are functions of their own (cosineMatrix, greedyClusters): see
 * argsortF32 for why.
 */
function orientations(
  W: ArrayLike<number>,
  b: ArrayLike<number>,
  fanIn: number,
  fanOut: number,
  threshold: number,
): { summary: Condensation; cos: Float32Array; clusters: number[][]; unit: (Float64Array | null)[] } {
  const { unit, norms } = unitVectors(W, b, fanIn, fanOut);
  const cos = new Float32Array(fanOut * fanOut);
  const live = unit.flatMap((u, j) => (u ? [j] : []));
  const sumAbs = cosineMatrix(unit, live, fanOut, cos);
  const byNorm = [...live].sort((a, b) => norms[b]! - norms[a]! || a - b);
  const clusters = greedyClusters(byNorm, cos, fanOut, threshold);
  const liveCount = live.length;
  const pairs = (liveCount * (liveCount - 1)) / 2;
  clusters.sort((a, b) => b.length - a.length || a[0]! - b[0]!);
  const summary: Condensation = {
    threshold,
    neurons: fanOut,
    orientations: clusters.length,
    condensed_fraction: liveCount ? clusters.filter((c) => c.length > 1).reduce((s, c) => s + c.length, 0) / liveCount : 0,
    largest_fraction: liveCount ? (clusters[0]?.length ?? 0) / liveCount : 0,
    dead: fanOut - liveCount,
    mean_abs_cos: pairs ? sumAbs / pairs : 0,
  };
  return { summary, cos, clusters, unit };
}

/**
 * cos (fanOut x fanOut, row-major) of every pair of live neurons, 1 on their
 * diagonal; returns the sum of |cos| over the pairs j < k. Two rows of the
 * triangle at a time (cosRows), then their pairs taken in (j, k) order, so
 * the sum adds up as it always did.
 */
function cosineMatrix(unit: (Float64Array | null)[], live: number[], fanOut: number, cos: Float32Array): number {
  let sumAbs = 0;
  const rows = [new Float64Array(live.length), new Float64Array(live.length)];
  const eight = new Float64Array(8);
  for (let a = 0; a < live.length; a += 2) {
    cosRows(unit, live, a, rows[0]!, rows[1]!, eight);
    for (let r = 0; r < 2 && a + r < live.length; r++) {
      const j = live[a + r]!;
      cos[j * fanOut + j] = 1;
      for (let c = a + r + 1; c < live.length; c++) {
        const k = live[c]!,
          value = rows[r]![c]!;
        cos[j * fanOut + k] = value;
        cos[k * fanOut + j] = value;
        sumAbs += Math.abs(value);
      }
    }
  }
  return sumAbs;
}

/** Neurons in order of decreasing |v|: each one not yet in a cluster starts one and takes every unclustered neuron with cos >= threshold to it. */
function greedyClusters(byNorm: number[], cos: Float32Array, fanOut: number, threshold: number): number[][] {
  const cluster = new Int32Array(fanOut).fill(-1);
  const clusters: number[][] = [];
  for (const j of byNorm) {
    if (cluster[j]! >= 0) continue;
    const members = [j];
    cluster[j] = clusters.length;
    for (const k of byNorm)
      if (cluster[k]! < 0 && cos[j * fanOut + k]! >= threshold) {
        cluster[k] = clusters.length;
        members.push(k);
      }
    clusters.push(members);
  }
  return clusters;
}
