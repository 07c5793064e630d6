import { describe, expect, it } from "vitest";
import { decodePng } from "../src/codec/png.js";
import { weightImage } from "../src/report/figures.js";

describe("weight-matrix images", () => {
  it("decode back to the colour map: white at 0, saturated at +-limit", async () => {
    const img = await decodePng(await weightImage([0, 1, -1, 0.5], 2, 2, 1), "w.png");
    expect([img.width, img.height]).toEqual([2, 2]);
    expect(img.pixels[0]).toBe(255);
    expect(img.pixels[1]).toBeLessThan(100);
    expect(img.pixels[2]).toBeLessThan(120);
    expect(img.pixels[3]).toBeGreaterThan(img.pixels[1]!);
  });

  it("subsample large matrices to at most 512 pixels a side", async () => {
    const img = await decodePng(await weightImage(new Float32Array(1000 * 600), 1000, 600, 1), "big.png");
    expect(Math.max(img.width, img.height)).toBeLessThanOrEqual(512);
  });
});
