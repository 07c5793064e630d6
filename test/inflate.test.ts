import { describe, expect, it } from "vitest";
import { constants, deflateSync } from "node:zlib";
import { inflateZlib } from "../src/codec/inflate.js";
import { decodePng, encodePngRgb } from "../src/codec/png.js";
import { Rng } from "../src/math/rng.js";

const rand = (seed: number) => {
  const r = Rng.forStream(seed, "inflate-test");
  return () => r.uniform();
};

function sample(kind: string, n: number, seed: number): Uint8Array {
  const u = rand(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++)
    out[i] = kind === "random" ? Math.floor(u() * 256) : kind === "runs" ? Math.floor(i / 97) % 3 : "black on white, like HASYv2 "[i % 28]!.charCodeAt(0);
  return out;
}

describe("inflate (the page's synchronous zlib decoder)", () => {
  it("decodes what Node's zlib wrote: stored, fixed and dynamic blocks, every strategy", () => {
    const strategies = [constants.Z_DEFAULT_STRATEGY, constants.Z_FIXED, constants.Z_HUFFMAN_ONLY, constants.Z_RLE, constants.Z_FILTERED];
    for (const kind of ["random", "runs", "text"]) {
      for (const n of [0, 1, 300, 70_000]) {
        const data = sample(kind, n, n + 1);
        for (const level of [0, 1, 6, 9])
          for (const strategy of strategies) {
            const got = inflateZlib(new Uint8Array(deflateSync(data, { level, strategy })));
            expect(Buffer.from(got).equals(Buffer.from(data)), `${kind} n=${n} level=${level} strategy=${strategy}`).toBe(true);
          }
      }
    }
  });

  it("decodes PNGs to the same pixels as the platform's DecompressionStream", async () => {
    const u = rand(3);
    for (const [w, h] of [
      [32, 32],
      [7, 5],
      [100, 40],
    ] as const) {
      const rgb = Uint8Array.from({ length: w * h * 3 }, () => Math.floor(u() * 256));
      const png = await encodePngRgb(w, h, rgb);
      expect((await decodePng(png, "x.png", inflateZlib)).pixels).toEqual((await decodePng(png, "x.png")).pixels);
    }
  });

  it("fuzz: 300 truncated or bit-flipped streams throw or give the original bytes, never hang", () => {
    const data = sample("text", 5000, 9);
    const good = new Uint8Array(deflateSync(data));
    const u = rand(11);
    let errors = 0;
    for (let t = 0; t < 300; t++) {
      const bad = t % 3 === 0 ? good.subarray(0, Math.floor(u() * good.length)) : good.slice();
      if (t % 3)
        for (let f = 0; f < 1 + (t % 3); f++) {
          const bit = Math.floor(u() * bad.length * 8);
          bad[bit >> 3]! ^= 1 << (bit & 7);
        }
      try {
        expect(Buffer.from(inflateZlib(bad)).equals(Buffer.from(data))).toBe(true);
      } catch (e) {
        expect((e as Error).message).toMatch(/^inflate: /);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(250);
  });
});
