import type { Dataset } from "../data/dataset.js";
import { decodeNetpbm } from "../codec/netpbm.js";
import type { Manifest } from "./manifest.js";
import { executeRun, type PlatformInfo } from "./session.js";

/**
 * The platform-neutral core of `initdrift verify` (Node) and the page's
 * Verify button: re-run a recorded run with its own kernel binary and
 * compare final_params_sha256.
 */

/** Roles of the run's dataset files whose contents differ from `dataset`'s (compared decompressed). */
export function datasetDifferences(m: Manifest, dataset: Dataset): string[] {
  const id = (f: { raw_sha256?: string | undefined; sha256: string }) => f.raw_sha256 ?? f.sha256;
  return m.dataset.files
    .filter((f) => {
      const g = dataset.files.find((x) => x.role === f.role);
      return !g || id(g) !== id(f);
    })
    .map((f) => f.role);
}

/** The mask bits of a masked run from its mask.pbm (dark = inside). */
export function maskBitsOf(pbm: Uint8Array, where: string): Uint8Array {
  return Uint8Array.from(decodeNetpbm(pbm, where).pixels, (v) => (v < 128 ? 1 : 0));
}

/** Trains the run again up to the epochs it completed; returns the new final_params_sha256. */
export async function rerun(m: Manifest, module: WebAssembly.Module, dataset: Dataset, platform: PlatformInfo, maskBits?: Uint8Array): Promise<string | null> {
  const run = await executeRun({
    config: { ...m.config, epochs: m.epochs_completed },
    execution: { sparseInput: m.kernels.sparse_input ? "on" : "off" },
    record: { snapshots: [], analysis: [], thetas: [] },
    dataset,
    kernels: { mode: m.kernels.mode, file: m.kernels.file, sha256: m.kernels.sha256, module },
    platform,
    sink: { write: () => undefined },
    ...(maskBits ? { maskBits } : {}),
  });
  return run.manifest.final_params_sha256;
}
