import { describe, expect, it } from "vitest";
import { resolveShard, shardOf } from "../src/run/shards.js";

describe("shards", () => {
  it("takes --shard I/N first", () => {
    expect(resolveShard("1/3", { SLURM_ARRAY_TASK_ID: "0", SLURM_ARRAY_TASK_COUNT: "2" })).toMatchObject({ index: 1, count: 3 });
  });

  it("reads Slurm job arrays, offset by SLURM_ARRAY_TASK_MIN", () => {
    expect(resolveShard(undefined, { SLURM_ARRAY_TASK_ID: "2", SLURM_ARRAY_TASK_COUNT: "4" })).toMatchObject({ index: 2, count: 4, source: "Slurm array" });
    expect(resolveShard(undefined, { SLURM_ARRAY_TASK_ID: "5", SLURM_ARRAY_TASK_COUNT: "4", SLURM_ARRAY_TASK_MIN: "3" })).toMatchObject({ index: 2, count: 4 });
  });

  it("reads Kubernetes Indexed Jobs with INITDRIFT_SHARD_COUNT", () => {
    expect(resolveShard(undefined, { JOB_COMPLETION_INDEX: "3", INITDRIFT_SHARD_COUNT: "8" })).toMatchObject({
      index: 3,
      count: 8,
      source: "Kubernetes Indexed Job",
    });
    expect(() => resolveShard(undefined, { JOB_COMPLETION_INDEX: "3" })).toThrow(/INITDRIFT_SHARD_COUNT is not/);
  });

  it("is unsharded otherwise, and refuses impossible shards", () => {
    expect(resolveShard(undefined, {})).toMatchObject({ index: 0, count: 1 });
    expect(() => resolveShard("3/3", {})).toThrow(/index 3 is not below the count 3/);
    expect(() => resolveShard("a/b", {})).toThrow(/--shard takes I\/N/);
  });

  it("deals jobs round-robin so the shards cover every job once", () => {
    const jobs = Array.from({ length: 10 }, (_, i) => i);
    const parts = [0, 1, 2].map((index) => shardOf(jobs, { index, count: 3, source: "" }));
    expect(parts).toEqual([
      [0, 3, 6, 9],
      [1, 4, 7],
      [2, 5, 8],
    ]);
  });
});
