import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { initdrift } from "./helpers/cli.js";
import { makeDataset, writeIdxDataset } from "./helpers/data.js";

/**
 * Figures a reader can read: every figure of a small study (a sweep over two
 * widths and two seeds, and a masked run), rendered in Chromium, must keep
 * its legend off the data. Each series' lines are sampled along their length
 * and its markers, error bars and bands at their points, in screen
 * coordinates; none may fall inside any legend's box. The detector is shown
 * to catch a legend moved onto the curves.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const have = existsSync(CHROMIUM);
if (!have && process.env.CI === "true") throw new Error(`CI needs ${CHROMIUM} for the figure legend test`);
if (!have) console.warn(`figure legend test skipped: needs ${CHROMIUM} (apt-get install -y chromium)`);

/** In the page: every plotted point of every series that lies inside a legend box, as "series name @ x,y". */
function legendHits(): string[] {
  const legends = Array.from(document.querySelectorAll("rect.legend"), (r) => r.getBoundingClientRect());
  const hits: string[] = [];
  const check = (el: SVGGraphicsElement, x: number, y: number) => {
    const p = new DOMPoint(x, y).matrixTransform(el.getScreenCTM()!);
    for (const L of legends)
      if (p.x > L.left && p.x < L.right && p.y > L.top && p.y < L.bottom)
        hits.push(`${el.closest("g.series")?.getAttribute("data-name") || "(a run)"} @ ${p.x.toFixed(0)},${p.y.toFixed(0)}`);
  };
  for (const el of Array.from(document.querySelectorAll<SVGGraphicsElement>("g.series *"))) {
    if (el instanceof SVGPathElement) {
      const n = el.getTotalLength();
      for (let k = 0; k <= 400; k++) {
        const q = el.getPointAtLength((n * k) / 400);
        check(el, q.x, q.y);
      }
    } else if (el instanceof SVGCircleElement) check(el, el.cx.baseVal.value, el.cy.baseVal.value);
    else if (el instanceof SVGLineElement) {
      check(el, el.x1.baseVal.value, el.y1.baseVal.value);
      check(el, el.x2.baseVal.value, el.y2.baseVal.value);
    } else if (el instanceof SVGPolygonElement) for (let i = 0; i < el.points.numberOfItems; i++) check(el, el.points.getItem(i).x, el.points.getItem(i).y);
  }
  return hits;
}

describe.skipIf(!have)("every figure of a small study, in Chromium", () => {
  const root = mkdtempSync(join(tmpdir(), "initdrift-legends-"));
  const figures: { name: string; svg: string }[] = [];
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const data = join(root, "data");
    writeIdxDataset(join(data, "mnist"), makeDataset({ train: 400, test: 100, side: 28, classes: 10 }));
    const common = ["--data-dir", data, "--no-system-data", "--epochs", "6", "--quiet"];
    const sweep = initdrift([
      "sweep",
      ...common,
      "--datasets",
      "mnist",
      "--widths",
      "8,24",
      "--runs",
      "2",
      "--snapshots",
      "0,1,6",
      "--out",
      join(root, "sweep"),
    ]);
    expect(sweep.stderr).toBe("");
    const masked = initdrift(["train", ...common, "--width", "24", "--mask", "a", "--snapshots", "0,1,6", "--out", join(root, "masked")]);
    expect(masked.stderr).toBe("");
    for (const dir of [join(root, "sweep", "figures"), join(root, "masked", "figures")])
      for (const f of readdirSync(dir).filter((n) => n.endsWith(".svg"))) figures.push({ name: f, svg: readFileSync(join(dir, f), "utf8") });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu"] });
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  const hitsOf = async (svg: string): Promise<string[]> => {
    await page.setContent(`<!doctype html><body style="margin:0">${svg}</body>`);
    return page.evaluate(legendHits);
  };

  it("the study has the sweep's and the run's figures, legends included", () => {
    const names = figures.map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining(["fig4ab-mnist.svg", "fig4c-mnist.svg", "fig5-rmsd-mnist.svg", "fig6-rmsd-mnist.svg", "fig5-loss.svg", "mask-contrast.svg"]),
    );
    expect(figures.filter((f) => f.svg.includes('class="legend"')).length).toBeGreaterThan(10);
  });

  it("no legend box covers a plotted point or line", async () => {
    const covered: string[] = [];
    for (const f of figures) for (const h of await hitsOf(f.svg)) covered.push(`${f.name}: ${h}`);
    expect(covered).toEqual([]);
  });

  it("the check sees a legend moved onto the curves", async () => {
    const f = figures.find((x) => x.name === "fig5-rmsd-mnist.svg")!;
    // The plot area starts at (64, 30); a legend there, as wide as the area, lies across every curve.
    const moved = f.svg.replace(
      /<rect class="legend" x="\d+" y="[\d.]+" width="\d+" height="(\d+)"/,
      '<rect class="legend" x="64" y="30" width="440" height="262"',
    );
    expect(moved).not.toBe(f.svg);
    expect((await hitsOf(moved)).length).toBeGreaterThan(0);
  });
});
