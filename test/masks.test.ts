import { describe, expect, it } from "vitest";
import { deflateSync } from "node:zlib";
import { STROKE_FONT } from "../src/mask/font.js";
import { glyphMask } from "../src/mask/glyph.js";
import { decodeImage, imageMask, maskContrast } from "../src/mask/mask.js";
import { decodePng, encodePngRgb, pngChunk } from "../src/codec/png.js";
import { decodeNetpbm, encodePbm } from "../src/codec/netpbm.js";

const count = (m: Uint8Array) => m.reduce((s, v) => s + v, 0);
function bbox(m: Uint8Array, rows: number, cols: number) {
  let r0 = rows,
    r1 = -1,
    c0 = cols,
    c1 = -1;
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++)
      if (m[i * cols + j]) {
        r0 = Math.min(r0, i);
        r1 = Math.max(r1, i);
        c0 = Math.min(c0, j);
        c1 = Math.max(c1, j);
      }
  return { r0, r1, c0, c1 };
}

describe("glyph masks", () => {
  it.each([
    [32, 32],
    [100, 100],
    [300, 300],
    [784, 100],
  ])("'a' at %ix%i is a filled letter inside the margin", (rows, cols) => {
    const m = glyphMask("a", rows, cols);
    const frac = count(m) / (rows * cols);
    expect(frac).toBeGreaterThan(0.2);
    expect(frac).toBeLessThan(0.6);
    const b = bbox(m, rows, cols);
    expect(b.r0).toBeGreaterThanOrEqual(Math.floor(0.08 * rows) - 1);
    expect(b.r1).toBeLessThanOrEqual(Math.ceil(0.92 * rows));
    expect(b.c1 - b.c0 + 1).toBeGreaterThan(0.75 * cols);
    // A double-story a: a hole inside the bowl (glyph point (3.5, 13.5), at 63% down and
    // 45-50% across after the margin) and ink along its top.
    const mid = (fr: number, fc: number) => m[Math.floor(fr * rows) * cols + Math.floor(fc * cols)];
    expect(mid(0.63, 0.47)).toBe(0);
    expect(mid(0.12, 0.5)).toBe(1);
  });

  it("draws every printable ASCII character but space, and different characters differ", () => {
    const masks = new Map<string, string>();
    for (let c = 33; c < 127; c++) {
      const ch = String.fromCharCode(c);
      const m = glyphMask(ch, 40, 40);
      expect(count(m), ch).toBeGreaterThan(20);
      masks.set(ch, Buffer.from(m).toString("base64"));
    }
    expect(new Set(masks.values()).size).toBe(94);
    expect(Object.keys(STROKE_FONT)).toHaveLength(95);
    expect(() => glyphMask(" ", 10, 10)).toThrow(/no ink/);
    expect(() => glyphMask("é", 10, 10)).toThrow(/printable ASCII/);
  });
});

/** A PNG from raw chunks, for the decoder's odd cases. */
function png(ihdr: number[], rows: number[][], extra: [string, number[]][] = []): Uint8Array {
  const raw = Uint8Array.from(rows.flat());
  const parts = [
    new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]),
    pngChunk("IHDR", Uint8Array.from(ihdr)),
    ...extra.map(([t, d]) => pngChunk(t, Uint8Array.from(d))),
    pngChunk("IDAT", deflateSync(raw)),
    pngChunk("IEND", new Uint8Array(0)),
  ];
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

