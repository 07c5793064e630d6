import { UserError } from "../errors.js";

/**
 * Datasets initdrift knows by name: what they are, where they are published,
 * and how to recognise their files. Where the bytes come from is the
 * platform's business (node/datasets.ts looks on disk).
 *
 * Identity: `sha256` and `bytes` are of the raw, decompressed IDX file, so a
 * copy is recognised whatever gzip made it (Debian's Fashion-MNIST archives
 * are recompressed: their .gz md5s differ from the official ones, their
 * contents do not). `md5` is the published checksum of the official .gz, for
 * downloads (MNIST: as torchvision lists them; Fashion-MNIST: its README).
 */
export type FileRole = "train-images" | "train-labels" | "test-images" | "test-labels";

export interface CatalogFile {
  role: FileRole;
  file: string;
  /** Raw (decompressed) size and SHA-256. */
  bytes: number;
  sha256: string;
  /** MD5 of the official gzipped file. */
  md5: string;
}

export interface IdxDatasetInfo {
  name: string;
  title: string;
  format: "idx";
  imageShape: [number, number];
  classes: number;
  trainCount: number;
  testCount: number;
  /** Base URLs of the official .gz files, first tried first. */
  mirrors: string[];
  files: CatalogFile[];
  license: string;
}

/**
 * A dataset published as one archive of images and CSVs (HASYv2), decoded
 * into IDX files in the cache. Counts are of fold 1 and approximate: they
 * vary a little from fold to fold.
 */
export interface ArchiveDatasetInfo {
  name: string;
  title: string;
  format: "hasyv2";
  imageShape: [number, number];
  classes: number;
  trainCount: number;
  testCount: number;
  folds: number;
  archive: { file: string; md5: string; urls: string[] };
  license: string;
}

export type DatasetInfo = IdxDatasetInfo | ArchiveDatasetInfo;

/** What MNIST and Fashion-MNIST share: 28x28 grey images, 10 classes, 60,000 / 10,000. */
const MNIST_SHAPED: Pick<IdxDatasetInfo, "format" | "imageShape" | "classes" | "trainCount" | "testCount"> = {
  format: "idx",
  imageShape: [28, 28],
  classes: 10,
  trainCount: 60000,
  testCount: 10000,
};

export const CATALOG: Record<string, DatasetInfo> = {
  mnist: {
    name: "mnist",
    title: "MNIST handwritten digits (LeCun, Cortes, Burges)",
    ...MNIST_SHAPED,
    mirrors: ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"],
    license: "CC BY-SA 3.0 (as distributed by its authors)",
    files: [
      {
        role: "train-images",
        file: "train-images-idx3-ubyte",
        bytes: 47040016,
        sha256: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        md5: "f68b3c2dcbeaaa9fbdd348bbdeb94873",
      },
      {
        role: "train-labels",
        file: "train-labels-idx1-ubyte",
        bytes: 60008,
        sha256: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        md5: "d53e105ee54ea40749a09fcbcd1e9432",
      },
      {
        role: "test-images",
        file: "t10k-images-idx3-ubyte",
        bytes: 7840016,
        sha256: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        md5: "9fb629c4189551a2d022fa330f9573f3",
      },
      {
        role: "test-labels",
        file: "t10k-labels-idx1-ubyte",
        bytes: 10008,
        sha256: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        md5: "ec29112dd5afa0611ce80d1b7f02629c",
      },
    ],
  },
  "fashion-mnist": {
    name: "fashion-mnist",
    title: "Fashion-MNIST (Xiao, Rasul, Vollgraf, Zalando Research)",
    ...MNIST_SHAPED,
    mirrors: [
      "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
      "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ],
    license: "MIT (Zalando SE)",
    files: [
      {
        role: "train-images",
        file: "train-images-idx3-ubyte",
        bytes: 47040016,
        sha256: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        md5: "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
      },
      {
        role: "train-labels",
        file: "train-labels-idx1-ubyte",
        bytes: 60008,
        sha256: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        md5: "25c81989df183df01b3e8a0aad5dffbe",
      },
      {
        role: "test-images",
        file: "t10k-images-idx3-ubyte",
        bytes: 7840016,
        sha256: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        md5: "bef4ecab320f06d8554ea6380940ec79",
      },
      {
        role: "test-labels",
        file: "t10k-labels-idx1-ubyte",
        bytes: 10008,
        sha256: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        md5: "bb300cfdad3c16e7a12a480ee83cd310",
      },
    ],
  },
  hasyv2: {
    name: "hasyv2",
    title: "HASYv2 handwritten symbols (Thoma 2017), classification task",
    format: "hasyv2",
    imageShape: [32, 32],
    classes: 369,
    trainCount: 151000,
    testCount: 17000,
    folds: 10,
    archive: {
      file: "HASYv2.tar.bz2",
      md5: "fddf23f36e24b5236f6b3a0880c778e3",
      urls: ["https://zenodo.org/records/259444/files/HASYv2.tar.bz2?download=1", "https://zenodo.org/record/259444/files/HASYv2.tar.bz2"],
    },
    license: "ODbL v1.0 (see its Zenodo record, doi:10.5281/zenodo.259444)",
  },
};

export const DATASET_NAMES = Object.keys(CATALOG);

/** The catalogue's entry for a name, or undefined: own names only ("constructor" and "__proto__" are no datasets). */
export function catalogEntry(name: string): DatasetInfo | undefined {
  return Object.hasOwn(CATALOG, name) ? CATALOG[name] : undefined;
}

/** The four files of any IDX dataset, by role: MNIST's names, or test-* instead of t10k-*. */
export const IDX_ROLES: { role: FileRole; names: string[] }[] = [
  { role: "train-images", names: ["train-images-idx3-ubyte"] },
  { role: "train-labels", names: ["train-labels-idx1-ubyte"] },
  { role: "test-images", names: ["t10k-images-idx3-ubyte", "test-images-idx3-ubyte"] },
  { role: "test-labels", names: ["t10k-labels-idx1-ubyte", "test-labels-idx1-ubyte"] },
];

/**
 * A dataset name as runs record it: a catalogue name, `hasyv2:fold-K` for
 * fold K of HASYv2 (plain `hasyv2` is fold 1), or idx:DIR.
 */
export function parseDatasetName(name: string): { info: DatasetInfo; fold: number } | undefined {
  const m = /^([\w-]+)(?::fold-(\d+))?$/.exec(name);
  const info = m ? catalogEntry(m[1]!) : undefined;
  if (!m || !info) return undefined;
  if (m[2] !== undefined && info.format !== "hasyv2") return undefined;
  const fold = m[2] === undefined ? 1 : Number(m[2]);
  if (info.format === "hasyv2" && (fold < 1 || fold > info.folds)) return undefined;
  return { info, fold };
}

/** The name of fold K of a dataset: hasyv2 for fold 1 (the paper's), hasyv2:fold-K otherwise. */
export function withFold(name: string, fold: number | undefined): string {
  if (fold === undefined) return name;
  const parsed = parseDatasetName(name);
  if (parsed?.info.format !== "hasyv2") throw new UserError(`--fold applies to hasyv2 only, not '${name}'`, 2);
  if (!Number.isInteger(fold) || fold < 1 || fold > parsed.info.folds) throw new UserError(`--fold must be 1 to ${parsed.info.folds}, got ${fold}`, 2);
  return fold === 1 ? parsed.info.name : `${parsed.info.name}:fold-${fold}`;
}
