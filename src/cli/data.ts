import { Command } from "commander";
import { join } from "node:path";
import { catalogEntry, DATASET_NAMES, type ArchiveDatasetInfo, type DatasetInfo } from "../data/catalog.js";
import { UserError } from "../errors.js";
import { defaultCacheDir, searchDirs } from "../node/datasets.js";
import { fetchArchive, fetchDataset, type FetchOptions } from "../node/fetch.js";
import { foldDir, installHasyFold } from "../node/hasyInstall.js";
import { importHasy, importIdx, locateHasy, locateIdx } from "../node/dataStore.js";

interface DataFlags {
  dataDir?: string;
  cacheDir?: string;
  systemData: boolean;
  json: boolean;
}

const infoOf = (name: string): DatasetInfo => {
  const info = catalogEntry(name);
  if (!info) throw new UserError(`unknown dataset '${name}' (known: ${DATASET_NAMES.join(", ")})`, 2);
  return info;
};

function hasyWhere(found: ReturnType<typeof locateHasy>): string | null {
  const first = found[0];
  if (!first) return null;
  const parts = [
    first.folds.length ? `fold ${first.folds.join(",")} decoded` : "",
    first.archive ? "archive" : "",
    first.folder ? "unpacked folder" : "",
  ].filter(Boolean);
  return `${first.dir} (${parts.join(", ")})`;
}

/** Parses --fold. */
function foldOf(text: string | undefined, info: ArchiveDatasetInfo): number {
  const fold = text === undefined ? 1 : Number(text);
  if (!Number.isInteger(fold) || fold < 1 || fold > info.folds) throw new UserError(`--fold must be 1 to ${info.folds}, got '${text}'`, 2);
  return fold;
}

function hasyProgress(json: boolean): (split: string, done: number, total: number) => void {
  let last = 0;
  return (split, done, total) => {
    const now = performance.now();
    if (json || !process.stderr.isTTY || (now - last < 200 && done !== total)) return;
    last = now;
    process.stderr.write(`\r\x1b[Kdecoding ${split} images: ${done} / ${total}`);
    if (done === total) process.stderr.write("\n");
  };
}

export function dataCommand(): Command {
  const data = new Command("data").description("the dataset catalogue: list, info, import, fetch");
  const common = (cmd: Command) =>
    cmd
      .option("--data-dir <dir>", "look here first")
      .option("--cache-dir <dir>", `dataset cache (default: ${defaultCacheDir()})`)
      .option("--no-system-data", "ignore datasets installed on this machine")
      .option("--json", "print JSON", false);

  common(data.command("list").description("known datasets and where they are found")).action(listDatasets);

  common(data.command("info").argument("<name>").description("a dataset's files, checksums, mirrors, and whether the local copy matches")).action(datasetInfo);

  common(
    data
      .command("import")
      .argument("<name>")
      .argument("<path>", "a folder holding the four IDX files (raw or .gz); for hasyv2, HASYv2.tar.bz2 or its unpacked folder")
      .option("--fold <k>", "hasyv2: the fold to decode (1 to 10)")
      .description("verify files you already have and install them into the cache"),
  ).action(importDataset);
  common(
    data
      .command("fetch")
      .argument("<name>")
      .description("download, verify and install a dataset into the cache (resumes partial downloads)")
      .option("--mirror <url>", "download from this base URL instead of the catalogue's mirrors")
      .option("--fold <k>", "hasyv2: the fold to decode after downloading (1 to 10)"),
  ).action(fetchNamedDataset);
  return data;
}

/** data list: every catalogue entry and where this machine has it. */
function listDatasets(f: DataFlags): void {
  const rows = DATASET_NAMES.map((name) => {
    const info = catalogEntry(name)!;
    const found = info.format === "idx" ? (locateIdx(info, f, false)?.dir ?? null) : hasyWhere(locateHasy(info, f, false));
    const approx = info.format === "hasyv2" ? "~" : "";
    return {
      name,
      title: info.title,
      classes: info.classes,
      train: `${approx}${info.trainCount}`,
      test: `${approx}${info.testCount}`,
      shape: info.imageShape.join("x"),
      found,
    };
  });
  if (f.json) return void process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
  const lines = [
    ["name", "classes", "train", "test", "image", "found in"],
    ...rows.map((r) => [
      r.name,
      String(r.classes),
      String(r.train),
      String(r.test),
      r.shape,
      r.found ?? "not found: 'initdrift data fetch NAME' or 'data import NAME PATH'",
    ]),
  ];
  const w = lines[0]!.map((_, c) => Math.max(...lines.map((l) => l[c]!.length)));
  for (const l of lines)
    process.stdout.write(
      l
        .map((v, c) => v.padEnd(w[c]!))
        .join("  ")
        .trimEnd() + "\n",
    );
  process.stdout.write("HASYv2 folds: --dataset hasyv2 (fold 1) or --fold K. Any other IDX set: --dataset idx:DIR\n");
}

