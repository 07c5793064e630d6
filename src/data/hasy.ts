import { UserError } from "../errors.js";
import { decodePng } from "../codec/png.js";
import { decodeTar, type TarEntry } from "../codec/tar.js";
import { bunzip2, isBzip2, MAX_BUNZIP2_BYTES } from "../codec/bzip2.js";
import { parseCsv } from "../codec/csv.js";
import { sharedBuffer, type Dataset, type Split } from "./dataset.js";
import { loadIdxDataset, type IdxFileBytes } from "./load.js";
import { encodeIdx } from "../codec/idx.js";

/**
 * HASYv2 (Thoma 2017): 168,233 handwritten symbols, 32x32 PNGs, 369 classes.
 * Its layout, as the official HASYv2.tar.bz2 holds it and as it unpacks:
 *
 *   hasy-data-labels.csv                    path,symbol_id,latex,user_id (quote char ')
 *   hasy-data/v2-00000.png ...              32x32 PNG, black on white
 *   classification-task/fold-K/train.csv    the same columns; paths relative to the CSV
 *   classification-task/fold-K/test.csv     (K = 1..10)
 *
 * Classes are symbol_ids in ascending numeric order, so class k means the
 * same symbol whatever fold or copy it was decoded from. Images are kept as
 * the paper used them (black symbol on white, pixel / 255); --invert flips
 * them. Platform-neutral: the archive, a folder or a browser's files all
 * reach this module as a HasyFiles.
 */
export const HASY_SIZE = 32;
export const HASY_FOLDS = 10;
export const LABELS_CSV = "hasy-data-labels.csv";
const QUOTE = "'";

export interface HasyFiles {
  /** The archive's or folder's name, for errors and the manifest. */
  name: string;
  /** Bytes of a file by its path under the dataset root (e.g. "hasy-data/v2-00000.png"), or undefined. */
  read(path: string): Promise<Uint8Array | undefined>;
  /** The platform's synchronous zlib inflate, if it has one (PNG decoding is then faster). */
  /** A synchronous inflate that throws past maxOutputLength (Node's zlib), when the platform has one. */
  inflateSync?: ((data: Uint8Array, maxOutputLength: number) => Uint8Array) | undefined;
}

/** The decoded images of one fold, with the class table. */
export interface HasyFold {
  fold: number;
  /** symbolIds[k]: HASYv2's symbol_id of class k; latex[k]: its LaTeX. */
  symbolIds: number[];
  latex: string[];
  train: Split;
  test: Split;
}

/** An archive's files, rooted where hasy-data-labels.csv lies (the official archive has no top folder; repacks may). */
export function hasyFilesFromTar(entries: readonly TarEntry[], name: string, inflateSync?: HasyFiles["inflateSync"]): HasyFiles {
  const labels = entries.find((e) => e.path === LABELS_CSV || e.path.endsWith(`/${LABELS_CSV}`));
  if (!labels) throw new UserError(`${name}: not a HASYv2 archive (no ${LABELS_CSV} in it)`);
  const root = labels.path.slice(0, labels.path.length - LABELS_CSV.length);
  const byPath = new Map<string, Uint8Array>();
  for (const e of entries) if (e.path.startsWith(root)) byPath.set(normalise(e.path.slice(root.length)) ?? e.path, e.data);
  return { name, read: async (path) => byPath.get(path), inflateSync };
}

/** The files of an archive's bytes: HASYv2.tar.bz2 as published, or a plain tar of it. */
export function hasyFilesFromArchive(bytes: Uint8Array, name: string, inflateSync?: HasyFiles["inflateSync"]): HasyFiles {
  return hasyFilesFromTar(decodeTar(isBzip2(bytes) ? bunzip2(bytes, name, bunzip2Cap(bytes.length)) : bytes, name), name, inflateSync);
}

/**
 * The most a HASYv2 archive may unpack to: bzip2 states no size, so a ratio
 * bounds it. The real archive (small PNGs in 512-byte tar blocks) unpacks to
 * a few times its size; 100x, at least 64 MiB and at most bzip2's own cap,
 * refuses a 1 KB file that would inflate to gigabytes after 64 MiB.
 */
