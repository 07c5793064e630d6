import { readdirSync, readFileSync } from "node:fs";
import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

/**
 * `npm run test:unit`: the in-process tests (kernels against float64
 * references, gradients, statistics, claims, codecs, layering): every test
 * file that starts no CLI, browser or cluster. The fast loop while editing;
 * `npm test` runs them all.
 */
const OUT_OF_PROCESS = /helpers\/cli\.js|helpers\/slurm\.js|playwright-core|puppeteer-core|from "vite"/;
export const UNIT_TESTS = readdirSync("test")
  .filter((f) => f.endsWith(".test.ts") && !OUT_OF_PROCESS.test(readFileSync(`test/${f}`, "utf8")))
  .map((f) => `test/${f}`);

// The base config with its include replaced, not merged (mergeConfig would append to the list).
export default defineConfig({ ...base, test: { ...base.test, include: UNIT_TESTS } });
