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
}

/** Unit input vectors of a layer's neurons (null for dead ones) and their norms. */
function unitVectors(W: ArrayLike<number>, b: ArrayLike<number>, fanIn: number, fanOut: number): { unit: (Float64Array | null)[]; norms: number[] } {
  const unit: (Float64Array | null)[] = [];
  const norms: number[] = [];
  // W's rows in order, each scattered over the neurons' vectors: reading a
  // column at a time would stride through all of W once per neuron.
  const vectors = Array.from({ length: fanOut }, () => new Float64Array(fanIn + 1));
  for (let i = 0; i < fanIn; i++) {
    const row = i * fanOut;
    for (let j = 0; j < fanOut; j++) vectors[j]![i] = W[row + j]!;
  }
  for (let j = 0; j < fanOut; j++) {
    const v = vectors[j]!;
    v[fanIn] = b[j]!;
    let n = 0;
    for (const x of v) n += x * x;
    n = Math.sqrt(n);
    norms.push(n);
    if (n === 0) {
      unit.push(null);
      continue;
    }
    for (let i = 0; i <= fanIn; i++) v[i]! /= n;
    unit.push(v);
  }
  return { unit, norms };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * u . v for four vectors v at once into out[0..3], each summed in index
 * order exactly as dot() sums it. One sum alone waits on its adder's latency
 * at every term; four independent sums keep it busy.
 */
function dot4(u: Float64Array, v0: Float64Array, v1: Float64Array, v2: Float64Array, v3: Float64Array, out: Float64Array): void {
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0;
  for (let i = 0; i < u.length; i++) {
    const x = u[i]!;
    s0 += x * v0[i]!;
    s1 += x * v1[i]!;
    s2 += x * v2[i]!;
    s3 += x * v3[i]!;
  }
  out[0] = s0;
  out[1] = s1;
  out[2] = s2;
  out[3] = s3;
}

export interface CondensationResult extends Condensation {
  /** Neurons ordered by cluster (largest first), for the similarity figure. */
  order: number[];
  /** cos(order[a], order[b]) as a row-major n x n matrix (dead neurons 0). */
  similarity: Float32Array;
}

export function condensation(
  W: ArrayLike<number>,
  b: ArrayLike<number>,
  fanIn: number,
  fanOut: number,
  threshold = CONDENSATION_THRESHOLD,
): CondensationResult {
  const { unit, norms } = unitVectors(W, b, fanIn, fanOut);
  const cos = new Float32Array(fanOut * fanOut);
  let sumAbs = 0,
    pairs = 0;
  const live = unit.flatMap((u, j) => (u ? [j] : []));
  const four = new Float64Array(4);
  for (let a = 0; a < live.length; a++) {
    const j = live[a]!;
    const u = unit[j]!;
    cos[j * fanOut + j] = 1;
    // The later live neurons k, four at a time, then one at a time; the
    // pairs are then taken in k order, so sumAbs adds up as before.
    for (let b = a + 1; b < live.length; b += 4) {
      const n = Math.min(4, live.length - b);
      if (n === 4) dot4(u, unit[live[b]!]!, unit[live[b + 1]!]!, unit[live[b + 2]!]!, unit[live[b + 3]!]!, four);
      else for (let t = 0; t < n; t++) four[t] = dot(u, unit[live[b + t]!]!);
      for (let t = 0; t < n; t++) {
        const k = live[b + t]!,
          c = four[t]!;
        cos[j * fanOut + k] = c;
        cos[k * fanOut + j] = c;
        sumAbs += Math.abs(c);
        pairs++;
      }
    }
  }
  const byNorm = Array.from({ length: fanOut }, (_, j) => j)
    .filter((j) => unit[j])
    .sort((a, b) => norms[b]! - norms[a]! || a - b);
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
  const alive = byNorm.length;
  clusters.sort((a, b) => b.length - a.length || a[0]! - b[0]!);
  const order = [...clusters.flat(), ...Array.from({ length: fanOut }, (_, j) => j).filter((j) => !unit[j])];
  const similarity = new Float32Array(fanOut * fanOut);
  order.forEach((j, a) =>
    order.forEach((k, c) => {
      similarity[a * fanOut + c] = cos[j * fanOut + k]!;
    }),
  );
  return {
    threshold,
    neurons: fanOut,
    orientations: clusters.length,
    condensed_fraction: alive ? clusters.filter((c) => c.length > 1).reduce((s, c) => s + c.length, 0) / alive : 0,
    largest_fraction: alive ? (clusters[0]?.length ?? 0) / alive : 0,
    dead: fanOut - alive,
    mean_abs_cos: pairs ? sumAbs / pairs : 0,
    order,
    similarity,
  };
}
