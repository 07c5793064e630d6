import { beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeDataset, writeIdxDataset } from "./helpers/data.js";
import { CLI, type CliResult, cliEnv, initdrift } from "./helpers/cli.js";

const tmp = () => mkdtempSync(join(tmpdir(), "initdrift-resume-"));
const data = tmp();
writeIdxDataset(join(data, "mnist"), makeDataset({ train: 4000, test: 200, side: 28, classes: 10 }));
const args = (out: string, extra: string[] = []) => [
  "train",
  "--data-dir",
  data,
  "--no-system-data",
  "--width",
  "48",
  "--epochs",
  "10",
  "--snapshots",
  "0,3,6",
  "--checkpoint-every",
  "2",
  "--out",
  out,
  "--quiet",
  ...extra,
];

const rowsOf = (dir: string) =>
  readFileSync(join(dir, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => {
      const { seconds: _s, ...rest } = JSON.parse(l);
      return rest;
    });
const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));

/** Starts training, waits until `rows` epochs are on disk, sends `signal`, and resolves with the exit code. */
function interrupt(out: string, rows: number, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args(out)], { stdio: "ignore", env: cliEnv() });
    const poll = setInterval(() => {
      const path = join(out, "metrics.jsonl");
      if (existsSync(path) && readFileSync(path, "utf8").trim().split("\n").length >= rows) {
        clearInterval(poll);
        child.kill(signal);
      }
    }, 5);
    child.on("exit", (code, sig) => {
      clearInterval(poll);
      resolve(sig === "SIGKILL" ? null : code);
    });
    child.on("error", reject);
  });
}

const reference = tmp();
let referenceRun: CliResult;
beforeAll(() => {
  referenceRun = initdrift(args(reference));
});

describe("resuming interrupted runs", () => {
  it("the uninterrupted reference run completes", () => {
    expect(referenceRun.stderr).toBe("");
    expect(manifestOf(reference).status).toBe("completed");
  });

  it("after SIGKILL mid-run, resuming gives the same final_params_sha256, metrics and analysis", async () => {
    const out = tmp();
    expect(await interrupt(out, 5, "SIGKILL")).toBeNull();
    expect(manifestOf(out).status).toBe("running");
    const r = initdrift(args(out));
    expect(r.status).toBe(0);
    const m = manifestOf(out);
    expect(m.status).toBe("completed");
    expect(m.resumes).toHaveLength(1);
    // A real continuation: from a checkpoint after epoch 0 (checkpoints every 2 epochs), not a restart.
    expect(m.resumes[0].from_epoch).toBeGreaterThan(0);
    expect(m.resumes[0].from_epoch % 2).toBe(0);
    expect(m.final_params_sha256).toBe(manifestOf(reference).final_params_sha256);
    expect(rowsOf(out)).toEqual(rowsOf(reference));
    expect(readFileSync(join(out, "analysis.jsonl"), "utf8")).toBe(readFileSync(join(reference, "analysis.jsonl"), "utf8"));
    expect(readdirSync(join(out, "snapshots"))).toEqual(readdirSync(join(reference, "snapshots")));
  });

  it("a kill in the middle of an append: readers drop the torn last line, and resume rewrites every file from the checkpoint", async () => {
    const out = tmp();
    expect(await interrupt(out, 5, "SIGKILL")).toBeNull();
    // What a kill inside appendFileSync leaves: a line without its newline.
    appendFileSync(join(out, "metrics.jsonl"), '{"epoch":99,"train_lo');
    appendFileSync(join(out, "analysis.jsonl"), '{"epoch":99,"lay');
    appendFileSync(join(out, "metrics.csv"), "99,0.1");
    const read = initdrift(["analyze", out, "--out", join(tmp(), "agg"), "--quiet"]);
    expect(read.stderr).toBe("");
    expect(read.status).toBe(0);
    expect(initdrift(args(out)).status).toBe(0);
    expect(rowsOf(out)).toEqual(rowsOf(reference));
    expect(readFileSync(join(out, "analysis.jsonl"), "utf8")).toBe(readFileSync(join(reference, "analysis.jsonl"), "utf8"));
    const csv = (dir: string) =>
      readFileSync(join(dir, "metrics.csv"), "utf8")
        .trim()
        .split("\n")
        .map((l) => l.split(",").slice(0, 7).join(","));
    expect(csv(out)).toEqual(csv(reference));
  });

  it("SIGTERM finishes the epoch, checkpoints, exits 130 as interrupted, and resumes to the same bits", async () => {
    const out = tmp();
    expect(await interrupt(out, 3, "SIGTERM")).toBe(130);
    const m = manifestOf(out);
    expect(m.status).toBe("interrupted");
    expect(JSON.parse(readFileSync(join(out, "checkpoint", "state.json"), "utf8")).epoch).toBe(m.epochs_completed);
    expect(initdrift(args(out)).status).toBe(0);
    expect(manifestOf(out).final_params_sha256).toBe(manifestOf(reference).final_params_sha256);
    expect(rowsOf(out)).toEqual(rowsOf(reference));
  });

  it("a kill between a checkpoint's arrays and its state.json still resumes to the same bits", async () => {
    const out = tmp();
    await interrupt(out, 5, "SIGKILL");
    const cp = join(out, "checkpoint");
    const state = JSON.parse(readFileSync(join(cp, "state.json"), "utf8"));
    // The next checkpoint's array written, its state.json not yet: a torn checkpoint.
    writeFileSync(join(cp, `params-e${String(state.epoch + 2).padStart(6, "0")}.npy`), readFileSync(join(cp, state.params_file)).subarray(0, 100));
    expect(initdrift(args(out)).status).toBe(0);
    expect(manifestOf(out).final_params_sha256).toBe(manifestOf(reference).final_params_sha256);
    // Superseded arrays are removed once a newer checkpoint is in place.
    expect(readdirSync(cp).filter((f) => f.startsWith("params-e")).length).toBeLessThanOrEqual(2);
  });

  it("refuses a corrupt checkpoint in one line and leaves the run as it was", async () => {
    const out = tmp();
    await interrupt(out, 4, "SIGKILL");
    const params = join(out, "checkpoint", JSON.parse(readFileSync(join(out, "checkpoint", "state.json"), "utf8")).params_file);
    const bytes = readFileSync(params);
    bytes[bytes.length - 1]! ^= 0x40;
    writeFileSync(params, bytes);
    const before = readFileSync(join(out, "metrics.jsonl"), "utf8");
    const r = initdrift(args(out));
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/checkpoint: corrupt checkpoint \(params-e\d{6}.npy does not match its hash\)/);
    expect(readFileSync(join(out, "metrics.jsonl"), "utf8")).toBe(before);
  });

  it("refuses to continue with other options, or with --no-resume", async () => {
    const out = tmp();
    await interrupt(out, 4, "SIGKILL");
    const other = initdrift([...args(out), "--lr", "0.05"]);
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(
      /holds a run of another configuration \(seed 1, widths 48x48, 10 epochs, config [0-9a-f]{12}\); choose another --out or pass --force/,
    );
    const refused = initdrift([...args(out), "--no-resume"]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/holds an unfinished run \(status running\); drop --no-resume/);
  });
});
