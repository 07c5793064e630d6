import { Command } from "commander";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { join, resolve } from "node:path";
import { CATALOG, DATASET_NAMES, type IdxDatasetInfo } from "../data/catalog.js";
import { UserError } from "../errors.js";
import { defaultCacheDir, findIdxFiles, searchDirs } from "../node/datasets.js";
import { sha256Hex, writeFileAtomic } from "../node/files.js";
import { fetchDataset } from "../node/fetch.js";

interface DataFlags {
  dataDir?: string;
  cacheDir?: string;
  systemData: boolean;
  json: boolean;
}

const infoOf = (name: string): IdxDatasetInfo => {
  const info = CATALOG[name];
  if (!info) throw new UserError(`unknown dataset '${name}' (known: ${DATASET_NAMES.join(", ")})`, 2);
  return info;
};

/** Raw bytes of a dataset file, gunzipped when needed. */
function rawBytes(path: string): Uint8Array {
  const bytes = readFileSync(path);
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return gunzipSync(bytes);
  } catch {
    throw new UserError(`${path}: broken gzip data`);
  }
}

/** Where a dataset is found, and whether each file matches the catalogue (raw SHA-256). */
function locate(info: IdxDatasetInfo, f: DataFlags, hash: boolean) {
  for (const dir of searchDirs(info.name, { dataDir: f.dataDir, cacheDir: f.cacheDir, systemData: f.systemData })) {
    const paths = findIdxFiles(dir);
    if (!paths) continue;
    const files = info.files.map((c) => {
      const path = paths[c.role]!;
      if (!hash) return { role: c.role, path, ok: null as boolean | null };
      const raw = rawBytes(path);
      return { role: c.role, path, ok: raw.length === c.bytes && sha256Hex(raw) === c.sha256 };
    });
    return { dir, files };
  }
  return undefined;
}

export function dataCommand(): Command {
  const data = new Command("data").description("the dataset catalogue: list, info, import, fetch");
  const common = (cmd: Command) => cmd
    .option("--data-dir <dir>", "look here first")
    .option("--cache-dir <dir>", `dataset cache (default: ${defaultCacheDir()})`)
    .option("--no-system-data", "ignore datasets installed on this machine")
    .option("--json", "print JSON", false);

  common(data.command("list").description("known datasets and where they are found")).action((f: DataFlags) => {
    const rows = DATASET_NAMES.map((name) => {
      const info = CATALOG[name]!;
      const where = locate(info, f, false);
      return { name, title: info.title, classes: info.classes, train: info.trainCount, test: info.testCount, shape: info.imageShape.join("x"), found: where?.dir ?? null };
    });
    if (f.json) return void process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
    const lines = [["name", "classes", "train", "test", "image", "found in"], ...rows.map((r) => [r.name, String(r.classes), String(r.train), String(r.test), r.shape, r.found ?? "not found: 'initdrift data import NAME DIR'"])];
    const w = lines[0]!.map((_, c) => Math.max(...lines.map((l) => l[c]!.length)));
    for (const l of lines) process.stdout.write(l.map((v, c) => v.padEnd(w[c]!)).join("  ").trimEnd() + "\n");
    process.stdout.write("Any other IDX set: --dataset idx:DIR\n");
  });

  common(data.command("info").argument("<name>").description("a dataset's files, checksums, mirrors, and whether the local copy matches")).action((name: string, f: DataFlags) => {
    const info = infoOf(name);
    const where = locate(info, f, true);
    if (f.json) return void process.stdout.write(JSON.stringify({ ...info, found: where ?? null }, null, 2) + "\n");
    const out = [`${info.name}: ${info.title}`, `  ${info.classes} classes, ${info.trainCount} train / ${info.testCount} test images of ${info.imageShape.join("x")}; license ${info.license}`,
      `  mirrors: ${info.mirrors.join(", ")}`, "  files (raw size, SHA-256 of the raw file; MD5 of the official .gz):"];
    for (const c of info.files) out.push(`    ${c.file}  ${c.bytes} bytes  sha256 ${c.sha256}  md5(.gz) ${c.md5}`);
    if (where) {
      out.push(`  found in ${where.dir}:`);
      for (const w of where.files) out.push(`    ${w.ok ? "ok      " : "MISMATCH"}  ${w.path}`);
    } else out.push(`  not found; looked in ${searchDirs(name, f).join(", ")}`);
    process.stdout.write(out.join("\n") + "\n");
    if (where && where.files.some((w) => !w.ok)) process.exitCode = 1;
  });

  common(data.command("import").argument("<name>").argument("<dir>", "a folder holding the four files, raw or .gz")
    .description("verify files you already have and install them into the cache")).action((name: string, dir: string, f: DataFlags) => {
    const info = infoOf(name);
    const paths = existsSync(dir) ? findIdxFiles(resolve(dir)) : undefined;
    if (!paths) throw new UserError(`${dir}: the four files of ${name} (${info.files.map((c) => c.file).join(", ")}, raw or .gz) are not all there`);
    const cache = join(f.cacheDir ?? defaultCacheDir(), name);
    const staging = `${cache}.importing-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    try {
      for (const c of info.files) {
        const raw = rawBytes(paths[c.role]!);
        const got = sha256Hex(raw);
        if (raw.length !== c.bytes || got !== c.sha256) {
          throw new UserError(`${paths[c.role]}: not the official ${c.file} (${raw.length} bytes, sha256 ${got.slice(0, 16)}..., expected ${c.bytes} bytes, ${c.sha256.slice(0, 16)}...); nothing installed`);
        }
        writeFileAtomic(join(staging, c.file), raw);
      }
      // The cache entry appears whole or not at all.
      rmSync(cache, { recursive: true, force: true });
      renameSync(staging, cache);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    if (!f.json) process.stderr.write(`${name}: 4 files verified and installed in ${cache}\n`);
  });
  common(data.command("fetch").argument("<name>").description("download, verify and install a dataset into the cache (resumes partial downloads)")
    .option("--mirror <url>", "download from this base URL instead of the catalogue's mirrors")).action(async (name: string, f: DataFlags & { mirror?: string }) => {
    const info = infoOf(name);
    let last = 0;
    const dir = await fetchDataset(info, {
      cacheDir: f.cacheDir ?? defaultCacheDir(), mirrors: f.mirror ? [f.mirror] : undefined,
      onNote: (text) => process.stderr.write(`\r\x1b[K${text}\n`),
      onProgress: (file, got, total) => {
        const now = performance.now();
        if (now - last < 200 && got !== total) return;
        last = now;
        if (!f.json && process.stderr.isTTY) process.stderr.write(`\r\x1b[K${file}.gz  ${(got / 1e6).toFixed(1)}${total ? ` / ${(total / 1e6).toFixed(1)} MB (${((100 * got) / total).toFixed(0)}%)` : " MB"}`);
      },
    });
    if (process.stderr.isTTY) process.stderr.write("\r\x1b[K");
    process.stderr.write(`${name}: downloaded, verified and installed in ${dir}\n`);
  });
  return data;
}
