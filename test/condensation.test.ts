import { describe, expect, it } from "vitest";
import { condensation, condensationSummary } from "../src/analysis/condensation.js";
import { orientationMap } from "../src/analysis/orientationMap.js";
import { Rng } from "../src/math/rng.js";

/** W [fanIn x fanOut] whose neuron j is direction dirs[j] scaled, plus noise; biases 0. */
function layer(fanIn: number, dirsOf: number[], dirs: Float64Array[], noise: number, seed: number) {
  const rng = Rng.forStream(seed, "cond");
  const fanOut = dirsOf.length;
  const W = new Float32Array(fanIn * fanOut);
  dirsOf.forEach((d, j) => {
    const scale = 0.5 + rng.uniform();
    for (let i = 0; i < fanIn; i++) W[i * fanOut + j] = scale * dirs[d]![i]! + noise * rng.normal();
  });
  return { W, b: new Float32Array(fanOut), fanOut };
}

const randomDirs = (k: number, fanIn: number, seed: number) => {
  const rng = Rng.forStream(seed, "dirs");
  return Array.from({ length: k }, () => Float64Array.from({ length: fanIn }, () => rng.normal()));
};

/**
 * The definition, one cosine at a time: unit vectors (W column, bias) in
 * float64, each dot product summed in index order, the pairs (j < k) in
 * order for the mean |cos|. condensation() computes several at once and
 * must give these very bits.
 */
function referenceCosines(W: Float32Array, b: Float32Array, fanIn: number, fanOut: number) {
  const unit = Array.from({ length: fanOut }, (_, j) => {
    const v = Float64Array.from({ length: fanIn + 1 }, (_, i) => (i < fanIn ? W[i * fanOut + j]! : b[j]!));
    let n = 0;
    for (const x of v) n += x * x;
    n = Math.sqrt(n);
    return n === 0 ? null : v.map((x) => x / n);
  });
  const cos = new Float32Array(fanOut * fanOut);
  let sumAbs = 0,
    pairs = 0;
  for (let j = 0; j < fanOut; j++) {
    if (!unit[j]) continue;
    cos[j * fanOut + j] = 1;
    for (let k = j + 1; k < fanOut; k++) {
      if (!unit[k]) continue;
      let s = 0;
      for (let i = 0; i <= fanIn; i++) s += unit[j]![i]! * unit[k]![i]!;
      cos[j * fanOut + k] = s;
      cos[k * fanOut + j] = s;
      sumAbs += Math.abs(s);
      pairs++;
    }
  }
  return { cos, meanAbsCos: pairs ? sumAbs / pairs : 0 };
}

