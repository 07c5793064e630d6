import { UserError } from "../errors.js";
import { sha256 } from "../codec/sha256.js";
import { IDX_ROLES, type FileRole, type IdxDatasetInfo } from "./catalog.js";
import type { DataFile, Dataset } from "./dataset.js";
import { splitFromIdx } from "./dataset.js";
import { gunzip, isGzip, parseIdx } from "../codec/idx.js";

/** The raw bytes of each file of an IDX dataset, with where they came from. */
export type IdxFileBytes = Record<FileRole, { path: string; bytes: Uint8Array; sha256: string }>;

export interface IdxLoadOptions {
  /** Classes, when known (a catalogue entry); otherwise the largest label + 1. */
  classes?: number | undefined;
  /** Black-on-white images: pixel -> 255 - pixel. */
  invert?: boolean | undefined;
  /** Catalogue entry to check the raw files against. */
  info?: IdxDatasetInfo | undefined;
}

const ROLES: FileRole[] = IDX_ROLES.map((r) => r.role);

/** Whether a dataset's raw files are exactly a catalogue entry's, by SHA-256 per role. */
export function matchesCatalog(info: IdxDatasetInfo, files: readonly DataFile[]): boolean {
  return info.files.every((c) => files.find((f) => f.role === c.role)?.raw_sha256 === c.sha256);
}

/** Decodes and cross-checks the four files of an IDX dataset (platform-neutral). */
export async function loadIdxDataset(name: string, files: IdxFileBytes, opts: IdxLoadOptions = {}): Promise<Dataset> {
  // The catalogue's raw size bounds what a .gz may expand to; other sets get codec/idx's general cap.
  const cap = (role: FileRole) => opts.info?.files.find((f) => f.role === role)?.bytes;
  const raw = await Promise.all(
    ROLES.map(async (role) => (isGzip(files[role].bytes) ? gunzip(files[role].bytes, files[role].path, cap(role)) : files[role].bytes)),
  );
  const [trainImages, trainLabels, testImages, testLabels] = raw.map((b, k) => parseIdx(b, files[ROLES[k]!].path)) as [
    ReturnType<typeof parseIdx>,
    ReturnType<typeof parseIdx>,
    ReturnType<typeof parseIdx>,
    ReturnType<typeof parseIdx>,
  ];
  const [h, w] = [trainImages.dims[1] ?? 0, trainImages.dims[2] ?? 0];
  if (testImages.dims[1] !== h || testImages.dims[2] !== w) {
    throw new UserError(`${files["test-images"].path}: images are ${testImages.dims.slice(1).join("x")}, training images are ${h}x${w}`);
  }
  let classes = opts.classes;
  if (classes === undefined) {
    // Classes are 0..max; one stray label (200 in a ten-class set) would silently add 191 classes that never occur.
    const seen = new Uint8Array(65536);
    let max = 0;
    for (const l of [trainLabels.data, testLabels.data]) for (const v of l) if (v > max) max = v;
    for (const v of trainLabels.data) seen[v] = 1;
    const absent = seen.subarray(0, max + 1).indexOf(0);
    if (absent >= 0) {
      throw new UserError(
        `${files["train-labels"].path}: labels run up to ${max}, but no training sample has label ${absent}; classes must be 0..N-1 with every one present`,
      );
    }
    classes = max + 1;
  }
  // Hashes first: inverting works in place.
  const dataFiles: DataFile[] = [];
  for (const [k, role] of ROLES.entries()) {
    const f = files[role];
    dataFiles.push({ role, path: f.path, sha256: f.sha256, bytes: f.bytes.length, raw_sha256: raw[k] === f.bytes ? f.sha256 : await sha256(raw[k]!) });
  }
  if (opts.invert) for (const img of [trainImages.data, testImages.data]) for (let i = 0; i < img.length; i++) img[i] = 255 - img[i]!;
  const train = splitFromIdx(trainImages, trainLabels, files["train-images"].path, files["train-labels"].path, classes);
  const test = splitFromIdx(testImages, testLabels, files["test-images"].path, files["test-labels"].path, classes);
  const verified = opts.info ? matchesCatalog(opts.info, dataFiles) : undefined;
  return { name, inputSize: h * w, imageShape: [h, w], classes, train, test, files: dataFiles, ...(verified !== undefined ? { verified } : {}) };
}
