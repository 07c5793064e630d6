import { describe, expect, it } from "vitest";
import { readCheckpoint, writeCheckpoint } from "../src/run/checkpoint.js";
import { UserError } from "../src/errors.js";

/**
 * A checkpoint's state is covered by its hash: an edited epoch or generator
 * state, which would resume to different bits, is refused as corrupt.
 */
const CONFIG_SHA = "c".repeat(64);

async function written() {
  const files = new Map<string, Uint8Array>();
  const sink = { write: (name: string, data: string | Uint8Array) => void files.set(name, typeof data === "string" ? new TextEncoder().encode(data) : data) };
  const params = Float32Array.from({ length: 10 }, (_, i) => i / 10);
  await writeCheckpoint(sink, { epoch: 3, params, initialParams: params.map((v) => v / 2), shuffleRng: [1, 2, 3, 4] }, CONFIG_SHA);
  const state = JSON.parse(new TextDecoder().decode(files.get("checkpoint/state.json")!));
  const read = (f: string) => files.get(`checkpoint/${f}`)!;
  const load = (s: unknown) => readCheckpoint(new TextEncoder().encode(JSON.stringify(s)), read, "run", CONFIG_SHA, 10);
  return { state, load };
}

describe("checkpoint state hash", () => {
  it("reads back what it wrote", async () => {
    const { state, load } = await written();
    expect(state.format_version).toBe(2);
    expect((await load(state)).epoch).toBe(3);
  });

  it.each([
    ["the epoch", (s: Record<string, unknown>) => ({ ...s, epoch: 4 })],
    ["the generator state", (s: Record<string, unknown>) => ({ ...s, shuffle_rng: [1, 2, 3, 5] })],
    ["the params file name", (s: Record<string, unknown>) => ({ ...s, params_file: "initial.npy" })],
  ])("refuses an edited %s as corrupt", async (_what, edit) => {
    const { state, load } = await written();
    await expect(load(edit(state))).rejects.toThrow(UserError);
    await expect(load(edit(state))).rejects.toThrow(/state_sha256|corrupt/);
  });

  it("refuses a checkpoint downgraded to format 1 with its hash removed and its epoch edited: nothing in it can be checked", async () => {
    const { state, load } = await written();
    const { state_sha256: _gone, ...rest } = state;
    await expect(load({ ...rest, format_version: 1, epoch: 4 })).rejects.toThrow(
      /checkpoint format 1 carries no hash of its epoch and generator state.*--force/,
    );
    await expect(load({ ...rest, format_version: 1 })).rejects.toThrow(UserError);
  });

  it("refuses a format-2 checkpoint whose state_sha256 is missing", async () => {
    const { state, load } = await written();
    const { state_sha256: _gone, ...rest } = state;
    await expect(load(rest)).rejects.toThrow(/format 2 without its state_sha256/);
  });
});
