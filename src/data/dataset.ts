import { UserError } from "../errors.js";
import type { IdxArray } from "../codec/idx.js";

/**
 * A decoded dataset: u8 pixels and u8/u16 labels, kept compact so that many
 * workers can share one copy (the buffers may be SharedArrayBuffers).
 */
export interface Split {
  /** Samples. */
  count: number;
  /** u8 [count x inputSize], row-major. */
  images: Uint8Array;
  /** Class of each sample, [count]. */
  labels: Uint8Array | Uint16Array;
}

export interface DataFile {
  /** Role: "train-images", "train-labels", "test-images", "test-labels", ... */
  role: string;
  path: string;
  /** SHA-256 and size of the file as read (gzipped or not). */
  sha256: string;
  bytes: number;
  /** SHA-256 of the decompressed IDX data: the file's identity whatever its compression. */
  raw_sha256?: string;
}

export interface Dataset {
  name: string;
  inputSize: number;
  /** Image shape, for pictures: [height, width]. */
  imageShape: [number, number];
  classes: number;
  train: Split;
  test: Split;
  /** Files the data came from, with their hashes (for the manifest). */
  files: DataFile[];
  /** True when every file matches the catalogue's checksums (named datasets only). */
  verified?: boolean;
}

/** Turns an IDX images/labels pair into a split, checking that they agree. */
export function splitFromIdx(images: IdxArray, labels: IdxArray, imagesName: string, labelsName: string, classes: number): Split {
  if (images.dims.length !== 3) throw new UserError(`${imagesName}: expected 3 dimensions (count x rows x cols), got ${images.dims.length}`);
  if (!(images.data instanceof Uint8Array)) throw new UserError(`${imagesName}: images must be unsigned bytes (IDX type 0x08)`);
  if (labels.dims.length !== 1) throw new UserError(`${labelsName}: expected 1 dimension, got ${labels.dims.length}`);
  const count = images.dims[0]!;
  // An empty split would train or evaluate on nothing: a NaN loss that reads as a divergence.
  if (count === 0) throw new UserError(`${imagesName}: holds 0 images; a training or test set needs at least one`);
  if (images.dims[1] === 0 || images.dims[2] === 0)
    throw new UserError(`${imagesName}: images of ${images.dims[1]}x${images.dims[2]} pixels; each needs at least one`);
  if (labels.dims[0] !== count) {
    throw new UserError(`${labelsName}: ${labels.dims[0]} labels but ${imagesName} has ${count} images`);
  }
  for (let i = 0; i < labels.data.length; i++) {
    if (labels.data[i]! >= classes) throw new UserError(`${labelsName}: label ${labels.data[i]} at index ${i} is not below ${classes}`);
  }
  // Copied once into shared memory so the file's bytes can be dropped and
  // worker threads can read the split without copies.
  return shareSplit({ count, images: images.data, labels: labels.data });
}

/**
 * Memory that worker threads can share: a SharedArrayBuffer where the
 * platform allows one (Node; a cross-origin-isolated page), else a plain
 * ArrayBuffer, which each Web Worker then receives as a copy.
 */
export function sharedBuffer(bytes: number): ArrayBuffer | SharedArrayBuffer {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  return typeof SharedArrayBuffer !== "undefined" && isolated !== false ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
}

const isShared = (b: ArrayBufferLike) => typeof SharedArrayBuffer !== "undefined" && b instanceof SharedArrayBuffer;

/** A split backed by shared memory, which worker threads read without copies (a copy only if it is not already). */
export function shareSplit(split: Split): Split {
  if (isShared(split.images.buffer) && isShared(split.labels.buffer)) return split;
  const images = new Uint8Array(sharedBuffer(split.images.byteLength));
  images.set(split.images);
  const labelBuffer = sharedBuffer(split.labels.byteLength);
  const labels = split.labels instanceof Uint16Array ? new Uint16Array(labelBuffer) : new Uint8Array(labelBuffer);
  labels.set(split.labels);
  return { count: split.count, images, labels };
}

/** The first `limit` samples of a split (views, no copy). */
export function limitSplit(split: Split, limit: number | undefined, inputSize: number): Split {
  if (limit === undefined || limit >= split.count) return split;
  return { count: limit, images: split.images.subarray(0, limit * inputSize), labels: split.labels.subarray(0, limit) };
}

/** Fraction of exactly-zero pixels in a split (decides the sparse first layer). */
export function zeroFraction(split: Split, inputSize: number, sampleLimit = 2000): number {
  const n = Math.min(split.count, sampleLimit) * inputSize;
  let zeros = 0;
  for (let i = 0; i < n; i++) if (split.images[i] === 0) zeros++;
  return n === 0 ? 0 : zeros / n;
}
