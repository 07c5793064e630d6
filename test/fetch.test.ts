import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { IdxDatasetInfo } from "../src/data/catalog.js";
import { CATALOG, type ArchiveDatasetInfo } from "../src/data/catalog.js";
import { fetchArchive, fetchDataset } from "../src/node/fetch.js";
import { makeHasyFixture, tarBz2 } from "./helpers/hasy.js";
import { installHasyFold } from "../src/node/hasyInstall.js";
import { encodeIdx, makeDataset } from "./helpers/data.js";
import { CLI, cliEnv } from "./helpers/cli.js";

const tmp = () => mkdtempSync(join(tmpdir(), "initdrift-fetch-"));
const ds = makeDataset({ train: 200, test: 40, side: 28, classes: 10 });
const raw: Record<string, Uint8Array> = {
  "train-images-idx3-ubyte": encodeIdx([200, 28, 28], ds.train.images),
  "train-labels-idx1-ubyte": encodeIdx([200], new Uint8Array(ds.train.labels)),
  "t10k-images-idx3-ubyte": encodeIdx([40, 28, 28], ds.test.images),
  "t10k-labels-idx1-ubyte": encodeIdx([40], new Uint8Array(ds.test.labels)),
};
const gz: Record<string, Uint8Array> = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, new Uint8Array(gzipSync(v))]));
const hex = (algo: string, b: Uint8Array) => createHash(algo).update(b).digest("hex");
// A HASYv2-layout archive, served like Zenodo serves the real one; the catalogue entry with its MD5.
gz["HASYv2.tar.bz2"] = tarBz2((await makeHasyFixture([1])).entries);
const hasyInfo: ArchiveDatasetInfo = {
  ...(CATALOG.hasyv2 as ArchiveDatasetInfo),
  archive: { ...(CATALOG.hasyv2 as ArchiveDatasetInfo).archive, md5: hex("md5", gz["HASYv2.tar.bz2"]!) },
};
const roles = ["train-images", "train-labels", "test-images", "test-labels"] as const;
const info: IdxDatasetInfo = {
  name: "fixture",
  title: "fixture",
  format: "idx",
  imageShape: [28, 28],
  classes: 10,
  trainCount: 200,
  testCount: 40,
  license: "test",
  mirrors: [],
  files: Object.keys(raw).map((file, k) => ({
    role: roles[k]!,
    file,
    bytes: raw[file]!.length,
    sha256: hex("sha256", raw[file]!),
    md5: hex("md5", gz[file]!),
  })),
};

// /ok/: serves the files with Range support; /cut/: the first request for the images drops the
// connection halfway; /bad/: other bytes; anything else: 404.
let server: Server;
let base = "";
const log: { path: string; range: string | undefined }[] = [];
let cutDone = false;
beforeAll(async () => {
  server = createServer((req, res) => {
    const [, mode, name] = req.url!.split("/") as [string, string, string];
    log.push({ path: req.url!, range: req.headers.range });
    const body = gz[name.replace(/\.gz$/, "")];
    if (!body || !["ok", "cut", "bad"].includes(mode)) {
      res.writeHead(404).end();
      return;
    }
    const data = mode === "bad" ? gzipSync(new Uint8Array(body.length).fill(7)) : body;
    const start = Number(/bytes=(\d+)-/.exec(req.headers.range ?? "")?.[1] ?? 0);
    const part = data.subarray(start);
    res.writeHead(start > 0 ? 206 : 200, {
      "content-length": part.length,
      ...(start > 0 ? { "content-range": `bytes ${start}-${data.length - 1}/${data.length}` } : {}),
    });
    if (mode === "cut" && (name.startsWith("train-images") || name.startsWith("HASYv2")) && !cutDone) {
      cutDone = true;
      res.write(part.subarray(0, part.length >> 1), () => res.socket?.destroy());
      return;
    }
    res.end(part);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** The CLI, asynchronously: the server answering it runs in this process, which spawnSync would block. */
function cliAsync(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: cliEnv() });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", (status) => resolve({ status, stderr }));
  });
}

describe("data fetch against a local server", () => {
  it("downloads, verifies and installs the raw files", async () => {
    const cache = tmp();
    const dir = await fetchDataset(info, { cacheDir: cache, mirrors: [`${base}/ok/`], backoffMs: 1 });
    for (const [file, bytes] of Object.entries(raw)) expect(readFileSync(join(dir, file))).toEqual(Buffer.from(bytes));
    expect(readdirSync(cache)).toEqual(["fixture"]);
  });

  it("resumes a download cut in the middle with a Range request", async () => {
    const cache = tmp();
    log.length = 0;
    await fetchDataset(info, { cacheDir: cache, mirrors: [`${base}/cut/`], backoffMs: 1 });
    const images = log.filter((l) => l.path.includes("train-images"));
    expect(images).toHaveLength(2);
    expect(images[1]!.range).toMatch(/^bytes=[1-9]\d*-$/);
    expect(readFileSync(join(cache, "fixture", "train-images-idx3-ubyte"))).toEqual(Buffer.from(raw["train-images-idx3-ubyte"]!));
  });

  it("moves past a mirror that answers 404", async () => {
    const cache = tmp();
    await fetchDataset(info, { cacheDir: cache, mirrors: [`${base}/missing/`, `${base}/ok/`], backoffMs: 1 });
    expect(existsSync(join(cache, "fixture", "t10k-labels-idx1-ubyte"))).toBe(true);
  });

  it("refuses a wrong checksum and leaves the cache without the dataset", async () => {
    const cache = tmp();
    await expect(fetchDataset(info, { cacheDir: cache, mirrors: [`${base}/bad/`], backoffMs: 1 })).rejects.toThrow(
      /could not download train-images-idx3-ubyte.gz .*checksum mismatch/,
    );
    expect(existsSync(join(cache, "fixture"))).toBe(false);
  });

  it("the CLI refuses bytes that are not the official MNIST in one line, cache clean", async () => {
    const cache = tmp();
    const r = await cliAsync(["data", "fetch", "mnist", "--mirror", `${base}/ok/`, "--cache-dir", cache]);
    expect(r.status).toBe(1);
    expect(
      r.stderr
        .trim()
        .split("\n")
        .filter((l) => l.startsWith("initdrift")),
    ).toHaveLength(1);
    expect(r.stderr).toMatch(/mnist: could not download train-images-idx3-ubyte.gz/);
    expect(existsSync(join(cache, "mnist"))).toBe(false);
  });
});

