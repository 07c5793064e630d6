/**
 * Fuzzing of everything initdrift reads from outside: packages, run
 * directories, checkpoints and sweep configs, each mutated at random (bytes
 * flipped, cut or inserted; JSON values swapped for values of other types)
 * from a real, valid original. Seeded, so a failure names a case that can be
 * replayed. Two levels:
 *  - in process, hundreds of cases per reader: each either works or throws
 *    UserError (the one-line answer), never another error;
 *  - through the CLI, a few dozen cases with a 10 s limit and a 256 MB heap:
 *    no "internal error", no stack trace, no hang, and no file written
 *    outside the directories the command was given.
 */
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
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
import { CLI, cliEnv, initdrift } from "./helpers/cli.js";
import { makeDataset, writeIdxDataset } from "./helpers/data.js";
import { resignedTar } from "./helpers/package.js";

const root = mkdtempSync(join(tmpdir(), "initdrift-fuzz-"));
const data = join(root, "data");
const run = join(root, "run");
const pkg = join(root, "run.tar.gz");
const TRAIN = ["--data-dir", data, "--no-system-data", "--width", "8", "--epochs", "2", "--train-limit", "300", "--test-limit", "60", "--quiet"];

beforeAll(() => {
  writeIdxDataset(join(data, "mnist"), makeDataset({ train: 300, test: 60, side: 28, classes: 10 }));
  const t = initdrift(["train", ...TRAIN, "--snapshots", "0,1,2", "--out", run]);
  expect(t.stderr).toBe("");
  expect(initdrift(["pack", root, "-o", pkg, "--quiet", "--with-snapshots"]).status).toBe(0);
}, 60_000);

// ---------- mutators ----------

// Prototype names stand among the strings: a lookup by a document's value must never find Object's own members.
const WEIRD: unknown[] = [
  "",
  "x",
  "16",
  "__proto__",
  "constructor",
  "toString",
  -1,
  0,
  0.5,
  1,
  1e308,
  -1e308,
  2 ** 53,
  4294967296,
  null,
  true,
  false,
  [],
  {},
  [1, "a"],
  { a: 1 },
  "€".repeat(300),
];

/** A document "downgraded": format_version 1 and every hash of its own dropped, as an older writer would have left it. */
function downgrade(text: string): string {
  const doc = JSON.parse(text) as Record<string, unknown>;
  if (typeof doc !== "object" || doc === null || !("format_version" in doc)) return text;
  doc.format_version = 1;
  for (const k of Object.keys(doc)) if (k.endsWith("_sha256") && k !== "config_sha256") delete doc[k];
  return JSON.stringify(doc, null, 2);
}

function mutateBytes(bytes: Uint8Array, rng: Rng): Uint8Array {
  const out = new Uint8Array(bytes);
  switch (rng.below(4)) {
    case 0: // flip a few bytes
      for (let k = 1 + rng.below(8); k > 0; k--) out[rng.below(out.length)] = rng.below(256);
      return out;
    case 1: // cut
      return out.subarray(0, rng.below(out.length));
    case 2: {
      // insert junk
      const at = rng.below(out.length);
      const junk = Uint8Array.from({ length: 1 + rng.below(600) }, () => rng.below(256));
      return new Uint8Array([...out.subarray(0, at), ...junk, ...out.subarray(at)]);
    }
    default: {
      // repeat a slice
      const a = rng.below(out.length);
      const b = Math.min(out.length, a + rng.below(2048));
      return new Uint8Array([...out.subarray(0, b), ...out.subarray(a, b), ...out.subarray(b)]);
    }
  }
}

/** Every [container, key] of a JSON tree, so one value can be replaced or removed. */
function slots(value: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []): typeof out {
  if (Array.isArray(value))
    value.forEach((v, i) => {
      out.push([value, i]);
      slots(v, out);
    });
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) {
      out.push([value as Record<string, unknown>, k]);
      slots(v, out);
    }
  return out;
}

