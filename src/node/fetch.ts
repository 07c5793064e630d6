import { createHash } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { ArchiveDatasetInfo, IdxDatasetInfo } from "../data/catalog.js";
import { UserError } from "../errors.js";
import { sha256Hex, writeFileAtomic } from "./files.js";

/**
 * Downloads a catalogue dataset into the cache. Each official .gz is fetched
 * into <cache>/.<name>.download/<file>.gz.part, resuming with an HTTP Range
 * request after a cut connection, retried with backoff, tried on every
 * mirror in turn. A finished file must match the official MD5, and its
 * decompressed contents the catalogue's SHA-256 and size; a mismatch deletes
 * it and moves to the next mirror. Only when all four files are good are
 * they installed, decompressed, into <cache>/<name> in one rename: the cache
 * never holds a bad or partial file. Partial downloads survive a killed
 * process and resume on the next fetch.
 */
export interface FetchOptions {
  cacheDir: string;
  /** Replace the catalogue's mirrors (e.g. a local copy). */
  mirrors?: string[] | undefined;
  /** Attempts per file per mirror. @default 3 */
  attempts?: number;
  /** Pause before attempt k (k >= 2), in ms: backoff * 2^(k-2). @default 500 */
  backoffMs?: number;
  onProgress?: (file: string, received: number, total: number | undefined) => void;
  onNote?: (text: string) => void;
}

export const md5Hex = (b: Uint8Array): string => createHash("md5").update(b).digest("hex");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Downloads url into path, appending to what is there (Range). Throws on HTTP errors and cut connections. */
async function download(url: string, path: string, onProgress: (received: number, total: number | undefined) => void): Promise<void> {
  const have = existsSync(path) ? statSync(path).size : 0;
  const res = await fetch(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {} });
  if (res.status === 416 && have > 0) return; // already complete
  if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status} for ${url}`), { permanent: res.status === 404 || res.status === 403 });
  let received = have;
  if (res.status !== 206) {
    writeFileSync(path, new Uint8Array(0)); // the server ignored the range: start over
    received = 0;
  }
  const length = Number(res.headers.get("content-length"));
  const total = Number.isFinite(length) && length > 0 ? received + length : undefined;
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    appendFileSync(path, value);
    received += value.length;
    onProgress(received, total);
  }
  if (total !== undefined && received !== total) throw new Error(`connection cut at ${received} of ${total} bytes`);
}

export async function fetchDataset(info: IdxDatasetInfo, opts: FetchOptions): Promise<string> {
  const { attempts = 3, backoffMs = 500 } = opts;
  const mirrors = opts.mirrors ?? info.mirrors;
  const target = join(opts.cacheDir, info.name);
  const work = join(opts.cacheDir, `.${info.name}.download`);
  mkdirSync(work, { recursive: true });
  const raw = new Map<string, Uint8Array>();
  for (const c of info.files) {
    const part = join(work, `${c.file}.gz.part`);
    let done = false;
    const problems: string[] = [];
    for (const mirror of mirrors) {
      const url = `${mirror.replace(/\/?$/, "/")}${c.file}.gz`;
      for (let a = 1; a <= attempts && !done; a++) {
        if (a > 1) await sleep(backoffMs * 2 ** (a - 2));
        try {
          await download(url, part, (got, total) => opts.onProgress?.(c.file, got, total));
        } catch (e) {
          problems.push(`${url}: ${(e as Error).message}`);
          opts.onNote?.(`${url}: ${(e as Error).message}${a < attempts ? ", retrying" : ""}`);
          if ((e as { permanent?: boolean }).permanent) break;
          continue;
        }
        const gz = readFileSync(part);
        const md5 = md5Hex(gz);
        let bytes: Uint8Array | undefined;
        try {
          bytes = md5 === c.md5 ? gunzipSync(gz) : undefined;
        } catch {
          bytes = undefined;
        }
        if (!bytes || bytes.length !== c.bytes || sha256Hex(bytes) !== c.sha256) {
          problems.push(`${url}: checksum mismatch (md5 ${md5})`);
          opts.onNote?.(`${url}: wrong checksum (md5 ${md5}, expected ${c.md5}); discarded`);
          rmSync(part, { force: true });
          break; // this mirror serves other bytes: try the next
        }
        raw.set(c.file, bytes);
        done = true;
      }
      if (done) break;
    }
    if (!done) throw new UserError(`${info.name}: could not download ${c.file}.gz (${problems.at(-1) ?? "no mirror"}); partial files kept in ${work} for a later fetch`);
  }
  const staging = `${target}.installing-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  for (const [file, bytes] of raw) writeFileAtomic(join(staging, file), bytes);
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  rmSync(work, { recursive: true, force: true });
  return target;
}

/**
 * Downloads a one-archive dataset (HASYv2) into <cache>/<name>/<archive>:
 * the same retries, backoff and Range resume as fetchDataset, into
 * <cache>/.<name>.download/<archive>.part; the finished file must match the
 * catalogue's MD5 before it is renamed into place. Returns its path.
 */
export async function fetchArchive(info: ArchiveDatasetInfo, opts: FetchOptions): Promise<string> {
  const { attempts = 3, backoffMs = 500 } = opts;
  const urls = opts.mirrors?.map((m) => `${m.replace(/\/?$/, "/")}${info.archive.file}`) ?? info.archive.urls;
  const work = join(opts.cacheDir, `.${info.name}.download`);
  const part = join(work, `${info.archive.file}.part`);
  const targetDir = join(opts.cacheDir, info.name);
  const target = join(targetDir, info.archive.file);
  mkdirSync(work, { recursive: true });
  const problems: string[] = [];
  for (const url of urls) {
    for (let a = 1; a <= attempts; a++) {
      if (a > 1) await sleep(backoffMs * 2 ** (a - 2));
      try {
        await download(url, part, (got, total) => opts.onProgress?.(info.archive.file, got, total));
      } catch (e) {
        problems.push(`${url}: ${(e as Error).message}`);
        opts.onNote?.(`${url}: ${(e as Error).message}${a < attempts ? ", retrying" : ""}`);
        if ((e as { permanent?: boolean }).permanent) break;
        continue;
      }
      const md5 = md5Hex(readFileSync(part));
      if (md5 !== info.archive.md5) {
        problems.push(`${url}: checksum mismatch (md5 ${md5})`);
        opts.onNote?.(`${url}: wrong checksum (md5 ${md5}, expected ${info.archive.md5}); discarded`);
        rmSync(part, { force: true });
        break;
      }
      mkdirSync(targetDir, { recursive: true });
      renameSync(part, target);
      rmSync(work, { recursive: true, force: true });
      return target;
    }
  }
  throw new UserError(`${info.name}: could not download ${info.archive.file} (${problems.at(-1) ?? "no URL"}); partial files kept in ${work} for a later fetch`);
}