describe("data fetch of a one-archive dataset (HASYv2) against a local server", () => {
  it("downloads the archive, checks its MD5, and decodes fold 1 from it as verified", async () => {
    const cache = tmp();
    const path = await fetchArchive(hasyInfo, { cacheDir: cache, mirrors: [`${base}/ok/`], backoffMs: 1 });
    expect(readFileSync(path)).toEqual(Buffer.from(gz["HASYv2.tar.bz2"]!));
    expect(readdirSync(cache)).toEqual(["hasyv2"]);
    const fold = await installHasyFold(path, 1, join(cache, "hasyv2"), hasyInfo);
    expect(readdirSync(join(cache, "hasyv2")).sort()).toEqual(["HASYv2.tar.bz2", "fold-1"]);
    expect(JSON.parse(readFileSync(join(fold, "classes.json"), "utf8")).source).toMatchObject({ verified: true, md5: hasyInfo.archive.md5 });
  });

  it("resumes a cut download with Range, skips a 404, refuses a wrong checksum with a clean cache", async () => {
    cutDone = false;
    log.length = 0;
    const cache = tmp();
    await fetchArchive(hasyInfo, { cacheDir: cache, mirrors: [`${base}/missing/`, `${base}/cut/`], backoffMs: 1 });
    const gets = log.filter((l) => l.path.includes("HASYv2"));
    expect(gets.map((g) => g.path.split("/")[1])).toEqual(["missing", "cut", "cut"]);
    expect(gets[2]!.range).toMatch(/^bytes=[1-9]\d*-$/);
    expect(readFileSync(join(cache, "hasyv2", "HASYv2.tar.bz2"))).toEqual(Buffer.from(gz["HASYv2.tar.bz2"]!));

    const clean = tmp();
    await expect(fetchArchive(hasyInfo, { cacheDir: clean, mirrors: [`${base}/bad/`], backoffMs: 1 })).rejects.toThrow(
      /could not download HASYv2\.tar\.bz2 .*checksum mismatch/,
    );
    expect(existsSync(join(clean, "hasyv2"))).toBe(false);
  });

  it("the CLI refuses an archive that is not the official HASYv2, cache clean", async () => {
    const cache = tmp();
    const r = await cliAsync(["data", "fetch", "hasyv2", "--mirror", `${base}/ok/`, "--cache-dir", cache]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/hasyv2: could not download HASYv2\.tar\.bz2 .*checksum mismatch/);
    expect(existsSync(join(cache, "hasyv2"))).toBe(false);
  });
});

describe("a mirror that misbehaves is left, bounded in time and size", () => {
  // /endless/: streams zeros without end and without a length; /silent/: accepts and never answers;
  // /stall/: sends a little, then nothing.
  let bad: Server;
  let url = "";
  beforeAll(async () => {
    bad = createServer((req, res) => {
      const mode = req.url!.split("/")[1];
      if (mode === "silent") return;
      res.writeHead(200);
      if (mode === "stall") {
        res.write(new Uint8Array(100));
        return;
      }
      const chunk = new Uint8Array(1 << 16);
      const pump = (): void => {
        while (res.write(chunk)) if (res.destroyed) return;
        res.once("drain", pump);
      };
      pump();
      req.on("close", () => res.destroy());
    });
    await new Promise<void>((r) => bad.listen(0, "127.0.0.1", () => r()));
    const addr = bad.address();
    url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  });
  afterAll(() => {
    bad.closeAllConnections();
    return new Promise<void>((r) => bad.close(() => r()));
  });

  it("stops a body that grows past what the catalogue allows, keeping no more than that", async () => {
    const cache = tmp();
    const started = performance.now();
    await expect(fetchDataset(info, { cacheDir: cache, mirrors: [`${url}/endless/`], backoffMs: 1 })).rejects.toThrow(
      /more than the \d+ bytes the catalogue allows; stopped/,
    );
    expect(performance.now() - started).toBeLessThan(10_000);
    const part = join(cache, ".fixture.download", "train-images-idx3-ubyte.gz.part");
    expect(readFileSync(part).length).toBeLessThanOrEqual(Math.ceil(raw["train-images-idx3-ubyte"]!.length * 1.01) + 1024);
  });

  it("gives up on a mirror that never answers, and on one that goes silent", async () => {
    for (const mode of ["silent", "stall"]) {
      const started = performance.now();
      const fetching = fetchDataset(info, { cacheDir: tmp(), mirrors: [`${url}/${mode}/`], attempts: 1, connectTimeoutMs: 300, idleTimeoutMs: 300 });
      await expect(fetching).rejects.toThrow(mode === "silent" ? /no answer within 0\.3 s/ : /nothing received for 0\.3 s/);
      expect(performance.now() - started).toBeLessThan(5000);
    }
  });
});
