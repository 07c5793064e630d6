import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, hostname, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";

/**
 * A live one-node Slurm cluster for the tests: munged, slurmctld and slurmd
 * started by hand (as root) with a slurm.conf generated for this machine
 * (its CPUs and memory), their state, spool, sockets and logs under a
 * temporary directory, on ports of their own. stop() cancels every job and
 * stops all three daemons, leaving nothing running.
 */
export interface Cluster {
  dir: string;
  /** Environment for the Slurm clients (sbatch, squeue, scontrol, scancel). */
  env: Record<string, string>;
  run(command: string, args: string[], env?: Record<string, string>): { status: number | null; stdout: string; stderr: string };
  /** Submits and returns the job id (of the array, for arrays). */
  sbatch(args: string[], env?: Record<string, string>): string;
  /** Waits until the job (every task of an array) has left the queue. */
  waitGone(jobId: string, timeoutMs: number): Promise<void>;
  /** JobState of a job (or the first of an array's tasks found). */
  state(jobId: string): string;
  stop(): void;
}

const DAEMONS = ["/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/bin/sbatch"];

/** Why a live cluster cannot run here, or null when it can. */
export function slurmMissing(): string | null {
  const missing = DAEMONS.filter((p) => !existsSync(p));
  if (missing.length) return `Slurm or munge is not installed (${missing.join(", ")}; apt-get install slurm-wlm munge)`;
  if (process.getuid?.() !== 0) return "the Slurm daemons are started as root, and this is not root";
  return null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startCluster(): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), "initdrift-slurm-"));
  chmodSync(dir, 0o755);
  for (const d of ["state", "spool", "log", "munge"]) mkdirSync(join(dir, d));
  chmodSync(join(dir, "munge"), 0o700);
  writeFileSync(join(dir, "munge", "munge.key"), randomBytes(1024), { mode: 0o600 });
  const socket = join(dir, "munge", "munge.socket");
  const host = hostname().split(".")[0]!;
  // Ports of our own, so a test cluster never meets a real one.
  const port = 20000 + Math.floor(Math.random() * 20000);
  const memoryMb = Math.floor((totalmem() / 2 ** 20) * 0.8);
  const conf = join(dir, "slurm.conf");
  writeFileSync(
    conf,
    [
      "ClusterName=initdrift-test",
      `SlurmctldHost=${host}(127.0.0.1)`,
      `SlurmctldPort=${port}`,
      `SlurmdPort=${port + 1}`,
      "AuthType=auth/munge",
      `AuthInfo=socket=${socket}`,
      "CredType=cred/munge",
      "SlurmUser=root",
      "SlurmdUser=root",
      `StateSaveLocation=${dir}/state`,
      `SlurmdSpoolDir=${dir}/spool`,
      `SlurmctldPidFile=${dir}/slurmctld.pid`,
      `SlurmdPidFile=${dir}/slurmd.pid`,
      `SlurmctldLogFile=${dir}/log/slurmctld.log`,
      `SlurmdLogFile=${dir}/log/slurmd.log`,
      // No cgroups in a container: processes are tracked through /proc.
      "ProctrackType=proctrack/linuxproc",
      "TaskPlugin=task/none",
      "JobAcctGatherType=jobacct_gather/none",
      "SelectType=select/cons_tres",
      "SelectTypeParameters=CR_CPU",
      "SchedulerType=sched/backfill",
      "ReturnToService=2",
      "MpiDefault=none",
      "KillWait=15",
      "MinJobAge=600",
      `NodeName=${host} NodeAddr=127.0.0.1 CPUs=${availableParallelism()} RealMemory=${memoryMb} State=UNKNOWN`,
      "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP",
      "",
    ].join("\n"),
  );
  const env = { SLURM_CONF: conf };
  const run = (command: string, args: string[], extra: Record<string, string> = {}) => {
    const r = spawnSync(command, args, { encoding: "utf8", env: { ...process.env, ...env, ...extra }, timeout: 60_000 });
    return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  };
  const must = (command: string, args: string[]) => {
    const r = run(command, args);
    if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${r.stderr || r.stdout}`);
  };
  must("/usr/sbin/munged", [
    "--force",
    `--key-file=${dir}/munge/munge.key`,
    `--socket=${socket}`,
    `--pid-file=${dir}/munge/munged.pid`,
    `--log-file=${dir}/munge/munged.log`,
    `--seed-file=${dir}/munge/munged.seed`,
  ]);
  must("/usr/sbin/slurmctld", ["-f", conf]);
  must("/usr/sbin/slurmd", ["-f", conf]);
  const cluster: Cluster = {
    dir,
    env,
    run,
    sbatch(args, extra = {}) {
      const r = run("sbatch", ["--parsable", ...args], extra);
      if (r.status !== 0) throw new Error(`sbatch failed: ${r.stderr}`);
      return r.stdout.trim().split(";")[0]!;
    },
    async waitGone(jobId, timeoutMs) {
      const end = Date.now() + timeoutMs;
      while (Date.now() < end) {
        if (run("squeue", ["-h", "-j", jobId]).stdout.trim() === "") return;
        await sleep(1000);
      }
      throw new Error(`job ${jobId} still queued after ${timeoutMs} ms: ${run("squeue", ["-j", jobId]).stdout}`);
    },
    state(jobId) {
      return /JobState=(\S+)/.exec(run("scontrol", ["show", "job", jobId, "-o"]).stdout)?.[1] ?? "UNKNOWN";
    },
    stop() {
      run("scancel", ["--full", "--user=root"]);
      for (const pidFile of [`${dir}/slurmd.pid`, `${dir}/slurmctld.pid`, `${dir}/munge/munged.pid`]) {
        if (!existsSync(pidFile)) continue;
        const pid = Number(readFileSync(pidFile, "utf8").trim());
        try {
          process.kill(pid, "SIGTERM");
        } catch {
          /* already gone */
        }
      }
    },
  };
  // Wait for the node to register.
  for (let i = 0; i < 60; i++) {
    if (/idle|mix|alloc/.test(run("sinfo", ["-h", "-o", "%T"]).stdout)) return cluster;
    await sleep(500);
  }
  cluster.stop();
  throw new Error(`the test cluster did not come up: ${readFileSync(join(dir, "log", "slurmctld.log"), "utf8").slice(-2000)}`);
}

/** Processes whose command line mentions `text` (from /proc), for "nothing left behind" checks. */
export function processesMentioning(text: string): number[] {
  const r = spawnSync("pgrep", ["-f", text], { encoding: "utf8" });
  return r.stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map(Number)
    .filter((pid) => pid !== process.pid);
}