describe("image decoding", () => {
  it("PNG written by the project decodes back to the same pixels (as grey)", async () => {
    const rgb = Uint8Array.from({ length: 5 * 3 * 3 }, (_, i) => (i * 37) % 256);
    const img = await decodePng(await encodePngRgb(5, 3, rgb), "t.png");
    expect([img.width, img.height]).toEqual([5, 3]);
    for (let p = 0; p < 15; p++) expect(img.pixels[p]).toBe(Math.round(0.299 * rgb[3 * p]! + 0.587 * rgb[3 * p + 1]! + 0.114 * rgb[3 * p + 2]!));
  });

  it("decodes 1-bit palette PNGs and every row filter", async () => {
    // 4x2 palette image, 1 bit: row 0 = 1010, row 1 = 0101; palette 0 = black, 1 = white.
    const pal = png(
      [0, 0, 0, 4, 0, 0, 0, 2, 1, 3, 0, 0, 0],
      [
        [0, 0b10100000],
        [0, 0b01010000],
      ],
      [["PLTE", [0, 0, 0, 255, 255, 255]]],
    );
    expect(Array.from((await decodePng(pal, "p.png")).pixels)).toEqual([255, 0, 255, 0, 0, 255, 0, 255]);
    // 3x2 grey 8-bit with Sub, Up, Average and Paeth filters.
    const base = [10, 20, 30];
    const target = base.map((v) => v + 5);
    const paeth = (a: number, b: number, c: number) => {
      const p = a + b - c,
        pa = Math.abs(p - a),
        pb = Math.abs(p - b),
        pc = Math.abs(p - c);
      return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    };
    for (const filter of [1, 2, 3, 4]) {
      // Predictors read the reconstructed left pixel (a), the pixel above (b) and above-left (c).
      const row1 = target.map((v, i) => {
        const a = i > 0 ? target[i - 1]! : 0,
          b = base[i]!,
          c = i > 0 ? base[i - 1]! : 0;
        const pred = filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : paeth(a, b, c);
        return (v - pred + 256) % 256;
      });
      const img = await decodePng(
        png(
          [0, 0, 0, 3, 0, 0, 0, 2, 8, 0, 0, 0, 0],
          [
            [0, ...base],
            [filter, ...row1],
          ],
        ),
        `f${filter}.png`,
      );
      expect(Array.from(img.pixels.subarray(3)), `filter ${filter}`).toEqual(base.map((v) => v + 5));
    }
  });

  it("names the file and the fault for broken PNGs", async () => {
    const good = await encodePngRgb(2, 2, new Uint8Array(12));
    const flipped = good.slice();
    flipped[20]! ^= 1;
    await expect(decodePng(flipped, "x.png")).rejects.toThrow(/x.png: broken IHDR chunk \(CRC mismatch\)/);
    await expect(decodePng(good.subarray(0, good.length - 12), "y.png")).rejects.toThrow(/y.png: no IEND chunk \(truncated\)/);
    await expect(
      decodePng(
        png(
          [0, 0, 0, 2, 0, 0, 0, 2, 8, 0, 0, 0, 1],
          [
            [0, 1, 2],
            [0, 3, 4],
          ],
        ),
        "i.png",
      ),
    ).rejects.toThrow(/interlaced/);
  });

  it("reads PBM and PGM, ASCII and binary, with comments", () => {
    const text = (s: string) => new TextEncoder().encode(s);
    expect(Array.from(decodeNetpbm(text("P1\n# c\n3 2\n1 0 1\n0 1 0\n"), "a.pbm").pixels)).toEqual([0, 255, 0, 255, 0, 255]);
    expect(Array.from(decodeNetpbm(encodePbm(Uint8Array.from([1, 0, 1, 0, 1, 0]), 2, 3), "b.pbm").pixels)).toEqual([0, 255, 0, 255, 0, 255]);
    expect(Array.from(decodeNetpbm(text("P2 2 1 15 0 15"), "c.pgm").pixels)).toEqual([0, 255]);
    expect(Array.from(decodeNetpbm(Uint8Array.from([...text("P5\n2 1\n255\n"), 7, 200]), "d.pgm").pixels)).toEqual([7, 200]);
    expect(() => decodeNetpbm(Uint8Array.from([...text("P5\n4 1\n255\n"), 7]), "e.pgm")).toThrow(/e.pgm: truncated: needs 4 bytes/);
  });
});

describe("image masks", () => {
  it("resize an image to the matrix, dark = inside, and inverting swaps", async () => {
    // 4x4 image: left half black, right half white.
    const img = await decodeImage(new TextEncoder().encode("P1 4 4 1100 1100 1100 1100"), "h.pbm");
    expect(Array.from(imageMask(img, 2, 2, false))).toEqual([1, 0, 1, 0]);
    expect(Array.from(imageMask(img, 2, 2, true))).toEqual([0, 1, 0, 1]);
    expect(Array.from(imageMask(img, 3, 8, false).subarray(0, 8))).toEqual([1, 1, 1, 1, 0, 0, 0, 0]);
  });

  it("mask contrast is mean |w| outside over inside", () => {
    expect(maskContrast([0, 0, 2, -2], Uint8Array.from([0, 0, 1, 1]))).toBe(0);
    expect(maskContrast([1, -1, 2, -2], Uint8Array.from([0, 0, 1, 1]))).toBe(0.5);
  });
});
