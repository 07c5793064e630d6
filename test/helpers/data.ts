import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Dataset, Split } from "../../src/data/dataset.js";
import { Rng } from "../../src/math/rng.js";

/**
 * A small learnable image dataset: sparse u8 images whose class is the
 * quadrant-and-stroke pattern drawn into them, so a network can fit it.
 */
export function makeDataset(opts: { train: number; test: number; side?: number; classes?: number; seed?: number; name?: string }): Dataset {
  const side = opts.side ?? 8;
  const classes = opts.classes ?? 4;
  const rng = Rng.forStream(opts.seed ?? 7, "fixture");
  const split = (count: number): Split => {
    const images = new Uint8Array(count * side * side);
    const labels = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const c = rng.below(classes);
      labels[i] = c;
      for (let p = 0; p < side * side; p++) {
        const x = p % side,
          y = Math.floor(p / side);
        const onStroke = (x + y * (c + 1)) % classes === c % side;
        if (onStroke && rng.uniform() < 0.8) images[i * side * side + p] = 128 + rng.below(128);
        else if (rng.uniform() < 0.05) images[i * side * side + p] = rng.below(256);
      }
    }
    return { count, images, labels };
  };
  return {
    name: opts.name ?? "fixture",
    inputSize: side * side,
    imageShape: [side, side],
    classes,
    train: split(opts.train),
    test: split(opts.test),
    files: [],
  };
}

function idx(dims: number[], data: Uint8Array): Uint8Array {
  const header = new DataView(new ArrayBuffer(4 + 4 * dims.length));
  header.setUint32(0, 0x0800 | dims.length, false);
  dims.forEach((d, i) => header.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(header.byteLength + data.length);
  out.set(new Uint8Array(header.buffer), 0);
  out.set(data, header.byteLength);
  return out;
}

/** Writes a dataset as the four MNIST-named IDX files (optionally gzipped) into dir. */
export function writeIdxDataset(dir: string, ds: Dataset, gzip = false): string[] {
  mkdirSync(dir, { recursive: true });
  const [h, w] = ds.imageShape;
  const files: [string, Uint8Array][] = [
    ["train-images-idx3-ubyte", idx([ds.train.count, h, w], ds.train.images)],
    ["train-labels-idx1-ubyte", idx([ds.train.count], new Uint8Array(ds.train.labels))],
    ["t10k-images-idx3-ubyte", idx([ds.test.count, h, w], ds.test.images)],
    ["t10k-labels-idx1-ubyte", idx([ds.test.count], new Uint8Array(ds.test.labels))],
  ];
  return files.map(([name, bytes]) => {
    const path = join(dir, gzip ? `${name}.gz` : name);
    writeFileSync(path, gzip ? gzipSync(bytes) : bytes);
    return path;
  });
}

export { idx as encodeIdx };
