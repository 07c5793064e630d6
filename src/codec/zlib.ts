/** zlib (RFC 1950) deflate and inflate through the platform's Compression Streams (Node >= 18, browsers). */
async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

/**
 * Decompresses gzip or zlib (deflate) data through the platform's streams,
 * chunk by chunk, throwing a RangeError as soon as the output passes
 * `maxOutput` bytes: a small input that would expand to gigabytes is
 * stopped there, never held whole.
 */
export async function decompressBounded(bytes: Uint8Array, format: "gzip" | "deflate", maxOutput: number): Promise<Uint8Array> {
  const reader = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream(format)).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxOutput) {
      await reader.cancel().catch(() => undefined);
      throw new RangeError(`expands past ${maxOutput} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** zlib inflate, stopped with a RangeError past `maxOutput` bytes. */
export function inflate(bytes: Uint8Array, maxOutput = Number.MAX_SAFE_INTEGER): Promise<Uint8Array> {
  return decompressBounded(bytes, "deflate", maxOutput);
}

export function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  return pipe(bytes, new CompressionStream("deflate"));
}
