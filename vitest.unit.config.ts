import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

/**
 * `npm run test:unit`: the in-process tests (kernels against float64
 * references, gradients, statistics, claims, codecs, layering), no CLI, no
 * browser, no cluster. The fast loop while editing; `npm test` runs them all.
 */
export const UNIT_TESTS = [
  "bzip2",
  "censored",
  "claims",
  "condensation",
  "copt",
  "duration",
  "gradient",
  "hessian",
  "idx",
  "inflate",
  "init",
  "joint",
  "kernels",
  "layers",
  "layout",
  "masks",
  "moments",
  "npy",
  "portable-math",
  "regimes",
  "rng",
  "shards",
  "training",
].map((name) => `test/${name}.test.ts`);

// The base config with its include replaced, not merged (mergeConfig would append to the list).
export default defineConfig({ ...base, test: { ...base.test, include: UNIT_TESTS } });
