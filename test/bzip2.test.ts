import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { bunzip2 } from "../src/codec/bzip2.js";
import { UserError } from "../src/errors.js";
import { Rng } from "../src/math/rng.js";

const mulberry32 = (seed: number) => {
  const r = Rng.forStream(seed, "bzip2-test");
  return () => r.uniform();
};

/** Compressed by the system's bzip2, an independent encoder. */
const bzip2 = (data: Uint8Array, level = 9) => new Uint8Array(execFileSync("bzip2", ["-c", `-${level}`], { input: data, maxBuffer: 1 << 28 }));

const TEXT = "initdrift measures how far training moves weights. ";
/** Byte equality without a deep-equality walk over a million elements. */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));

function sample(kind: string, n: number, seed = 1): Uint8Array {
  const rand = mulberry32(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (kind === "random") out[i] = Math.floor(rand() * 256);
    else if (kind === "runs") out[i] = Math.floor(i / (1 + Math.floor(rand() * 600))) & 3;
    else if (kind === "text") out[i] = TEXT.charCodeAt(i % TEXT.length);
    else out[i] = rand() < 0.9 ? 0 : Math.floor(rand() * 256); // sparse, like tar padding around PNGs
  }
  return out;
}

describe("bzip2 decoder", () => {
  for (const kind of ["random", "runs", "text", "sparse"]) {
    it(`decodes what bzip2 -1 and -9 wrote: ${kind}, across several blocks`, () => {
      const data = sample(kind, 260_000);
      for (const level of [1, 9]) expect(same(bunzip2(bzip2(data, level), kind), data)).toBe(true);
    });
  }

  it("decodes empty input, one byte, long runs of one byte (the run-length edge cases)", () => {
    for (const data of [
      new Uint8Array(0),
      new Uint8Array([42]),
      new Uint8Array(4),
      new Uint8Array(5),
      new Uint8Array(259),
      new Uint8Array(1_000_000).fill(9),
    ]) {
      expect(same(bunzip2(bzip2(data), "edge"), data)).toBe(true);
    }
  });

  it("decodes concatenated streams as one, and ignores zero padding after the end", () => {
    const a = sample("text", 5000),
      b = sample("random", 3000, 2);
    const both = new Uint8Array([...bzip2(a), ...bzip2(b, 1), 0, 0, 0]);
    expect(bunzip2(both, "cat")).toEqual(new Uint8Array([...a, ...b]));
  });

  it("names the file and says what is wrong: not bzip2, trailing bytes", () => {
    expect(() => bunzip2(new TextEncoder().encode("hello"), "x.bz2")).toThrow(/^x\.bz2: not a bzip2 file/);
    expect(() => bunzip2(new Uint8Array([...bzip2(sample("text", 100)), 1, 2, 3]), "y.bz2")).toThrow(
      /y\.bz2: broken bzip2 data \(unexpected bytes after the end/,
    );
  });

  it("fuzz: 300 truncated or bit-flipped files give a clean error or the original bytes, never a crash or hang", () => {
    const data = sample("sparse", 40_000, 3);
    const good = bzip2(data);
    const rand = mulberry32(7);
    let errors = 0;
    for (let t = 0; t < 300; t++) {
      let bad: Uint8Array;
      if (t % 3 === 0) bad = good.subarray(0, Math.floor(rand() * good.length));
      else {
        bad = good.slice();
        const flips = 1 + (t % 4);
        for (let f = 0; f < flips; f++) {
          const bit = Math.floor(rand() * bad.length * 8);
          bad[bit >> 3]! ^= 1 << (bit & 7);
        }
      }
      try {
        // A flip in the padding bits after the stream CRC changes nothing: the output must then be exact.
        expect(same(bunzip2(bad, "fuzz.bz2"), data)).toBe(true);
      } catch (e) {
        expect(e).toBeInstanceOf(UserError);
        expect((e as Error).message).toMatch(/^fuzz\.bz2: (broken bzip2 data|not a bzip2 file)/);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(280);
  });
});