function mutateJson(text: string, rng: Rng): string {
  const doc = JSON.parse(text) as unknown;
  const all = slots(doc);
  if (all.length === 0) return JSON.stringify(WEIRD[rng.below(WEIRD.length)]);
  for (let k = 1 + rng.below(3); k > 0; k--) {
    const [container, key] = all[rng.below(all.length)]!;
    if (rng.below(5) === 0 && !Array.isArray(container)) delete (container as Record<string, unknown>)[key as string];
    else (container as Record<string, unknown>)[key as string] = structuredClone(WEIRD[rng.below(WEIRD.length)]);
  }
  return JSON.stringify(doc, null, 2);
}

function mutateJsonLines(text: string, rng: Rng): string {
  const lines = text.trim().split("\n");
  const i = rng.below(lines.length);
  lines[i] = rng.below(6) === 0 ? lines[i]!.slice(0, rng.below(lines[i]!.length)) : mutateJson(lines[i]!, rng).replace(/\n\s*/g, "");
  return `${lines.join("\n")}\n`;
}

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

const enc = (t: string) => new TextEncoder().encode(t);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

// ---------- in process ----------

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

// ---------- through the CLI ----------

interface Bounded {
  status: number | null;
  stderr: string;
  killed: boolean;
  peakKiB: number | undefined;
}

const TIME = "/usr/bin/time";

