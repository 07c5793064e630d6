import { packageTar } from "../../src/run/packageFormat.js";
import { sha256Hex } from "../../src/node/files.js";

/**
 * A package tar of `files` (paths below the package root) with SHA256SUMS
 * signed again over them: a consistent forgery, for tests that check what
 * verify finds beyond the checksums.
 */
export function resignedTar(files: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const rest = [...files].filter(([path]) => path !== "SHA256SUMS").map(([path, data]) => ({ path, data }));
  const sums = rest.map((f) => `${sha256Hex(f.data)}  ${f.path}`).join("\n");
  return packageTar([{ path: "SHA256SUMS", data: new TextEncoder().encode(`${sums}\n`) }, ...rest]);
}
