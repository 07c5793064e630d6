import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CLI, initdrift } from "./helpers/cli.js";
import { makeDataset, writeIdxDataset } from "./helpers/data.js";
import { processesMentioning, slurmMissing, startCluster, type Cluster } from "./helpers/slurm.js";

/**
 * The Slurm recipes of docs/cluster/, run exactly as committed on a live
 * one-node cluster. Where Slurm cannot run, the suite is skipped with one
 * line, except under CI=true, where that is a failure.
 */
const RECIPE = resolve("docs/cluster/slurm-reproduce.sh");
const MERGE = resolve("docs/cluster/slurm-merge.sh");
const missing = slurmMissing();
if (missing && process.env.CI === "true") throw new Error(`CI needs a live Slurm cluster: ${missing}`);
if (missing) process.stderr.write(`slurm tests skipped: ${missing}\n`);

const tmp = () => mkdtempSync(join(tmpdir(), "initdrift-slurm-test-"));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
}

/** final_params_sha256 of every run directory below `dir`, by directory name. */
function hashes(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, "manifest.json")))
      .map((e) => [e.name, readJson(join(dir, e.name, "manifest.json")).final_params_sha256 as string]),
  );
}

/** Waits until some run below `dir` has at least `rows` metrics rows. */
async function untilRows(dir: string, rows: number, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (existsSync(dir))
      for (const e of readdirSync(dir)) {
        const m = join(dir, e, "metrics.jsonl");
        if (existsSync(m) && readFileSync(m, "utf8").trim().split("\n").length >= rows) return;
      }
    await sleep(200);
  }
  throw new Error(`no run below ${dir} reached ${rows} rows`);
}

