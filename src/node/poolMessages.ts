import type { Dataset } from "../data/dataset.js";
import { UserError } from "../errors.js";
import type { Manifest } from "../run/manifest.js";
import type { KernelBuild, PlatformInfo, RecordOptions } from "../run/session.js";
import type { ExecutionOptions, TrainConfig } from "../train/config.js";
import type { MetricRow } from "../run/metrics.js";

/** Messages between the pool (main thread) and its workers. */
export type ToWorker =
  /** stopFlag: Int32Array over a SharedArrayBuffer; [0] = 1 asks for a stop. A message alone would wait behind the job, which never yields to the event loop. */
  | { type: "setup"; dataset: Dataset; kernels: KernelBuild; platform: PlatformInfo; stopFlag: Int32Array }
  | {
      type: "job";
      id: number;
      config: TrainConfig;
      execution: ExecutionOptions;
      record: RecordOptions;
      dir: string;
      resume: boolean;
      checkpointEvery?: number | undefined;
      maskBits?: Uint8Array | undefined;
    };

export type FromWorker =
  | { type: "row"; id: number; row: MetricRow }
  | { type: "done"; id: number; manifest: Manifest }
  | { type: "failed"; id: number; error: JobError };

/** An error as it crosses a thread boundary. */
export interface JobError {
  message: string;
  /** A UserError: the user can fix it, and its message is the whole story. */
  user: boolean;
  /** The UserError's exit code. */
  exitCode?: number;
  /** The errno code of a file-system error, and the path it names. */
  code?: string;
  path?: string;
}

/** An error as it crosses a thread boundary: UserErrors stay recognisable, with their exit codes. */
export function reportableError(e: unknown): JobError {
  const err = e as NodeJS.ErrnoException;
  const out: JobError = { message: err?.message ?? String(e), user: e instanceof UserError };
  if (e instanceof UserError) out.exitCode = e.exitCode;
  if (typeof err?.code === "string") out.code = err.code;
  if (typeof err?.path === "string") out.path = err.path;
  return out;
}

/** A job's error as the main thread would have thrown it: a UserError with its exit code, or an Error with its errno code and path. */
export function errorOf(e: JobError): Error {
  if (e.user) return new UserError(e.message, e.exitCode ?? 1);
  return Object.assign(new Error(e.message), e.code ? { code: e.code } : {}, e.path ? { path: e.path } : {});
}
