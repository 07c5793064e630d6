import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { applyConfigFile, planJobs, type SweepFlags, sweepCommand } from "../src/cli/sweep.js";
import { sha256 } from "../src/codec/sha256.js";
import { decodeTar } from "../src/codec/tar.js";
import { UserError } from "../src/errors.js";
import { Rng } from "../src/math/rng.js";
import { readCheckpoint, writeCheckpoint } from "../src/run/checkpoint.js";
import { parseAnalyses, parseManifest, parseMetricRows } from "../src/run/documents.js";
import { checkSums, packageFilesOf, packageInfo, packagedRuns, packageTar } from "../src/run/packageFormat.js";
import { runRecordOf } from "../src/run/record.js";
import { reportOfRunFiles } from "../src/report/runFiles.js";
import { resignedTar } from "./helpers/package.js";

import { dec, downgrade, enc, fuzzFixture, mutateBytes, mutateJson, mutateJsonLines } from "./helpers/mutate.js";

let root = "",
  run = "",
  pkg = "";
beforeAll(() => {
  ({ root, run, pkg } = fuzzFixture());
}, 60_000);

/** Runs `f`; anything but success or a UserError fails the test with the case named. */
async function answersInOneLine(what: string, f: () => unknown): Promise<"ok" | "refused"> {
  try {
    await f();
    return "ok";
  } catch (e) {
    if (e instanceof UserError) {
      expect(e.message, what).not.toMatch(/\n/);
      return "refused";
    }
    throw new Error(`${what}: ${(e as Error).stack}`);
  }
}