describe.skipIf(missing !== null)("the Slurm recipe on a live cluster", () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster();
  }, 60_000);
  afterAll(() => cluster?.stop());

  const initdriftCommand = `${process.execPath} ${CLI}`;

  it("a 2-task array and a dependent merge give the unsharded study's summary and claims, and a package that verifies", async () => {
    const data = tmp();
    writeIdxDataset(join(data, "mnist"), makeDataset({ train: 300, test: 100, side: 28, classes: 10 }), true);
    const args = [
      "--datasets",
      "mnist",
      "--widths",
      "8,16",
      "--runs",
      "2",
      "--epochs",
      "3",
      "--data-dir",
      data,
      "--no-system-data",
      "--cache-dir",
      tmp(),
      "--snapshots",
      "0,3",
    ];
    const base = join(tmp(), "base");
    expect(initdrift(["reproduce", "--preset", "laptop", ...args, "--out", base, "--quiet"]).status).toBe(0);

    const out = join(tmp(), "study"),
      logs = tmp();
    const env = { OUT: out, PRESET: "laptop", INITDRIFT: initdriftCommand, INITDRIFT_ARGS: args.join(" ") };
    const array = cluster.sbatch(["--export=ALL", "--array=0-1", "--cpus-per-task=1", `--output=${logs}/task-%A_%a.out`, RECIPE], env);
    const merge = cluster.sbatch(["--export=ALL", `--dependency=afterok:${array}`, `--output=${logs}/merge-%j.out`, MERGE], env);
    await cluster.waitGone(merge, 240_000);
    const log = readdirSync(logs)
      .map((f) => `${f}:\n${readFileSync(join(logs, f), "utf8")}`)
      .join("\n");
    expect(existsSync(`${out}.tar.gz`), log).toBe(true);
    // Each task ran its own shard.
    expect(log).toMatch(/shard 0\/2 \(Slurm array\)/);
    expect(log).toMatch(/shard 1\/2 \(Slurm array\)/);
    expect(hashes(out)).toEqual(hashes(base));
    expect(readJson(join(out, "summary.json")).groups).toEqual(readJson(join(base, "summary.json")).groups);
    expect(readJson(join(out, "claims.json")).claims).toEqual(readJson(join(base, "claims.json")).claims);
    const verify = initdrift(["verify", "--data-dir", data, `${out}.tar.gz`]);
    expect(verify.status, verify.stderr).toBe(0);
  }, 300_000);

  /** A run long enough to interrupt: real MNIST, width 256, 6,000 samples, 30 epochs, a checkpoint every epoch. */
  const longArgs = [
    "--datasets",
    "mnist",
    "--widths",
    "256",
    "--runs",
    "1",
    "--epochs",
    "30",
    "--train-limit",
    "6000",
    "--test-limit",
    "500",
    "--snapshots",
    "none",
    "--no-report",
    "--cache-dir",
    tmp(),
  ];
  let uninterrupted: Record<string, string> | undefined;
  const reference = (): Record<string, string> => {
    if (!uninterrupted) {
      const dir = join(tmp(), "reference");
      expect(initdrift(["reproduce", "--preset", "paper", ...longArgs, "--out", dir, "--quiet"]).status).toBe(0);
      uninterrupted = hashes(dir);
    }
    return uninterrupted;
  };
  const submitLong = (out: string, logs: string): string =>
    cluster.sbatch(["--export=ALL", "--array=0", "--cpus-per-task=1", "--open-mode=append", `--output=${logs}/task-%A_%a.out`, RECIPE], {
      OUT: out,
      INITDRIFT: initdriftCommand,
      CHECKPOINT_EVERY: "1",
      INITDRIFT_ARGS: longArgs.join(" "),
    });

  it("scontrol requeue of a running task ends in a checkpoint, and the requeued task resumes to the uninterrupted bits", async () => {
    const out = join(tmp(), "requeue"),
      logs = tmp();
    const job = submitLong(out, logs);
    await untilRows(out, 5);
    const task = `${job}_0`;
    expect(cluster.run("scontrol", ["requeue", task]).status).toBe(0);
    // A requeued job waits two minutes by default before it is eligible again: once it is back in the queue, start it now.
    for (let i = 0; i < 120 && cluster.state(task) !== "PENDING"; i++) await sleep(500);
    const update = cluster.run("scontrol", ["update", `JobId=${task}`, "StartTime=now"]);
    expect(update.status, `${update.stderr} (state ${cluster.state(task)})`).toBe(0);
    // Until the requeued attempt has run to its end: squeue can miss a task for a moment while it changes state,
    // so "gone from squeue" alone once ended this wait before the second attempt had started (seen on a loaded machine).
    const ended = ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL"];
    for (let i = 0; i < 480 && !ended.includes(cluster.state(task)); i++) await sleep(500);
    expect(cluster.state(task)).toBe("COMPLETED");
    await cluster.waitGone(job, 60_000);
    const log = readdirSync(logs)
      .map((f) => readFileSync(join(logs, f), "utf8"))
      .join("\n");
    expect(log).toMatch(/stopping after the current epoch/);
    expect(log).toMatch(/resum/i);
    expect(hashes(out)).toEqual(reference());
  }, 300_000);

  it("scancel --signal=TERM ends in a checkpoint that a resubmitted task resumes; plain scancel leaves no process behind", async () => {
    const out = join(tmp(), "term"),
      logs = tmp();
    const job = submitLong(out, logs);
    await untilRows(out, 4);
    expect(cluster.run("scancel", ["--signal=TERM", "--full", `${job}_0`]).status).toBe(0);
    await cluster.waitGone(job, 120_000);
    const run = readdirSync(out).find((e) => existsSync(join(out, e, "checkpoint")));
    expect(run, "a checkpoint was written").toBeDefined();
    expect(readJson(join(out, run!, "manifest.json")).status).not.toBe("completed");
    const again = submitLong(out, logs);
    await cluster.waitGone(again, 240_000);
    expect(hashes(out)).toEqual(reference());

    const killed = join(tmp(), "killed");
    const third = submitLong(killed, logs);
    await untilRows(killed, 3);
    expect(cluster.run("scancel", [third]).status).toBe(0);
    await cluster.waitGone(third, 120_000);
    await sleep(1000);
    expect(processesMentioning(killed)).toEqual([]);
  }, 400_000);
});

describe("the Kubernetes recipe", () => {
  const yaml = readFileSync(resolve("docs/cluster/k8s-indexed-job.yaml"), "utf8");
  it("is an Indexed Job whose completions match INITDRIFT_SHARD_COUNT, on a shared volume, with a merge Job", () => {
    const [job, mergeJob] = yaml.split(/^---$/m);
    expect(job).toMatch(/completionMode: Indexed/);
    const completions = Number(/completions: (\d+)/.exec(job!)?.[1]);
    expect(Number(/name: INITDRIFT_SHARD_COUNT\s+value: "(\d+)"/.exec(job!)?.[1])).toBe(completions);
    expect(job).toMatch(/"reproduce", "--preset", "paper"/);
    expect(job).toMatch(/persistentVolumeClaim: \{ claimName: initdrift-data \}/);
    expect(mergeJob).toMatch(/kind: Job/);
    expect(mergeJob).toMatch(/initdrift analyze --claims \/data\/runs\/paper/);
    expect(mergeJob).toMatch(/claimName: initdrift-data/);
  });
});
