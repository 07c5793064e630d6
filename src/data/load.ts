import { UserError } from "../errors.js";
import type { IdxDatasetInfo } from "./catalog.js";
import type { DataFile, Dataset } from "./dataset.js";
import { splitFromIdx } from "./dataset.js";
import { decodeIdx } from "./idx.js";

/** The raw bytes of each file of an IDX dataset, with where they came from. */
export type IdxFileBytes = Record<IdxDatasetInfo["files"][number]["role"], { path: string; bytes: Uint8Array; sha256: string }>;

/** Decodes and cross-checks the four files of an IDX dataset (platform-neutral). */
export async function loadIdxDataset(info: IdxDatasetInfo, files: IdxFileBytes, name = info.name): Promise<Dataset> {
  const decoded = await Promise.all(
    (["train-images", "train-labels", "test-images", "test-labels"] as const).map((role) => decodeIdx(files[role].bytes, files[role].path)),
  );
  const [trainImages, trainLabels, testImages, testLabels] = decoded as [typeof decoded[0], typeof decoded[0], typeof decoded[0], typeof decoded[0]];
  const [h, w] = [trainImages.dims[1] ?? 0, trainImages.dims[2] ?? 0];
  if (testImages.dims[1] !== h || testImages.dims[2] !== w) {
    throw new UserError(`${files["test-images"].path}: images are ${testImages.dims.slice(1).join("x")}, training images are ${h}x${w}`);
  }
  const classes = info.classes;
  const train = splitFromIdx(trainImages, trainLabels, files["train-images"].path, files["train-labels"].path, classes);
  const test = splitFromIdx(testImages, testLabels, files["test-images"].path, files["test-labels"].path, classes);
  const dataFiles: DataFile[] = Object.entries(files).map(([role, f]) => ({ role, path: f.path, sha256: f.sha256, bytes: f.bytes.length }));
  return { name, inputSize: h * w, imageShape: [h, w], classes, train, test, files: dataFiles };
}
