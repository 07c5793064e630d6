/** Inputs are bounded before they are read: FIFOs, devices, gzip bombs, stray labels and networks too big for wasm memory answer in one line. */
import { execFileSync } from "node:child_process";
import { symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, it } from "vitest";
import { encodeIdx, makeDataset, writeIdxDataset } from "./helpers/data.js";
import { initdrift } from "./helpers/cli.js";
import { oneLine, quick, tmp } from "./helpers/hostile.js";

describe("inputs are bounded before they are read", () => {
  it("an IDX 'file' that is a FIFO or /dev/zero is refused at once", () => {
    const dir = join(tmp(), "mnist");
    writeIdxDataset(dir, makeDataset({ train: 50, test: 10, side: 28, classes: 10 }));
    execFileSync("rm", [join(dir, "train-images-idx3-ubyte")]);
    execFileSync("mkfifo", [join(dir, "train-images-idx3-ubyte")]);
    const args = ["train", "--data-dir", join(dir, ".."), "--no-system-data", "--width", "8", "--out", join(tmp(), "r"), "--quiet"];
    oneLine(initdrift(args, {}, 10_000), /train-images-idx3-ubyte: not a regular file/);
    execFileSync("rm", [join(dir, "train-images-idx3-ubyte")]);
    symlinkSync("/dev/zero", join(dir, "train-images-idx3-ubyte"));
    oneLine(initdrift(args, {}, 10_000), /train-images-idx3-ubyte: not a regular file/);
  });

  it("a small gzip that expands past the catalogue's size is refused, not read whole", () => {
    const dir = join(tmp(), "mnist");
    writeIdxDataset(dir, makeDataset({ train: 50, test: 10, side: 28, classes: 10 }));
    // 64 MB of zeros behind an IDX header claiming 80,000 images: about 60 KB on disk.
    const bomb = encodeIdx([80_000, 28, 28], new Uint8Array(80_000 * 784));
    writeFileSync(join(dir, "train-images-idx3-ubyte.gz"), gzipSync(bomb, { level: 9 }));
    execFileSync("rm", [join(dir, "train-images-idx3-ubyte")]);
    const r = initdrift(["train", "--data-dir", join(dir, ".."), "--no-system-data", "--width", "8", "--out", join(tmp(), "r"), "--quiet"], {}, 20_000);
    oneLine(r, /train-images-idx3-ubyte\.gz: gzip data expands past 47040016 bytes, more than this file may hold; refused/);
  });

  it("a stray label (200 in a ten-class set) is refused, not turned into 201 classes", () => {
    const ds = makeDataset({ train: 50, test: 10, side: 28, classes: 10 });
    ds.test.labels[3] = 200;
    const dir = join(tmp(), "set");
    writeIdxDataset(dir, ds);
    oneLine(
      initdrift(["train", "--dataset", `idx:${dir}`, "--width", "8", "--out", join(tmp(), "r"), "--quiet"]),
      /labels run up to 200, but no training sample has label 10; classes must be 0\.\.N-1/,
    );
  });

  it("a network or batch too big for wasm memory answers in one line", () => {
    oneLine(
      quick(join(tmp(), "r"), ["--width", "100000"]),
      /need \d+ MiB of WebAssembly memory, (past wasm32's 4096|more than this engine gives); use a smaller width or batch size/,
    );
  });
});
