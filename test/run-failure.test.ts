import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeDataset } from "./helpers/data.js";
import { quick, tmp } from "./helpers/hostile.js";
import { nodePlatform } from "../src/node/platform.js";
import { loadKernels } from "../src/node/wasm.js";
import { executeRun } from "../src/run/session.js";
import { withDefaults } from "../src/train/config.js";

describe("no run is left 'running' by an error mid-way", () => {
  it("a layer too small to fit (--widths 2,2: 4 weights) trains to the end, its statistics null", () => {
    const out = join(tmp(), "run");
    const r = quick(out, ["--widths", "2,2"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const w2 = readFileSync(join(out, "analysis.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .find((a) => a.layer === "W2");
    expect(w2.c_opt).toBeNull();
    expect(w2.a1).toBeNull();
  });

  it("an error after the run started leaves its manifest 'failed', with the message", async () => {
    const files = new Map<string, string>();
    let appends = 0;
    const sink = {
      write: (name: string, data: string | Uint8Array) => void files.set(name, typeof data === "string" ? data : "bytes"),
      append: (name: string, data: string) => {
        if (++appends === 3) throw new Error("the disk went away");
        files.set(name, (files.get(name) ?? "") + data);
      },
    };
    const run = executeRun({
      config: withDefaults({ dataset: "fixture", hiddenWidths: [8, 8], epochs: 3 }),
      execution: { sparseInput: "auto" },
      dataset: makeDataset({ train: 100, test: 20 }),
      kernels: loadKernels(),
      platform: nodePlatform(),
      sink,
    });
    await expect(run).rejects.toThrow("the disk went away");
    const manifest = JSON.parse(files.get("manifest.json")!);
    expect(manifest.status).toBe("failed");
    expect(manifest.message).toBe("the disk went away");
  });
});
