/**
 * A 2-D map of a layer's neuron orientations: each neuron's unit input vector
 * (weights and bias) projected on the two principal directions of the set of
 * unit vectors. Neurons on one orientation land on one point; opposite
 * orientations on opposite points; every point lies in the unit disc, on its
 * rim when the layer's orientations span only two dimensions.
 *
 * With G the cosine matrix (G = U U^T, U the unit vectors as rows), its top
 * eigenpairs (l_k, e_k) give the coordinates sqrt(l_k) e_k[j] of neuron j:
 * the projections of u_j on U's top right singular vectors. Power iteration
 * from a fixed start, then deflation: the same numbers in every engine.
 */
export interface OrientationMap {
  /** Coordinates, in the order of the cosine matrix's rows. */
  x: Float64Array;
  y: Float64Array;
  /** Share of the unit vectors' total square length each direction holds (l_k / live neurons). */
  explained: [number, number];
}

const ITERATIONS = 300;

function topEigen(g: Float64Array, n: number): { value: number; vector: Float64Array } {
  let v = Float64Array.from({ length: n }, (_, j) => 1 + j / n);
  let value = 0;
  for (let k = 0; k < ITERATIONS; k++) {
    const w = new Float64Array(n);
    for (let a = 0; a < n; a++) {
      let s = 0;
      for (let b = 0; b < n; b++) s += g[a * n + b]! * v[b]!;
      w[a] = s;
    }
    let norm = 0;
    for (const x of w) norm += x * x;
    norm = Math.sqrt(norm);
    if (norm === 0) return { value: 0, vector: new Float64Array(n) };
    value = 0;
    for (let a = 0; a < n; a++) value += v[a]! * w[a]!;
    v = w.map((x) => x / norm);
  }
  // Sign: the largest component positive, so the picture does not flip between layers of the same shape.
  let big = 0;
  for (let a = 0; a < n; a++) if (Math.abs(v[a]!) > Math.abs(v[big]!)) big = a;
  if (v[big]! < 0) v = v.map((x) => -x);
  return { value: Math.max(value, 0), vector: v };
}

/** The map from an n x n cosine matrix (rows of dead neurons all 0). */
export function orientationMap(cos: ArrayLike<number>, n: number): OrientationMap {
  const g = Float64Array.from(cos);
  let live = 0;
  for (let a = 0; a < n; a++) if (g[a * n + a] !== 0) live++;
  const first = topEigen(g, n);
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) g[a * n + b] = g[a * n + b]! - first.value * first.vector[a]! * first.vector[b]!;
  const second = topEigen(g, n);
  const scale1 = Math.sqrt(first.value),
    scale2 = Math.sqrt(second.value);
  return {
    x: first.vector.map((e) => scale1 * e),
    y: second.vector.map((e) => scale2 * e),
    explained: [live ? first.value / live : 0, live ? second.value / live : 0],
  };
}
