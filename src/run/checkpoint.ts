import { canonicalJson } from "../codec/canonicalJson.js";
import { UserError } from "../errors.js";
import type { RngState } from "../math/rng.js";
import type { TrainerState } from "../train/trainer.js";
import { paramsBytes } from "./hash.js";
import { decodeNpy, encodeNpy } from "../codec/npy.js";
import type { RunSink } from "./sink.js";
import { sha256, sha256Text } from "../codec/sha256.js";

import { array, literal, nonNegativeInt, object, optional, parseDocument, positiveInt, type Schema, sha256Hex, string } from "../codec/schema.js";

/**
 * checkpoint/ of a run directory: params-e<epoch>.npy and initial.npy (the
 * whole parameter block, layout order), then state.json, naming the epoch,
 * the arrays' files, the shuffle generator's state and the SHA-256 of both
 * blocks. Every file is written atomically, the arrays under names of their
 * own before state.json, and the previous checkpoint's array is removed only
 * after the new state.json is in place: a run killed at any moment leaves a
 * state.json whose files exist and match. A mismatch is reported as corrupt.
 */
export const CHECKPOINT_FORMAT = "initdrift-checkpoint";
/** 2: state.json carries state_sha256 over its other fields (epoch, generator state, file names, hashes). */
export const CHECKPOINT_VERSION = 2;

export interface CheckpointState {
  format: typeof CHECKPOINT_FORMAT;
  format_version: number;
  epoch: number;
  shuffle_rng: RngState;
  params_file: string;
  initial_file: string;
  params_sha256: string;
  initial_params_sha256: string;
  config_sha256: string;
  /** SHA-256 of the canonical JSON of every other field: an edited epoch or generator state is caught (format 2). */
  state_sha256?: string;
}

const checkpointSchema = object({
  format: literal(CHECKPOINT_FORMAT),
  format_version: positiveInt,
  epoch: nonNegativeInt,
  shuffle_rng: array(nonNegativeInt, 4),
  params_file: string,
  initial_file: string,
  params_sha256: sha256Hex,
  initial_params_sha256: sha256Hex,
  config_sha256: sha256Hex,
  state_sha256: optional(sha256Hex),
}) as unknown as Schema<CheckpointState>;

/** The hash state.json carries over its own other fields. */
function stateHash(meta: CheckpointState): Promise<string> {
  const { state_sha256: _own, ...fields } = meta;
  return sha256Text(canonicalJson(fields));
}

export function paramsFileName(epoch: number): string {
  return `params-e${String(epoch).padStart(6, "0")}.npy`;
}

/** Writes a checkpoint; returns the name of its params file, for removal once a newer one is in place. */
export async function writeCheckpoint(sink: RunSink, state: TrainerState, configSha256: string, previousParamsFile?: string): Promise<string> {
  const paramsFile = paramsFileName(state.epoch);
  await sink.write(`checkpoint/${paramsFile}`, encodeNpy(state.params, [state.params.length]));
  // The initial weights never change: the same bytes every time.
  await sink.write("checkpoint/initial.npy", encodeNpy(state.initialParams, [state.initialParams.length]));
  const meta: CheckpointState = {
    format: CHECKPOINT_FORMAT,
    format_version: CHECKPOINT_VERSION,
    epoch: state.epoch,
    shuffle_rng: state.shuffleRng,
    params_file: paramsFile,
    initial_file: "initial.npy",
    params_sha256: await sha256(paramsBytes(state.params)),
    initial_params_sha256: await sha256(paramsBytes(state.initialParams)),
    config_sha256: configSha256,
  };
  meta.state_sha256 = await stateHash(meta);
  await sink.write("checkpoint/state.json", `${JSON.stringify(meta, null, 2)}\n`);
  if (previousParamsFile && previousParamsFile !== paramsFile) await sink.remove?.(`checkpoint/${previousParamsFile}`);
  return paramsFile;
}

/** Reads and checks a checkpoint from its three files' bytes; `where` names it in errors. */
export async function readCheckpoint(
  stateBytes: Uint8Array,
  read: (file: string) => Uint8Array,
  where: string,
  configSha256: string,
  paramCount: number,
): Promise<TrainerState & { paramsFile: string }> {
  const corrupt = (why: string): never => {
    throw new UserError(`${where}: corrupt checkpoint (${why}); remove it or use --force to start over`);
  };
  let meta: CheckpointState;
  try {
    meta = parseDocument(new TextDecoder().decode(stateBytes), checkpointSchema, "state.json");
  } catch (e) {
    return corrupt((e as Error).message);
  }
  if (meta.format_version > CHECKPOINT_VERSION)
    throw new UserError(`${where}: checkpoint format ${meta.format_version} is newer than this initdrift reads (${CHECKPOINT_VERSION}); upgrade initdrift`);
  if (meta.config_sha256 !== configSha256)
    throw new UserError(`${where}: the checkpoint belongs to another configuration; use the same options, or --force to start over`);
  // Format 1 predates the state hash: its epoch and generator state cannot be checked against anything, so
  // it is never trusted (a resume from an edited one "completes" with other weights than the run's own).
  if (meta.format_version < 2 || meta.state_sha256 === undefined)
    throw new UserError(
      `${where}: checkpoint format ${meta.format_version}${meta.format_version >= 2 ? " without its state_sha256" : ""} carries no hash of its epoch and generator state, so it cannot be checked; use --force to start the run over`,
    );
  if ((await stateHash(meta)) !== meta.state_sha256) corrupt("state.json does not match its state_sha256 (epoch, generator state or names edited?)");
  if (meta.params_file !== paramsFileName(meta.epoch)) corrupt("the params file is not the checkpoint epoch's");
  if (!/^[\w.-]+\.npy$/.test(meta.params_file ?? "") || !/^[\w.-]+\.npy$/.test(meta.initial_file ?? "")) corrupt("state.json names no array files");
  const params = decodeNpy(read(meta.params_file), `${where}/${meta.params_file}`).data;
  const initialParams = decodeNpy(read(meta.initial_file), `${where}/${meta.initial_file}`).data;
  if (params.length !== paramCount || initialParams.length !== paramCount) corrupt(`expected ${paramCount} parameters`);
  if ((await sha256(paramsBytes(params))) !== meta.params_sha256) corrupt(`${meta.params_file} does not match its hash`);
  if ((await sha256(paramsBytes(initialParams))) !== meta.initial_params_sha256) corrupt(`${meta.initial_file} does not match its hash`);
  if (!Number.isInteger(meta.epoch) || meta.epoch < 0 || !Array.isArray(meta.shuffle_rng) || meta.shuffle_rng.length !== 4)
    corrupt("bad epoch or generator state");
  return { epoch: meta.epoch, params, initialParams, shuffleRng: meta.shuffle_rng, paramsFile: meta.params_file };
}
