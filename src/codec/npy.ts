/**
 * NumPy .npy format version 1.0 for little-endian f32 arrays in C order:
 * magic "\x93NUMPY", version 1 0, a u16 header length, an ASCII dict header
 * padded with spaces to a multiple of 64 bytes and ended by "\n", then data.
 * numpy.load reads what encodeNpy writes; decodeNpy reads f32 C-order files
 * (initdrift's own, and numpy.save of float32 arrays).
 */
import { UserError } from "../errors.js";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export interface NpyArray {
  shape: number[];
  data: Float32Array;
}

export function encodeNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new RangeError(`shape ${shape.join("x")} holds ${count} values, data has ${data.length}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = MAGIC.length + 2 + 2 + header.length + 1;
  header += " ".repeat((64 - (unpadded % 64)) % 64) + "\n";
  const out = new Uint8Array(MAGIC.length + 4 + header.length + data.length * 4);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const body = new DataView(out.buffer, 10 + header.length);
  for (let i = 0; i < data.length; i++) body.setFloat32(i * 4, data[i]!, true);
  return out;
}

export function decodeNpy(bytes: Uint8Array, name: string): NpyArray {
  const bad = (why: string): never => {
    throw new UserError(`${name}: not a float32 .npy file (${why})`);
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) bad("bad magic");
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : major <= 3 ? view.getUint32(8, true) : bad(`version ${major}`);
  const start = (major === 1 ? 10 : 12) + headerLen;
  if (bytes.length < start) bad("truncated header");
  const header = new TextDecoder("latin1").decode(bytes.subarray(major === 1 ? 10 : 12, start));
  if (!/'descr':\s*'<f4'/.test(header)) bad(`dtype in ${JSON.stringify(header.trim().slice(0, 60))}`);
  if (/'fortran_order':\s*True/.test(header)) bad("Fortran order");
  const shapeMatch = /'shape':\s*\(([^)]*)\)/.exec(header) ?? bad("no shape");
  const shape = shapeMatch[1]!
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length - start !== count * 4) bad(`${shape.join("x")} needs ${count * 4} data bytes, file has ${bytes.length - start}`);
  const data = new Float32Array(count);
  const body = new DataView(bytes.buffer, bytes.byteOffset + start, count * 4);
  for (let i = 0; i < count; i++) data[i] = body.getFloat32(i * 4, true);
  return { shape, data };
}
