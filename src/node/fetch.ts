import { createHash } from "node:crypto";
import { appendFileSync, existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { ArchiveDatasetInfo, IdxDatasetInfo } from "../data/catalog.js";
import { UserError } from "../errors.js";
import { makeDirectories, replaceInstalled, sha256Hex, writeFileAtomic } from "./files.js";

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
  /** Give up on a mirror that sends no response headers within this many ms. @default 30000 */
  connectTimeoutMs?: number;
  /** Give up on a download that receives nothing for this many ms. @default 60000 */
  idleTimeoutMs?: number;
}

/**
 * The most a HASYv2 archive download may be: the catalogue states no size
 * for it, so a bound several times the official file's; a mirror streaming
 * past it is sending something else.
 */
export const MAX_ARCHIVE_DOWNLOAD_BYTES = 2 ** 28;

export const md5Hex = (b: Uint8Array): string => createHash("md5").update(b).digest("hex");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface DownloadLimits {
  maxBytes: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
}

/** Rejects after `ms` unless `work` settles first; `onTimeout` aborts the work. */
async function within<T>(work: Promise<T>, ms: number, onTimeout: () => void, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(what)); // first, so the race settles with this reason and not the abort's
      onTimeout();
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Downloads url into path, appending to what is there (Range). Throws on
 * HTTP errors, cut connections, a mirror that does not answer within the
 * connect timeout or goes silent past the idle timeout, and a body that
 * grows past maxBytes (permanent: that mirror serves something else).
 */
async function download(url: string, path: string, limits: DownloadLimits, onProgress: (received: number, total: number | undefined) => void): Promise<void> {
  const have = existsSync(path) ? statSync(path).size : 0;
  const abort = new AbortController();
  const res = await within(
    fetch(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {}, signal: abort.signal }),
    limits.connectTimeoutMs,
    () => abort.abort(),
    `no answer within ${limits.connectTimeoutMs / 1000} s`,
  );
  if (res.status === 416 && have > 0) return; // already complete
  if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status} for ${url}`), { permanent: res.status === 404 || res.status === 403 });
  let received = have;
  if (res.status !== 206) {
    writeFileSync(path, new Uint8Array(0)); // the server ignored the range: start over
    received = 0;
  }
  const length = Number(res.headers.get("content-length"));
  const total = Number.isFinite(length) && length > 0 ? received + length : undefined;
  if (total !== undefined && total > limits.maxBytes) {
    abort.abort();
    throw Object.assign(new Error(`announces ${total} bytes, more than the ${limits.maxBytes} the catalogue allows`), { permanent: true });
  }
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await within(reader.read(), limits.idleTimeoutMs, () => abort.abort(), `nothing received for ${limits.idleTimeoutMs / 1000} s`);
    if (done) break;
    if (received + value.length > limits.maxBytes) {
      abort.abort();
      throw Object.assign(new Error(`sent more than the ${limits.maxBytes} bytes the catalogue allows; stopped`), { permanent: true });
    }
    appendFileSync(path, value);
    received += value.length;
    onProgress(received, total);
  }
  if (total !== undefined && received !== total) throw new Error(`connection cut at ${received} of ${total} bytes`);
}

/**
 * Downloads into `part` from each URL in turn (retries with backoff, Range
 * resume) until `verify` accepts the file; a rejected file is deleted and
 * the next URL tried. Returns what verify made of the bytes, or the last
 * problem when every URL failed (the part file then stays for a later try).
 */
async function downloadVerified<T>(
  urls: readonly string[],
  part: string,
  file: string,
  expectedMd5: string,
  verify: (bytes: Uint8Array) => T | undefined,
  opts: FetchOptions,
  maxBytes: number,
): Promise<T | { problem: string }> {
  const { attempts = 3, backoffMs = 500, connectTimeoutMs = 30_000, idleTimeoutMs = 60_000 } = opts;
  const limits = { maxBytes, connectTimeoutMs, idleTimeoutMs };
  let problem = "no URL";
  for (const url of urls) {
    for (let a = 1; a <= attempts; a++) {
      if (a > 1) await sleep(backoffMs * 2 ** (a - 2));
      try {
        await download(url, part, limits, (got, total) => opts.onProgress?.(file, got, total));
      } catch (e) {
        problem = `${url}: ${(e as Error).message}`;
        opts.onNote?.(`${problem}${a < attempts ? ", retrying" : ""}`);
        if ((e as { permanent?: boolean }).permanent) break;
        continue;
      }
      const bytes = readFileSync(part);
      const md5 = md5Hex(bytes);
      const ok = md5 === expectedMd5 ? verify(bytes) : undefined;
      if (ok !== undefined) return ok;
      problem = `${url}: checksum mismatch (md5 ${md5})`;
      opts.onNote?.(`${url}: wrong checksum (md5 ${md5}, expected ${expectedMd5}); discarded`);
      rmSync(part, { force: true });
      break; // this URL serves other bytes: try the next
    }
  }
  return { problem };
}

const failed = (x: unknown): x is { problem: string } => typeof x === "object" && x !== null && "problem" in x;

export async function fetchDataset(info: IdxDatasetInfo, opts: FetchOptions): Promise<string> {
  const mirrors = opts.mirrors ?? info.mirrors;
  const target = join(opts.cacheDir, info.name);
  const work = join(opts.cacheDir, `.${info.name}.download`);
  makeDirectories(work);
  const raw = new Map<string, Uint8Array>();
  for (const c of info.files) {
    const urls = mirrors.map((m) => `${m.replace(/\/?$/, "/")}${c.file}.gz`);
    // The official .gz's MD5, then the raw file's size and SHA-256.
    const got = await downloadVerified(
      urls,
      join(work, `${c.file}.gz.part`),
      c.file,
      c.md5,
      (gz) => {
        let bytes: Uint8Array;
        try {
          bytes = gunzipSync(gz, { maxOutputLength: c.bytes });
        } catch {
          return undefined;
        }
        return bytes.length === c.bytes && sha256Hex(bytes) === c.sha256 ? bytes : undefined;
      },
      opts,
      // A .gz of the catalogue's file is at most the file plus gzip's framing (1% covers data that does not compress).
      Math.ceil(c.bytes * 1.01) + 1024,
    );
    if (failed(got)) throw new UserError(`${info.name}: could not download ${c.file}.gz (${got.problem}); partial files kept in ${work} for a later fetch`);
    raw.set(c.file, got);
  }
  const staging = `${target}.installing-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  makeDirectories(staging);
  for (const [file, bytes] of raw) writeFileAtomic(join(staging, file), bytes);
  replaceInstalled(target, staging);
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
  const urls = opts.mirrors?.map((m) => `${m.replace(/\/?$/, "/")}${info.archive.file}`) ?? info.archive.urls;
  const work = join(opts.cacheDir, `.${info.name}.download`);
  const part = join(work, `${info.archive.file}.part`);
  const targetDir = join(opts.cacheDir, info.name);
  const target = join(targetDir, info.archive.file);
  makeDirectories(work);
  const got = await downloadVerified(urls, part, info.archive.file, info.archive.md5, () => true, opts, MAX_ARCHIVE_DOWNLOAD_BYTES);
  if (failed(got))
    throw new UserError(`${info.name}: could not download ${info.archive.file} (${got.problem}); partial files kept in ${work} for a later fetch`);
  makeDirectories(targetDir);
  renameSync(part, target);
  rmSync(work, { recursive: true, force: true });
  return target;
}
