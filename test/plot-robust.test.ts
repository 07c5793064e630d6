import { describe, expect, it } from "vitest";
import { Rng } from "../src/math/rng.js";
import { linePlot, ticks } from "../src/report/svg.js";

/**
 * The plotting layer on any input: random series of every awkward kind
 * (one value, values one ulp apart, ranges that overflow, subnormals,
 * non-finite points, negatives on log axes, 200,000 points) must give an
 * SVG with a short list of ticks, never a throw or a loop that does not end.
 */
const ULP = (x: number) => Math.abs(x) * Number.EPSILON || Number.MIN_VALUE;

type Maker = (rng: Rng, n: number) => number[];
const KINDS: Record<string, Maker> = {
  constant: (rng, n) => Array(n).fill(rng.uniform() * 1e6),
  "one ulp apart": (rng, n) => {
    const x = (rng.uniform() - 0.5) * 10 ** (rng.below(40) - 20);
    return Array.from({ length: n }, (_, i) => x + (i % 2) * ULP(x));
  },
  "large and one ulp apart": (_rng, n) => Array.from({ length: n }, (_, i) => 1e17 + (i % 2) * 16),
  "overflowing range": (_rng, n) => Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1) * Number.MAX_VALUE),
  subnormal: (rng, n) => Array.from({ length: n }, () => rng.below(5) * Number.MIN_VALUE),
  "with NaN and infinities": (rng, n) => Array.from({ length: n }, (_, i) => [Number.NaN, Infinity, -Infinity, rng.normal()][i % 4]!),
  "signed, on a log axis": (rng, n) => Array.from({ length: n }, () => rng.normal() * 10 ** rng.below(30)),
  "hundreds of decades": (rng, n) => Array.from({ length: n }, () => 10 ** (600 * rng.uniform() - 300)),
  ordinary: (rng, n) => Array.from({ length: n }, () => rng.uniform()),
};

describe("the plotting layer cannot loop or throw", () => {
  it("gives an SVG with at most a few dozen ticks for 500 random awkward series", () => {
    const rng = Rng.forStream(7, "plots");
    const names = Object.keys(KINDS);
    for (let trial = 0; trial < 500; trial++) {
      const kx = names[rng.below(names.length)]!,
        ky = names[rng.below(names.length)]!;
      const n = 1 + rng.below(6);
      const xs = KINDS[kx]!(rng, n),
        ys = KINDS[ky]!(rng, n);
      const log = { x: rng.below(2) === 1, y: rng.below(2) === 1 };
      const svg = linePlot({
        title: `${kx} x ${ky}`,
        x: { label: "x", log: log.x },
        y: { label: "y", log: log.y },
        series: [{ name: "s", points: xs.map((x, i) => [x, ys[i]!]), markers: true }],
      });
      expect(svg.startsWith("<svg"), `${kx} x ${ky} ${JSON.stringify(log)}`).toBe(true);
      expect((svg.match(/<text/g) ?? []).length, `${kx} x ${ky}`).toBeLessThan(80);
    }
  });

  it("ticks of a range one ulp wide, a range that overflows, and reversed or non-finite ends", () => {
    expect(ticks(1e17, 1e17 + 16, false)).toEqual([1e17 + 8]);
    expect(ticks(-Number.MAX_VALUE, Number.MAX_VALUE, false).length).toBeLessThanOrEqual(13);
    expect(ticks(1, 0, false)).toEqual(ticks(0, 1, false));
    expect(ticks(Number.NaN, 1, false)).toEqual([]);
    expect(ticks(1e-300, 1e300, true).length).toBeLessThanOrEqual(13);
    expect(ticks(0, 1, false)).toEqual([0, 0.2, 0.4, 0.6000000000000001, 0.8, 1]);
  });

  it("draws 200,000 points without overflowing the call stack", () => {
    const points = Array.from({ length: 200_000 }, (_, i) => [i, Math.sin(i / 1000)] as [number, number]);
    expect(linePlot({ title: "many", x: { label: "x" }, y: { label: "y" }, series: [{ name: "s", points }] })).toMatch(/^<svg/);
  });
});