/** data info NAME: the catalogue entry, and whether the local copy matches it (exit 1 if not). */
function datasetInfo(name: string, f: DataFlags): void {
  const info = infoOf(name);
  if (info.format === "hasyv2") {
    hasyInfo(info, f);
    return;
  }
  const where = locateIdx(info, f, true);
  if (f.json) return void process.stdout.write(JSON.stringify({ ...info, found: where ?? null }, null, 2) + "\n");
  const out = [
    `${info.name}: ${info.title}`,
    `  ${info.classes} classes, ${info.trainCount} train / ${info.testCount} test images of ${info.imageShape.join("x")}; license ${info.license}`,
    `  mirrors: ${info.mirrors.join(", ")}`,
    "  files (raw size, SHA-256 of the raw file; MD5 of the official .gz):",
  ];
  for (const c of info.files) out.push(`    ${c.file}  ${c.bytes} bytes  sha256 ${c.sha256}  md5(.gz) ${c.md5}`);
  if (where) {
    out.push(`  found in ${where.dir}:`);
    for (const w of where.files) out.push(`    ${w.ok ? "ok      " : "MISMATCH"}  ${w.path}`);
  } else out.push(`  not found; looked in ${searchDirs(name, f).join(", ")}`);
  process.stdout.write(out.join("\n") + "\n");
  if (where?.files.some((w) => !w.ok)) process.exitCode = 1;
}

/** data import NAME PATH: files the user has, verified and installed into the cache. */
async function importDataset(name: string, dir: string, f: DataFlags & { fold?: string }): Promise<void> {
  const info = infoOf(name);
  if (info.format === "hasyv2") {
    const installed = await importHasy(info, dir, foldOf(f.fold, info), f.cacheDir ?? defaultCacheDir(), hasyProgress(f.json));
    if (!f.json) process.stderr.write(`${info.name}: fold ${installed.fold} decoded and installed in ${installed.dir}\n`);
    return;
  }
  const cache = importIdx(info, dir, f.cacheDir ?? defaultCacheDir());
  if (!f.json) process.stderr.write(`${name}: 4 files verified and installed in ${cache}\n`);
}

/** data fetch NAME: download, verify and install (resuming partial downloads), with a progress line on a terminal. */
async function fetchNamedDataset(name: string, f: DataFlags & { mirror?: string; fold?: string }): Promise<void> {
  const info = infoOf(name);
  let last = 0;
  const fetchOptions: FetchOptions = {
    cacheDir: f.cacheDir ?? defaultCacheDir(),
    mirrors: f.mirror ? [f.mirror] : undefined,
    onNote: (text) => process.stderr.write(`\r\x1b[K${text}\n`),
    onProgress: (file, got, total) => {
      const now = performance.now();
      if (now - last < 200 && got !== total) return;
      last = now;
      if (!f.json && process.stderr.isTTY)
        process.stderr.write(
          `\r\x1b[K${file}${info.format === "idx" ? ".gz" : ""}  ${(got / 1e6).toFixed(1)}${total ? ` / ${(total / 1e6).toFixed(1)} MB (${((100 * got) / total).toFixed(0)}%)` : " MB"}`,
        );
    },
  };
  let dir: string;
  if (info.format === "hasyv2") {
    const fold = foldOf(f.fold, info);
    const archive = await fetchArchive(info, fetchOptions);
    if (process.stderr.isTTY) process.stderr.write("\r\x1b[K");
    dir = await installHasyFold(archive, fold, join(f.cacheDir ?? defaultCacheDir(), info.name), info, hasyProgress(f.json));
  } else dir = await fetchDataset(info, fetchOptions);
  if (process.stderr.isTTY) process.stderr.write("\r\x1b[K");
  process.stderr.write(`${name}: downloaded, verified and installed in ${dir}\n`);
}

function hasyInfo(info: ArchiveDatasetInfo, f: DataFlags): void {
  const found = locateHasy(info, f, true);
  if (f.json) return void process.stdout.write(JSON.stringify({ ...info, found }, null, 2) + "\n");
  const out = [
    `${info.name}: ${info.title}`,
    `  ${info.classes} classes (symbol_ids in ascending order), 32x32 black-on-white PNGs; ${info.folds} folds, fold 1 about ${info.trainCount} train / ${info.testCount} test; license ${info.license}`,
    `  archive: ${info.archive.file}  md5 ${info.archive.md5}`,
    ...info.archive.urls.map((u) => `    ${u}`),
    "  decoded folds are cached as IDX (u8 images, u16 labels) + classes.json in <cache>/hasyv2/fold-K",
  ];
  if (found.length === 0) out.push(`  not found; looked in ${searchDirs(info.name, f).join(", ")}`);
  for (const w of found) {
    out.push(`  found in ${w.dir}:`);
    if (w.archive) out.push(`    ${w.archive.ok ? "ok      " : "MISMATCH"}  ${w.archive.path}`);
    if (w.folder) out.push(`    folder    ${w.folder}`);
    for (const k of w.folds) out.push(`    decoded   ${foldDir(w.dir, k)}`);
  }
  process.stdout.write(out.join("\n") + "\n");
  if (found.some((w) => w.archive && !w.archive.ok)) process.exitCode = 1;
}
