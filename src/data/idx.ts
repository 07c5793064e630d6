import { UserError } from "../errors.js";

/**
 * IDX, the format of MNIST and Fashion-MNIST (LeCun et al.): a big-endian
 * header, magic = 0x0000 | type code | number of dimensions, then one u32 per
 * dimension, then the data. initdrift reads unsigned-byte data (type 0x08),
 * raw or gzip-compressed.
 */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const TYPE_UBYTE = 0x08;
const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC_0 && bytes[1] === GZIP_MAGIC_1;
}

/** Inflates gzip with the platform's DecompressionStream (Node >= 18 and browsers). */
export async function gunzip(bytes: Uint8Array, name: string): Promise<Uint8Array> {
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new UserError(`${name}: broken gzip data (${(e as Error).message})`);
  }
}

/** Decodes one IDX file; `name` labels every error. Throws UserError on anything malformed. */
export function parseIdx(bytes: Uint8Array, name: string): IdxArray {
  if (bytes.length < 4) throw new UserError(`${name}: too short for an IDX header (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const type = (magic >>> 8) & 0xff;
  const rank = magic & 0xff;
  if (magic >>> 16 !== 0 || rank === 0 || rank > 4) {
    throw new UserError(`${name}: bad IDX magic number 0x${magic.toString(16).padStart(8, "0")}`);
  }
  if (type !== TYPE_UBYTE) throw new UserError(`${name}: IDX data type 0x${type.toString(16)} is not unsigned byte (0x08)`);
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) throw new UserError(`${name}: truncated IDX header`);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const n = view.getUint32(4 + 4 * i, false);
    dims.push(n);
    count *= n;
  }
  const have = bytes.length - headerBytes;
  if (have < count) throw new UserError(`${name}: truncated: header says ${dims.join("x")} = ${count} bytes of data, file has ${have}`);
  if (have > count) throw new UserError(`${name}: ${have - count} unexpected bytes after the data (${dims.join("x")})`);
  return { dims, data: bytes.subarray(headerBytes) };
}

/** Decodes possibly-gzipped IDX bytes. */
export async function decodeIdx(bytes: Uint8Array, name: string): Promise<IdxArray> {
  return parseIdx(isGzip(bytes) ? await gunzip(bytes, name) : bytes, name);
}
