import { describe, expect, it } from "vitest";
import { Rng } from "../src/math/rng.js";

describe("xoshiro128** generator", () => {
  it("matches the reference implementation's output for a known state", () => {
    // Reference values from the C code of xoshiro128** 1.1 with s = {1, 2, 3, 4}.
    const rng = Rng.fromState([1, 2, 3, 4]);
    expect([rng.nextU32(), rng.nextU32(), rng.nextU32(), rng.nextU32()]).toEqual([11520, 0, 5927040, 70819200]);
  });

  it("resumes the exact stream from its serialised state", () => {
    const a = Rng.forStream(42, "shuffle");
    for (let i = 0; i < 100; i++) a.nextU32();
    const b = Rng.fromState(JSON.parse(JSON.stringify(a.state())));
    expect(Array.from({ length: 50 }, () => b.nextU32())).toEqual(Array.from({ length: 50 }, () => a.nextU32()));
  });

  it("gives independent streams per purpose and per seed", () => {
    const first = (seed: number, stream: string) => Rng.forStream(seed, stream).nextU32();
    expect(first(1, "init")).not.toBe(first(1, "shuffle"));
    expect(first(1, "init")).not.toBe(first(2, "init"));
  });

  it("draws unbiased integers below n and uniforms in [0, 1)", () => {
    const rng = Rng.forStream(7, "test");
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60000; i++) counts[rng.below(6)]++;
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(400);
    let mean = 0;
    for (let i = 0; i < 20000; i++) {
      const u = rng.uniform();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      mean += u / 20000;
    }
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
  });

  it("shuffles to a permutation", () => {
    const a = Uint32Array.from({ length: 1000 }, (_, i) => i);
    Rng.forStream(3, "shuffle").shuffle(a);
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(a.subarray(0, 10))).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("refuses seeds outside [0, 2^32)", () => {
    expect(() => Rng.forStream(-1, "x")).toThrow(RangeError);
    expect(() => Rng.forStream(2 ** 32, "x")).toThrow(RangeError);
    expect(() => Rng.forStream(1.5, "x")).toThrow(RangeError);
  });
});