export function bunzip2Cap(archiveBytes: number): number {
  return Math.min(MAX_BUNZIP2_BYTES, Math.max(2 ** 26, 100 * archiveBytes));
}

/** Resolves "." and ".." in a relative path; undefined when it climbs out of the root. */
export function normalise(path: string): string | undefined {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(part);
  }
  return out.join("/");
}

async function readText(files: HasyFiles, path: string): Promise<string> {
  const bytes = await files.read(path);
  if (!bytes) throw new UserError(`${files.name}: ${path} is missing (is this HASYv2?)`);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new UserError(`${files.name}: ${path} is not UTF-8 text`);
  }
}

/** Class table: every symbol_id in hasy-data-labels.csv, ascending. */
async function classTable(files: HasyFiles): Promise<{ symbolIds: number[]; latex: string[] }> {
  const where = `${files.name}: ${LABELS_CSV}`;
  const rows = parseCsv(await readText(files, LABELS_CSV), where, QUOTE);
  const latexOf = new Map<number, string>();
  rows.forEach((r, k) => {
    const id = Number(r.symbol_id);
    if (r.symbol_id === undefined || !Number.isInteger(id) || id < 0)
      throw new UserError(`${where}: row ${k + 2}: symbol_id '${r.symbol_id ?? ""}' is not a non-negative integer`);
    if (!latexOf.has(id)) latexOf.set(id, r.latex ?? "");
  });
  const symbolIds = [...latexOf.keys()].sort((a, b) => a - b);
  if (symbolIds.length > 32767) throw new UserError(`${where}: ${symbolIds.length} classes is more than initdrift handles`);
  return { symbolIds, latex: symbolIds.map((id) => latexOf.get(id)!) };
}

/** PNGs decoded this many at a time: the inflater is asynchronous, and one at a time leaves it idle. */
const DECODE_BATCH = 256;

async function decodeSplit(
  files: HasyFiles,
  fold: number,
  which: "train" | "test",
  classOf: Map<number, number>,
  onProgress?: (done: number, total: number) => void,
): Promise<Split> {
  const dir = `classification-task/fold-${fold}`;
  const csvPath = `${dir}/${which}.csv`;
  const where = `${files.name}: ${csvPath}`;
  const rows = parseCsv(await readText(files, csvPath), where, QUOTE);
  if (rows.length === 0) throw new UserError(`${where}: no images listed`);
  if (!("path" in rows[0]!) || !("symbol_id" in rows[0]!)) throw new UserError(`${where}: needs columns path and symbol_id`);
  const count = rows.length;
  const images = new Uint8Array(sharedBuffer(count * HASY_SIZE * HASY_SIZE));
  const labels = new Uint16Array(sharedBuffer(count * 2));
  for (let start = 0; start < count; start += DECODE_BATCH) {
    const batch = rows.slice(start, start + DECODE_BATCH);
    await Promise.all(
      batch.map(async (r, j) => {
        const k = start + j;
        const cls = classOf.get(Number(r.symbol_id));
        if (cls === undefined) throw new UserError(`${where}: row ${k + 2}: symbol_id '${r.symbol_id}' is not in ${LABELS_CSV}`);
        const path = normalise(`${dir}/${r.path}`);
        const bytes = path === undefined ? undefined : await files.read(path);
        if (!bytes) throw new UserError(`${where}: row ${k + 2}: ${r.path} points to no file in ${files.name}`);
        const img = await decodePng(bytes, `${files.name}: ${path}`, files.inflateSync, (width, height) => {
          if (width !== HASY_SIZE || height !== HASY_SIZE)
            throw new UserError(`${files.name}: ${path}: image is ${width}x${height}, HASYv2 images are ${HASY_SIZE}x${HASY_SIZE}`);
        });
        images.set(img.pixels, k * HASY_SIZE * HASY_SIZE);
        labels[k] = cls;
      }),
    );
    onProgress?.(Math.min(start + DECODE_BATCH, count), count);
  }
  return { count, images, labels };
}

