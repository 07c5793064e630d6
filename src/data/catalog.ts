/**
 * Datasets initdrift knows by name. Where the bytes come from is the
 * platform's business (node/datasets.ts looks on disk); this is what they are.
 */
export interface IdxDatasetInfo {
  name: string;
  title: string;
  format: "idx";
  imageShape: [number, number];
  classes: number;
  trainCount: number;
  testCount: number;
  /** Base file names; each may also be found with a .gz suffix. */
  files: { role: "train-images" | "train-labels" | "test-images" | "test-labels"; file: string }[];
}

const IDX_FILES: IdxDatasetInfo["files"] = [
  { role: "train-images", file: "train-images-idx3-ubyte" },
  { role: "train-labels", file: "train-labels-idx1-ubyte" },
  { role: "test-images", file: "t10k-images-idx3-ubyte" },
  { role: "test-labels", file: "t10k-labels-idx1-ubyte" },
];

/** 28x28 grey images, 10 classes, 60,000 / 10,000, the four MNIST file names. */
const MNIST_SHAPED = {
  format: "idx",
  imageShape: [28, 28],
  classes: 10,
  trainCount: 60000,
  testCount: 10000,
  files: IDX_FILES,
} as const satisfies Omit<IdxDatasetInfo, "name" | "title">;

export const CATALOG: Record<string, IdxDatasetInfo> = {
  mnist: { name: "mnist", title: "MNIST handwritten digits (LeCun, Cortes, Burges)", ...MNIST_SHAPED, imageShape: [28, 28] },
  "fashion-mnist": { name: "fashion-mnist", title: "Fashion-MNIST (Xiao, Rasul, Vollgraf, Zalando Research)", ...MNIST_SHAPED, imageShape: [28, 28] },
};

export const DATASET_NAMES = Object.keys(CATALOG);
