/**
 * Fuzzing through the CLI: a few dozen cases of damaged packages, run
 * directories, checkpoints and sweep configs (test/helpers/mutate.ts), each
 * with a 10 s limit and a 256 MB heap: no "internal error", no stack trace,
 * no hang, and no file written outside the directories the command was
 * given. The readers in process: fuzz-readers.test.ts.
 */
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../src/math/rng.js";
import { CLI, cliEnv } from "./helpers/cli.js";

import { fuzzFixture, mutateBytes, mutateJson, mutateJsonLines } from "./helpers/mutate.js";

let root = "",
  data = "",
  run = "",
  pkg = "",
  TRAIN: string[] = [];
beforeAll(() => {
  ({ root, data, run, pkg, train: TRAIN } = fuzzFixture());
}, 60_000);

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
