import { describe, expect, it } from "vitest";
import { condensation } from "../src/analysis/condensation.js";
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

describe("condensation", () => {
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

  it("counts the bias as part of the input vector", () => {
    const W = Float32Array.from([1, 1]); // fanIn 1, fanOut 2: the same weight...
    expect(condensation(W, Float32Array.from([0, 0]), 1, 2).orientations).toBe(1);
    expect(condensation(W, Float32Array.from([5, -5]), 1, 2).orientations).toBe(2); // ...different biases
  });
});