describe("fuzz, in process: every reader answers or refuses with a UserError", () => {
  it("packages: archive bytes and re-signed documents", async () => {
    const original = gunzipSync(readFileSync(pkg));
    const files = packageFilesOf(decodeTar(original, "p"));
    const docs = [...files.keys()].filter((p) => /\.(json|jsonl)$/.test(p) || p === "SHA256SUMS");
    const outcomes = { ok: 0, refused: 0 };
    for (let c = 0; c < 300; c++) {
      const rng = Rng.forStream(c, "fuzz-package");
      let bytes: Uint8Array;
      if (c % 2 === 0) bytes = mutateBytes(original, rng);
      else {
        // A consistent forgery: one document mutated, SHA256SUMS signed again.
        const f = new Map(files);
        const name = docs[rng.below(docs.length)]!;
        const text = dec(f.get(name)!);
        f.set(
          name,
          enc(name.endsWith(".jsonl") ? mutateJsonLines(text, rng) : name === "SHA256SUMS" ? text.slice(0, rng.below(text.length)) : mutateJson(text, rng)),
        );
        bytes = name === "SHA256SUMS" ? packageTar([...f].map(([path, data]) => ({ path, data }))) : resignedTar(f);
      }
      const outcome = await answersInOneLine(`package case ${c}`, async () => {
        const got = packageFilesOf(decodeTar(bytes, "p.tar"));
        await checkSums(got, "p.tar", sha256);
        for (const r of packagedRuns(got, packageInfo(got, "p.tar"), "p.tar")) {
          const read = (n: string) => got.get(`runs/${r.name}/${n}`);
          await reportOfRunFiles(read, r.name, [0, 1, 2]);
        }
      });
      outcomes[outcome]++;
    }
    // Both kinds happen: the fuzzer is not only feeding garbage that fails at the first check.
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  }, 120_000);

  it("run directories: manifest, metrics, analysis and snapshots, through aggregation and the report", async () => {
    const names = [
      "manifest.json",
      "metrics.jsonl",
      "analysis.jsonl",
      "snapshots/e000001/W1.npy",
      "snapshots/e000002/W2.npy",
      "snapshots/e000000/b1.npy",
      "mask.pbm",
    ];
    const originals = new Map<string, Uint8Array>(names.filter((n) => existsSync(join(run, n))).map((n) => [n, new Uint8Array(readFileSync(join(run, n)))]));
    for (let c = 0; c < 300; c++) {
      const rng = Rng.forStream(c, "fuzz-run");
      const files = new Map(originals);
      const name = [...files.keys()][rng.below(files.size)]!;
      const bytes = files.get(name)!;
      files.set(
        name,
        name.endsWith(".json") && c % 3
          ? enc(mutateJson(dec(bytes), rng))
          : name.endsWith(".jsonl") && c % 3
            ? enc(mutateJsonLines(dec(bytes), rng))
            : mutateBytes(bytes, rng),
      );
      await answersInOneLine(`run case ${c} (${name})`, async () => {
        const text = (n: string) => (files.get(n) ? dec(files.get(n)!) : undefined);
        const manifest = parseManifest(text("manifest.json")!, "manifest.json");
        runRecordOf("run", manifest, parseMetricRows(text("metrics.jsonl"), "metrics.jsonl"), parseAnalyses(text("analysis.jsonl"), "analysis.jsonl"));
        await reportOfRunFiles((n) => files.get(n) ?? (existsSync(join(run, n)) ? readFileSync(join(run, n)) : undefined), "run", [0, 1, 2]);
      });
    }
  }, 120_000);

  it("checkpoints: state.json and the parameter arrays", async () => {
    const store = new Map<string, Uint8Array>();
    const sink = { write: (n: string, d: string | Uint8Array) => void store.set(n, typeof d === "string" ? enc(d) : d) };
    const params = Float32Array.from({ length: 50 }, (_, i) => Math.sin(i));
    const config = "a".repeat(64);
    await writeCheckpoint(sink, { epoch: 3, params, initialParams: params.map((v) => v / 2), shuffleRng: [1, 2, 3, 4] }, config);
    for (let c = 0; c < 300; c++) {
      const rng = Rng.forStream(c, "fuzz-checkpoint");
      const files = new Map(store);
      const name = [...files.keys()][rng.below(files.size)]!;
      const json = name.endsWith(".json");
      files.set(
        name,
        json && c % 5 === 0
          ? enc(downgrade(dec(files.get(name)!)))
          : json && c % 2
            ? enc(mutateJson(dec(files.get(name)!), rng))
            : mutateBytes(files.get(name)!, rng),
      );
      let accepted: Awaited<ReturnType<typeof readCheckpoint>> | undefined;
      const outcome = await answersInOneLine(`checkpoint case ${c} (${name})`, async () => {
        accepted = await readCheckpoint(
          files.get("checkpoint/state.json")!,
          (f) => {
            const b = files.get(`checkpoint/${f}`);
            if (!b) throw new UserError(`${f} missing`);
            return b;
          },
          "cp",
          config,
          50,
        );
      });
      // Only a checkpoint equivalent to the one written may be accepted: every field is covered by a hash.
      if (outcome === "ok") {
        expect(accepted!.epoch, `checkpoint case ${c}`).toBe(3);
        expect(accepted!.shuffleRng, `checkpoint case ${c}`).toEqual([1, 2, 3, 4]);
        expect(accepted!.params, `checkpoint case ${c}`).toEqual(params);
        expect(accepted!.initialParams, `checkpoint case ${c}`).toEqual(params.map((v) => v / 2));
      }
    }
  }, 120_000);

  it("sweep configs: every key and value type", async () => {
    const base = {
      widths: [8, 16],
      runs: 2,
      epochs: 3,
      seed: 4,
      lr: 0.05,
      batchSize: 32,
      snapshots: "0,3",
      thetas: [0.01],
      report: false,
      analyze: true,
      initScales: [0.5, 1],
    };
    const cmd = sweepCommand();
    const file = join(root, "config.json");
    for (let c = 0; c < 200; c++) {
      const rng = Rng.forStream(c, "fuzz-sweep-config");
      const text = c % 4 === 0 ? dec(mutateBytes(enc(JSON.stringify(base)), rng)) : mutateJson(JSON.stringify(base), rng);
      writeFileSync(file, text);
      const flags = { ...(cmd.opts() as SweepFlags) };
      await answersInOneLine(`sweep config case ${c}: ${text.slice(0, 200)}`, async () => {
        applyConfigFile(cmd, flags, file);
        await planJobs(flags, join(root, "never-written"));
      });
    }
    expect(existsSync(join(root, "never-written"))).toBe(false);
  }, 60_000);
});
