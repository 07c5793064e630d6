import { existsSync, readdirSync, readFileSync } from "node:fs";
import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

/**
 * `npm run test:unit`: the in-process tests (kernels against float64
 * references, gradients, statistics, claims, codecs, layering): every test
 * file that starts no CLI, browser or cluster. The fast loop while editing;
 * `npm test` runs them all.
 */
const OUT_OF_PROCESS = /helpers\/cli\.js|helpers\/slurm\.js|playwright-core|puppeteer-core|from "vite"/;

/** Whether a test file, or a helper it imports (at any depth), starts the CLI, a browser or a cluster. */
function outOfProcess(path: string, seen = new Set<string>()): boolean {
  if (seen.has(path)) return false;
  seen.add(path);
  if (/helpers\/(\.\/)?(cli|slurm)\.ts$/.test(path)) return true;
  const text = readFileSync(path, "utf8");
  if (OUT_OF_PROCESS.test(text)) return true;
  const dir = path.slice(0, path.lastIndexOf("/"));
  const helpers = [...text.matchAll(/from "(\.{1,2}\/[^"]*helpers\/[^"]+|\.\/[^"/]+)\.js"/g)].map((m) => `${dir}/${m[1]}.ts`);
  return helpers.some((h) => existsSync(h) && outOfProcess(h, seen));
}

export const UNIT_TESTS = readdirSync("test")
  .filter((f) => f.endsWith(".test.ts") && !outOfProcess(`test/${f}`))
  .map((f) => `test/${f}`);

// The base config with its include replaced, not merged (mergeConfig would append to the list).
export default defineConfig({ ...base, test: { ...base.test, include: UNIT_TESTS } });
