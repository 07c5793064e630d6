/**
 * Every decoder is bounded before it decodes: an image inflates to at most
 * what its header declares, a HASYv2 PNG of another size is refused before
 * its pixels are inflated, and a bzip2 archive unpacks to at most a bounded
 * multiple of its size. Each refusal comes fast and in little memory.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync, inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { bunzip2 } from "../src/codec/bzip2.js";
import { decodePng, pngChunk } from "../src/codec/png.js";
import { deflate } from "../src/codec/zlib.js";
import { bunzip2Cap } from "../src/data/hasy.js";
import { CLI, cliEnv, initdrift } from "./helpers/cli.js";

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

/** A PNG whose header says side x side grey, whose data inflates to `inflated` bytes of zeros. */
async function bomb(side: number, inflated: number): Promise<Uint8Array> {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, side);
  v.setUint32(4, side);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grey
  const parts = [
    new Uint8Array(SIGNATURE),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", await deflate(new Uint8Array(inflated))),
    pngChunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
const nodeInflate = (data: Uint8Array, maxOutputLength: number) => inflateSync(data, { maxOutputLength });

describe("PNG", () => {
  it("a 32x32 image whose data inflates to 256 MB is refused at what its header declares, with Node's zlib and with the streams", async () => {
    const png = await bomb(32, 2 ** 28);
    expect(png.length).toBeLessThan(400_000);
    for (const inflate of [nodeInflate, undefined]) {
      const started = performance.now();
      await expect(decodePng(png, "bomb.png", inflate)).rejects.toThrow(
        /bomb\.png: image data inflates past the 32x32 its header declares \(1056 bytes\); refused/,
      );
      expect(performance.now() - started).toBeLessThan(5000);
    }
  });

  it("the caller's size check runs before any pixel is inflated", async () => {
    const png = await bomb(16384, 64);
    const seen: number[] = [];
    await expect(
      decodePng(png, "huge.png", nodeInflate, (w, h) => {
        seen.push(w, h);
        throw new Error("not 32x32");
      }),
    ).rejects.toThrow(/not 32x32/);
    expect(seen).toEqual([16384, 16384]);
  });
});

describe("bzip2", () => {
  it("a small archive that would unpack to gigabytes stops at the HASYv2 cap (64 MiB for anything under 670 KB)", () => {
    expect(bunzip2Cap(1400)).toBe(2 ** 26);
    expect(bunzip2Cap(35_000_000)).toBe(2 ** 31); // 100x would be 3.5 GB: bzip2's own cap is lower
    const bz = new Uint8Array(execFileSync("bash", ["-c", "head -c 200000000 /dev/zero | bzip2 -9"], { maxBuffer: 1 << 20 }));
    expect(bz.length).toBeLessThan(2000);
    const started = performance.now();
    expect(() => bunzip2(bz, "bomb.tar.bz2", bunzip2Cap(bz.length))).toThrow(/bomb\.tar\.bz2/);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

describe("gzipped packages", () => {
  it("a 1 MB .tar.gz that would expand to a gigabyte is refused at 128 MiB, quickly, in one line and under 300 MB", () => {
    const dir = mkdtempSync(join(tmpdir(), "initdrift-gzbomb-"));
    const bomb = join(dir, "bomb.tar.gz");
    const chunk = gzipSync(new Uint8Array(2 ** 27), { level: 9 });
    writeFileSync(bomb, Buffer.concat(Array.from({ length: 8 }, () => chunk))); // 8 gzip members: 1 GiB of zeros
    const started = performance.now();
    const r = initdrift(["verify", bomb]);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(r.status).toBe(1);
    // Peak memory of the same refusal, measured by GNU time where it is installed (CI installs it).
    if (existsSync("/usr/bin/time")) {
      const timed = spawnSync("/usr/bin/time", ["-f", "%M", process.execPath, CLI, "verify", bomb], { encoding: "utf8", env: cliEnv() });
      expect(Number(timed.stderr.trim().split("\n").at(-1)), "peak KiB").toBeLessThan(300 * 1024);
    }
    expect(r.stderr.trim()).toMatch(/bomb\.tar\.gz: expands past 134217728 bytes \(100x its size\); not a package initdrift wrote; refused$/);
  });
});