/** The CLI with a 10 s limit and a 256 MB JavaScript heap; peak RSS from GNU time when it is installed. */
function boundedCli(args: string[]): Promise<Bounded> {
  const timed = existsSync(TIME);
  const cmd = timed ? TIME : process.execPath;
  const argv = [...(timed ? ["-f", "peak-kib %M", process.execPath] : []), "--max-old-space-size=256", CLI, ...args];
  return new Promise((done) => {
    const child = spawn(cmd, argv, { env: cliEnv(), stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, 10_000);
    child.on("close", (status) => {
      clearTimeout(timer);
      // GNU time adds its own lines at the end: the peak, and "Command exited with non-zero status N".
      const m = /peak-kib (\d+)\s*$/.exec(stderr);
      const own = (m ? stderr.slice(0, m.index) : stderr).replace(/Command (exited with non-zero status|terminated by signal) \d+\n?$/, "");
      done({ status, stderr: own, killed, peakKiB: m ? Number(m[1]) : undefined });
    });
  });
}

/** Every file below `dir` with its size and mtime: what a case may not change outside its own directories. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(`${relative(dir, p)} ${statSync(p).size} ${statSync(p).mtimeMs}`);
    }
  };
  walk(dir);
  return out.sort();
}

function expectOneLineAnswer(what: string, r: Bounded): void {
  expect(r.killed, `${what}: hung past 10 s`).toBe(false);
  expect(r.stderr, what).not.toMatch(/internal error|\n\s+at |FATAL|Fatal JavaScript|heap out of memory/);
  if (r.status !== 0) expect(r.stderr.trim().split("\n").at(-1), what).toMatch(/^initdrift/);
  if (r.peakKiB !== undefined) expect(r.peakKiB, `${what}: peak RSS`).toBeLessThan(300 * 1024);
}

describe("fuzz, through the CLI: one line, bounded time and memory, nothing written outside", () => {
  it("verify, report, pack and analyze on damaged packages and run directories", async () => {
    const cases = join(root, "cli-cases");
    mkdirSync(cases);
    const before = listing(root).filter((l) => !l.startsWith("cli-cases"));
    const original = readFileSync(pkg);
    for (let c = 0; c < 16; c++) {
      const rng = Rng.forStream(c, "fuzz-cli");
      const dir = join(cases, `c${c}`);
      mkdirSync(dir);
      if (c % 2 === 0) {
        // A package: damaged bytes, gzipped or not.
        const raw = mutateBytes(c % 4 === 0 ? original : gunzipSync(original), rng);
        const file = join(dir, c % 4 === 0 ? "p.tar.gz" : "p.tar");
        writeFileSync(file, c % 8 === 2 ? gzipSync(raw) : raw);
        const r = await boundedCli(["verify", file, "--data-dir", data]);
        expectOneLineAnswer(`verify case ${c}`, r);
      } else {
        // A run directory with one file damaged, then report, analyze and pack on it.
        const copy = join(dir, "run");
        cpSync(run, copy, { recursive: true });
        rmSync(join(copy, "report.html"), { force: true });
        const names = ["manifest.json", "metrics.jsonl", "analysis.jsonl", "snapshots/e000002/W1.npy", "summary.json"];
        const name = names[rng.below(names.length)]!;
        const bytes = readFileSync(join(copy, name));
        writeFileSync(
          join(copy, name),
          name.endsWith(".json")
            ? mutateJson(bytes.toString(), rng)
            : name.endsWith(".jsonl")
              ? mutateJsonLines(bytes.toString(), rng)
              : mutateBytes(bytes, rng),
        );
        for (const args of [
          ["report", copy],
          ["analyze", copy, "--out", join(dir, "agg"), "--reanalyze"],
          ["pack", copy, "-o", join(dir, "p.tar.gz")],
        ]) {
          expectOneLineAnswer(`${args[0]} case ${c} (${name})`, await boundedCli([...args, "--quiet"]));
        }
      }
    }
    expect(listing(root).filter((l) => !l.startsWith("cli-cases"))).toEqual(before);
  }, 300_000);

  it("train and sweep on damaged checkpoints, run directories and sweep configs", async () => {
    const cases = join(root, "cli-train");
    mkdirSync(cases);
    const before = listing(root).filter((l) => !l.startsWith("cli-train"));
    for (let c = 0; c < 12; c++) {
      const rng = Rng.forStream(c, "fuzz-cli-train");
      const dir = join(cases, `c${c}`);
      mkdirSync(dir);
      if (c % 2 === 0) {
        // An interrupted run with a damaged checkpoint or damaged files: train resumes it or refuses in one line.
        const out = join(dir, "run");
        // A finished run keeps its last checkpoint (epoch 3 of 4); marked interrupted, train continues it from there.
        execFileSync(process.execPath, [CLI, "train", ...TRAIN, "--epochs", "4", "--checkpoint-every", "1", "--out", out], { env: cliEnv() });
        const manifest = join(out, "manifest.json");
        writeFileSync(manifest, readFileSync(manifest, "utf8").replace('"status": "completed"', '"status": "interrupted"'));
        const candidates = ["manifest.json", "metrics.jsonl", "analysis.jsonl", ...readdirSync(join(out, "checkpoint")).map((f) => `checkpoint/${f}`)];
        const name = candidates[rng.below(candidates.length)]!;
        const bytes = readFileSync(join(out, name));
        writeFileSync(join(out, name), name.endsWith(".json") ? mutateJson(bytes.toString(), rng) : mutateBytes(bytes, rng));
        expectOneLineAnswer(`train case ${c} (${name})`, await boundedCli(["train", ...TRAIN, "--epochs", "4", "--out", out]));
      } else {
        const config = join(dir, "config.json");
        const base = {
          widths: [8],
          runs: 1,
          seed: 3,
          lr: 0.05,
          batchSize: 32,
          snapshots: "0,2",
          thetas: [0.01],
          report: false,
          initScales: [0.5],
          hessian: false,
        };
        writeFileSync(config, mutateJson(JSON.stringify(base), rng));
        const r = await boundedCli([
          "sweep",
          "--config",
          config,
          ...TRAIN.filter((a) => a !== "--width" && a !== "8"),
          "--datasets",
          "mnist",
          "--runs",
          "1",
          "--threads",
          "1",
          "--out",
          join(dir, "sweep"),
          "--cache-dir",
          join(dir, "cache"),
        ]);
        expectOneLineAnswer(`sweep case ${c}: ${readFileSync(config, "utf8").replace(/\s+/g, " ")}`, r);
      }
    }
    expect(listing(root).filter((l) => !l.startsWith("cli-train"))).toEqual(before);
  }, 300_000);
});