describe("condensation", () => {
  // Widths leave every remainder of the two-rows-by-four-columns blocking; some neurons are dead (all-zero vectors).
  it.each([1, 2, 3, 5, 6, 7, 9, 12, 13, 31])("gives the definition's cosines and mean |cos| bit for bit (%i neurons, some dead)", (fanOut) => {
    const rng = Rng.forStream(fanOut, "cond-ref");
    const fanIn = 17;
    const W = Float32Array.from({ length: fanIn * fanOut }, () => rng.normal());
    const b = Float32Array.from({ length: fanOut }, () => rng.normal());
    for (let j = 1; j < fanOut; j += 4) {
      for (let i = 0; i < fanIn; i++) W[i * fanOut + j] = 0;
      b[j] = 0;
    }
    const c = condensation(W, b, fanIn, fanOut);
    const want = referenceCosines(W, b, fanIn, fanOut);
    expect(c.mean_abs_cos).toBe(want.meanAbsCos);
    // c.similarity is the cosine matrix with rows and columns in c.order.
    const got = new Float32Array(fanOut * fanOut);
    c.order.forEach((j, a) => c.order.forEach((k, d) => (got[j * fanOut + k] = c.similarity[a * fanOut + d]!)));
    expect(Array.from(got)).toEqual(Array.from(want.cos));
  });

  it("counts the orientations of neurons built on 3 known directions", () => {
    const dirs = randomDirs(3, 50, 1);
    const assignment = Array.from({ length: 30 }, (_, j) => j % 3);
    const { W, b, fanOut } = layer(50, assignment, dirs, 0.02, 2);
    const c = condensation(W, b, 50, fanOut);
    expect(c.orientations).toBe(3);
    expect(c.condensed_fraction).toBe(1);
    expect(c.largest_fraction).toBeCloseTo(1 / 3, 12);
    // Ordered by cluster: the similarity matrix is block diagonal.
    expect(c.similarity[0 * 30 + 9]).toBeGreaterThan(0.95);
    expect(Math.abs(c.similarity[0 * 30 + 10]!)).toBeLessThan(0.6);
  });

  it("finds no condensation among random neurons", () => {
    const dirs = randomDirs(40, 100, 3);
    const { W, b, fanOut } = layer(
      100,
      Array.from({ length: 40 }, (_, j) => j),
      dirs,
      0,
      4,
    );
    const c = condensation(W, b, 100, fanOut);
    expect(c.orientations).toBe(40);
    expect(c.condensed_fraction).toBe(0);
    expect(c.mean_abs_cos).toBeLessThan(0.15);
  });

  it("leaves dead neurons out and keeps opposite neurons apart", () => {
    const dirs = randomDirs(1, 20, 5);
    const neg = Float64Array.from(dirs[0]!, (v) => -v);
    const { W, b, fanOut } = layer(20, [0, 0, 1, 1, 2], [dirs[0]!, neg, new Float64Array(20)], 0, 6);
    const c = condensation(W, b, 20, fanOut);
    expect(c.dead).toBe(1);
    expect(c.orientations).toBe(2);
    expect(c.condensed_fraction).toBe(1);
  });

  it("summarises without the similarity matrix exactly as the full result does", () => {
    const dirs = randomDirs(4, 30, 7);
    const { W, b, fanOut } = layer(
      30,
      Array.from({ length: 24 }, (_, j) => j % 4),
      dirs,
      0.05,
      8,
    );
    const { order: _o, similarity: _s, sizes: _z, ...scalars } = condensation(W, b, 30, fanOut);
    expect(condensationSummary(W, b, 30, fanOut)).toStrictEqual(scalars);
    expect(Object.keys(condensationSummary(W, b, 30, fanOut))).toEqual(Object.keys(scalars));
  });

  it("counts the bias as part of the input vector", () => {
    const W = Float32Array.from([1, 1]); // fanIn 1, fanOut 2: the same weight...
    expect(condensation(W, Float32Array.from([0, 0]), 1, 2).orientations).toBe(1);
    expect(condensation(W, Float32Array.from([5, -5]), 1, 2).orientations).toBe(2); // ...different biases
  });

  describe("the 2-D orientation map", () => {
    it("puts neurons on 3 known directions on 3 points, and every point in the unit disc", () => {
      const dirs = randomDirs(3, 40, 11);
      const { W, b, fanOut } = layer(
        40,
        Array.from({ length: 30 }, (_, j) => j % 3),
        dirs,
        0.01,
        12,
      );
      const c = condensation(W, b, 40, fanOut);
      expect(c.sizes).toEqual([10, 10, 10]);
      const map = orientationMap(c.similarity, fanOut);
      for (let a = 0; a < fanOut; a++) expect(Math.hypot(map.x[a]!, map.y[a]!)).toBeLessThanOrEqual(1 + 1e-9);
      // Within a cluster (consecutive in the cosine matrix's order) the points coincide; between clusters they do not.
      const at = (a: number) => [map.x[a]!, map.y[a]!] as const;
      for (let k = 0; k < 3; k++)
        for (let a = 10 * k; a < 10 * k + 10; a++) expect(Math.hypot(at(a)[0] - at(10 * k)[0], at(a)[1] - at(10 * k)[1])).toBeLessThan(0.02);
      expect(Math.hypot(at(0)[0] - at(10)[0], at(0)[1] - at(10)[1])).toBeGreaterThan(0.2);
      // Three directions hold almost all of the spread: two of them on the plane.
      expect(map.explained[0]! + map.explained[1]!).toBeGreaterThan(0.6);
    });

    it("puts anti-aligned neurons on opposite points of the rim, and leaves dead neurons at the centre", () => {
      // fanIn 2: neurons along +e1, -e1, +e2 and one dead (all zero).
      const W = Float32Array.from([1, -1, 0, 0, 0, 0, 1, 0]);
      const c = condensation(W, new Float32Array(4), 2, 4);
      const map = orientationMap(c.similarity, 4);
      const live = c.sizes.reduce((s, n) => s + n, 0);
      expect(live).toBe(3);
      const points = Array.from({ length: 4 }, (_, a) => [map.x[a]!, map.y[a]!]);
      // Two dimensions hold everything: every live neuron on the rim.
      for (let a = 0; a < live; a++) expect(Math.hypot(points[a]![0]!, points[a]![1]!)).toBeCloseTo(1, 6);
      expect(Math.hypot(points[3]![0]!, points[3]![1]!)).toBe(0);
      const e1 = c.order.indexOf(0),
        minus = c.order.indexOf(1);
      expect(points[e1]![0]! + points[minus]![0]!).toBeCloseTo(0, 9);
      expect(points[e1]![1]! + points[minus]![1]!).toBeCloseTo(0, 9);
    });
  });
});