/** Decodes fold K (1..10) of a HASYv2 copy. Throws UserError naming the file and what is wrong. */
export async function decodeHasy(files: HasyFiles, fold: number, onProgress?: (split: string, done: number, total: number) => void): Promise<HasyFold> {
  if (!Number.isInteger(fold) || fold < 1 || fold > HASY_FOLDS) throw new UserError(`HASYv2 fold must be 1 to ${HASY_FOLDS}, got ${fold}`, 2);
  const { symbolIds, latex } = await classTable(files);
  const classOf = new Map(symbolIds.map((id, k) => [id, k]));
  const train = await decodeSplit(files, fold, "train", classOf, (d, t) => onProgress?.("train", d, t));
  const test = await decodeSplit(files, fold, "test", classOf, (d, t) => onProgress?.("test", d, t));
  return { fold, symbolIds, latex, train, test };
}

/**
 * The compact cache of one decoded fold: IDX files (u8 images, u16 labels)
 * and classes.json. Loading it is reading ~170 MB, well under a second, and
 * any IDX reader can open it.
 */
export const CACHE_FILES = {
  "train-images": "train-images-idx3-ubyte",
  "train-labels": "train-labels-idx1-short",
  "test-images": "test-images-idx3-ubyte",
  "test-labels": "test-labels-idx1-short",
} as const;
export const CLASSES_JSON = "classes.json";

export interface HasyCacheMeta {
  format: "initdrift-hasyv2-cache";
  version: 1;
  fold: number;
  symbol_ids: number[];
  latex: string[];
  /** Where it was decoded from, and whether that was the official archive (MD5). */
  source: { name: string; md5?: string; verified: boolean };
}

export function encodeHasyCache(d: HasyFold, source: HasyCacheMeta["source"]): { file: string; bytes: Uint8Array }[] {
  const meta: HasyCacheMeta = { format: "initdrift-hasyv2-cache", version: 1, fold: d.fold, symbol_ids: d.symbolIds, latex: d.latex, source };
  const shape = (s: Split) => [s.count, HASY_SIZE, HASY_SIZE];
  return [
    { file: CACHE_FILES["train-images"], bytes: encodeIdx(shape(d.train), d.train.images) },
    { file: CACHE_FILES["train-labels"], bytes: encodeIdx([d.train.count], d.train.labels) },
    { file: CACHE_FILES["test-images"], bytes: encodeIdx(shape(d.test), d.test.images) },
    { file: CACHE_FILES["test-labels"], bytes: encodeIdx([d.test.count], d.test.labels) },
    // Last: a cache entry is complete when its classes.json is there.
    { file: CLASSES_JSON, bytes: new TextEncoder().encode(JSON.stringify(meta, null, 1) + "\n") },
  ];
}

export function parseCacheMeta(bytes: Uint8Array, name: string): HasyCacheMeta {
  let meta: HasyCacheMeta;
  try {
    meta = JSON.parse(new TextDecoder().decode(bytes)) as HasyCacheMeta;
  } catch {
    throw new UserError(`${name}: not JSON; delete the folder and decode again`);
  }
  if (meta.format !== "initdrift-hasyv2-cache" || meta.version !== 1 || !Array.isArray(meta.symbol_ids))
    throw new UserError(`${name}: not an initdrift HASYv2 cache (version 1)`);
  return meta;
}

/**
 * The Dataset of a decoded fold from its cache files (read from a directory,
 * or just encoded in a page): checked to be 32x32, verified as the source was.
 */
export async function hasyDataset(name: string, files: IdxFileBytes, meta: HasyCacheMeta, where: string, invert?: boolean): Promise<Dataset> {
  const d = await loadIdxDataset(name, files, { classes: meta.symbol_ids.length, invert });
  if (d.imageShape[0] !== HASY_SIZE || d.imageShape[1] !== HASY_SIZE)
    throw new UserError(`${where}: cached images are ${d.imageShape.join("x")}, not ${HASY_SIZE}x${HASY_SIZE}`);
  return { ...d, verified: meta.source.verified };
}
