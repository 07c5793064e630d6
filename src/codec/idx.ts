import { UserError } from "../errors.js";
import { decompressBounded } from "./zlib.js";

/**
 * IDX, the format of MNIST and Fashion-MNIST (LeCun et al.): a big-endian
 * header, magic = 0x0000 | type code | number of dimensions, then one u32 per
 * dimension, then the data. initdrift reads unsigned bytes (type 0x08, images
 * and labels of up to 256 classes) and non-negative big-endian 16-bit
 * integers (type 0x0B, labels of more classes: HASYv2's 369), raw or
 * gzip-compressed.
 */
export interface IdxArray {
  dims: number[];
  data: Uint8Array | Uint16Array;
}

const TYPE_UBYTE = 0x08;
const TYPE_SHORT = 0x0b;
const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC_0 && bytes[1] === GZIP_MAGIC_1;
}

/** Largest decompressed IDX file read when the catalogue gives no size: MNIST's biggest is 47 MB; a gzip bomb stops here. */
export const MAX_IDX_BYTES = 2 ** 29;

/**
 * Inflates gzip with the platform's DecompressionStream (Node >= 18 and
 * browsers), chunk by chunk, and stops as soon as the output passes
 * `maxBytes`: a small file that expands to gigabytes is refused, never read whole.
 */
export async function gunzip(bytes: Uint8Array, name: string, maxBytes = MAX_IDX_BYTES): Promise<Uint8Array> {
  try {
    return await decompressBounded(bytes, "gzip", maxBytes);
  } catch (e) {
    if (e instanceof RangeError) throw new UserError(`${name}: gzip data expands past ${maxBytes} bytes, more than this file may hold; refused`);
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
  if (type !== TYPE_UBYTE && type !== TYPE_SHORT)
    throw new UserError(`${name}: IDX data type 0x${type.toString(16)} is neither unsigned byte (0x08) nor short (0x0b)`);
  const width = type === TYPE_SHORT ? 2 : 1;
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
  const need = count * width;
  if (have < need) throw new UserError(`${name}: truncated: header says ${dims.join("x")} = ${need} bytes of data, file has ${have}`);
  if (have > need) throw new UserError(`${name}: ${have - need} unexpected bytes after the data (${dims.join("x")})`);
  if (width === 1) return { dims, data: bytes.subarray(headerBytes) };
  const data = new Uint16Array(count);
  for (let i = 0; i < count; i++) {
    const v = view.getInt16(headerBytes + 2 * i, false);
    if (v < 0) throw new UserError(`${name}: negative value ${v} at index ${i}`);
    data[i] = v;
  }
  return { dims, data };
}

/** IDX bytes of a u8 array (type 0x08) or a u16 array (type 0x0B, big-endian, values below 32768). */
export function encodeIdx(dims: number[], data: Uint8Array | Uint16Array): Uint8Array {
  const width = data instanceof Uint16Array ? 2 : 1;
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + data.length * width);
  const view = new DataView(out.buffer);
  view.setUint32(0, ((width === 2 ? TYPE_SHORT : TYPE_UBYTE) << 8) | dims.length, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  if (width === 1) out.set(data, header);
  else for (let i = 0; i < data.length; i++) view.setInt16(header + 2 * i, data[i]!, false);
  return out;
}

/** Decodes possibly-gzipped IDX bytes. */
export async function decodeIdx(bytes: Uint8Array, name: string): Promise<IdxArray> {
  return parseIdx(isGzip(bytes) ? await gunzip(bytes, name) : bytes, name);
}
