import { UserError } from "../errors.js";
import type { RngState } from "../train/rng.js";
import type { TrainerState } from "../train/trainer.js";
import { paramsBytes } from "./hash.js";
import { decodeNpy, encodeNpy } from "./npy.js";
import type { RunSink } from "./session.js";
import { sha256 } from "./sha256.js";

/**
 * checkpoint/ of a run directory: params.npy and initial.npy (the whole
 * parameter block, layout order), then state.json last, naming the epoch,
 * the shuffle generator's state and the SHA-256 of both blocks. Each file is
 * replaced atomically and state.json is written only after the arrays, so a
 * run killed at any point leaves either the previous checkpoint or the new
 * one; a mismatch between state.json and the arrays is reported as corrupt.
 */
export const CHECKPOINT_FORMAT = "initdrift-checkpoint";
export const CHECKPOINT_VERSION = 1;

export interface CheckpointState {
  format: typeof CHECKPOINT_FORMAT;
  format_version: number;
  epoch: number;
  shuffle_rng: RngState;
  params_sha256: string;
  initial_params_sha256: string;
  config_sha256: string;
}

export async function writeCheckpoint(sink: RunSink, state: TrainerState, configSha256: string): Promise<void> {
  await sink.write("checkpoint/params.npy", encodeNpy(state.params, [state.params.length]));
  await sink.write("checkpoint/initial.npy", encodeNpy(state.initialParams, [state.initialParams.length]));
  const meta: CheckpointState = {
    format: CHECKPOINT_FORMAT, format_version: CHECKPOINT_VERSION, epoch: state.epoch, shuffle_rng: state.shuffleRng,
    params_sha256: await sha256(paramsBytes(state.params)),
    initial_params_sha256: await sha256(paramsBytes(state.initialParams)),
    config_sha256: configSha256,
  };
  await sink.write("checkpoint/state.json", JSON.stringify(meta, null, 2) + "\n");
}

/** Reads and checks a checkpoint from its three files' bytes; `where` names it in errors. */
export async function readCheckpoint(files: { state: Uint8Array; params: Uint8Array; initial: Uint8Array }, where: string, configSha256: string, paramCount: number): Promise<TrainerState> {
  const corrupt = (why: string): never => { throw new UserError(`${where}: corrupt checkpoint (${why}); remove it or use --force to start over`); };
  let meta: CheckpointState;
  try {
    meta = JSON.parse(new TextDecoder().decode(files.state)) as CheckpointState;
  } catch {
    return corrupt("state.json is not JSON");
  }
  if (meta.format !== CHECKPOINT_FORMAT) corrupt("not an initdrift checkpoint");
  if (meta.format_version > CHECKPOINT_VERSION) throw new UserError(`${where}: checkpoint format ${meta.format_version} is newer than this initdrift reads (${CHECKPOINT_VERSION}); upgrade initdrift`);
  if (meta.config_sha256 !== configSha256) throw new UserError(`${where}: the checkpoint belongs to another configuration; use the same options, or --force to start over`);
  const params = decodeNpy(files.params, `${where}/params.npy`).data;
  const initialParams = decodeNpy(files.initial, `${where}/initial.npy`).data;
  if (params.length !== paramCount || initialParams.length !== paramCount) corrupt(`expected ${paramCount} parameters`);
  if ((await sha256(paramsBytes(params))) !== meta.params_sha256) corrupt("params.npy does not match its hash");
  if ((await sha256(paramsBytes(initialParams))) !== meta.initial_params_sha256) corrupt("initial.npy does not match its hash");
  if (!Number.isInteger(meta.epoch) || meta.epoch < 0 || !Array.isArray(meta.shuffle_rng) || meta.shuffle_rng.length !== 4) corrupt("bad epoch or generator state");
  return { epoch: meta.epoch, params, initialParams, shuffleRng: meta.shuffle_rng };
}
