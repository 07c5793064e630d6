import { UserError } from "../errors.js";

/**
 * Which slice of a sweep's job list this process runs. Jobs are dealt
 * round-robin (job k goes to shard k mod N), so every shard gets a mix of
 * cheap and expensive widths. Sources, first found wins:
 *   --shard I/N
 *   Slurm job arrays: SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN (0 if unset) of SLURM_ARRAY_TASK_COUNT
 *   Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX of INITDRIFT_SHARD_COUNT
 *     (Kubernetes does not export the completion count; the manifest sets it)
 * Retrying the same index runs the same jobs, and finished ones are skipped.
 */
export interface Shard {
  index: number;
  count: number;
  source: string;
}

function intFrom(text: string, what: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UserError(`${what} must be a non-negative integer, got '${text}'`, 2);
  return Number(text);
}

function checked(index: number, count: number, source: string): Shard {
  if (count < 1) throw new UserError(`${source}: the shard count must be at least 1`, 2);
  if (index >= count) throw new UserError(`${source}: shard index ${index} is not below the count ${count}`, 2);
  return { index, count, source };
}

export function resolveShard(flag: string | undefined, env: Record<string, string | undefined>): Shard {
  if (flag !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(flag.trim());
    if (!m) throw new UserError(`--shard takes I/N with 0 <= I < N, got '${flag}'`, 2);
    return checked(Number(m[1]), Number(m[2]), "--shard");
  }
  if (env.SLURM_ARRAY_TASK_ID !== undefined && env.SLURM_ARRAY_TASK_COUNT !== undefined) {
    const min = env.SLURM_ARRAY_TASK_MIN !== undefined ? intFrom(env.SLURM_ARRAY_TASK_MIN, "SLURM_ARRAY_TASK_MIN") : 0;
    return checked(intFrom(env.SLURM_ARRAY_TASK_ID, "SLURM_ARRAY_TASK_ID") - min, intFrom(env.SLURM_ARRAY_TASK_COUNT, "SLURM_ARRAY_TASK_COUNT"), "Slurm array");
  }
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    if (env.INITDRIFT_SHARD_COUNT === undefined)
      throw new UserError("JOB_COMPLETION_INDEX is set but INITDRIFT_SHARD_COUNT is not: set it to the Indexed Job's completions", 2);
    return checked(
      intFrom(env.JOB_COMPLETION_INDEX, "JOB_COMPLETION_INDEX"),
      intFrom(env.INITDRIFT_SHARD_COUNT, "INITDRIFT_SHARD_COUNT"),
      "Kubernetes Indexed Job",
    );
  }
  return { index: 0, count: 1, source: "unsharded" };
}

export function shardOf<T>(jobs: readonly T[], shard: Shard): T[] {
  return jobs.filter((_, k) => k % shard.count === shard.index);
}
