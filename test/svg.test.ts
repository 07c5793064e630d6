import { describe, expect, it } from "vitest";
import { linePlot, ticks } from "../src/report/svg.js";
import { checkXml, seriesCount } from "./helpers/xml.js";

describe("SVG plots", () => {
  it("are well-formed XML with one group per series, text escaped", () => {
    const svg = linePlot({
      title: "a < b & c",
      x: { label: "x", log: true },
      y: { label: "y" },
      series: [
        {
          name: "one",
          points: [
            [1, 2],
            [10, 3],
            [100, NaN],
            [1000, 4],
          ],
          band: [
            [1, 1, 3],
            [10, 2, 4],
          ],
        },
        { name: 'two "quoted"', points: [[1, 1]], errors: [[1, 1, 0.5, 1.5]], markers: true },
      ],
    });
    expect(checkXml(svg)[0]).toBe("svg");
    expect(seriesCount(svg)).toBe(2);
    expect(svg).toContain("a &lt; b &amp; c");
  });

  it("the checker itself rejects broken XML", () => {
    expect(() => checkXml("<svg><g></svg>")).toThrow(/does not close/);
    expect(() => checkXml('<svg a="1" a="2"/>')).toThrow(/duplicate/);
    expect(() => checkXml("<svg>a & b</svg>")).toThrow(/bare &/);
  });

  it("ticks: 1-2-5 steps and decades", () => {
    expect(ticks(0, 1, false).map((v) => Number(v.toFixed(12)))).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(ticks(1, 1000, true)).toEqual([1, 10, 100, 1000]);
    expect(ticks(10, 300, true)).toEqual([10, 20, 50, 100, 200]);
  });
});
