import { UserError } from "../errors.js";
import type { GreyImage } from "./png.js";

/**
 * Netpbm bitmaps and greymaps: P1/P4 (PBM, 1 = black) and P2/P5 (PGM, any
 * maxval, 16-bit big-endian above 255), comments included. Decoded to 8-bit
 * grey, 0 black .. 255 white, like decodePng.
 */
export function decodeNetpbm(bytes: Uint8Array, name: string): GreyImage {
  const bad = (why: string): never => {
    throw new UserError(`${name}: ${why}`);
  };
  let pos = 0;
  const token = (): string => {
    for (;;) {
      while (pos < bytes.length && /\s/.test(String.fromCharCode(bytes[pos]!))) pos++;
      if (bytes[pos] === 0x23) {
        while (pos < bytes.length && bytes[pos] !== 0x0a) pos++;
        continue;
      }
      break;
    }
    const start = pos;
    while (pos < bytes.length && !/\s/.test(String.fromCharCode(bytes[pos]!))) pos++;
    if (start === pos) bad("truncated header");
    return String.fromCharCode(...bytes.subarray(start, pos));
  };
  const magic = token();
  if (!["P1", "P2", "P4", "P5"].includes(magic)) bad(`not a PBM/PGM file (magic ${JSON.stringify(magic.slice(0, 2))})`);
  const int = (what: string): number => {
    const t = token();
    if (!/^\d+$/.test(t)) bad(`bad ${what} '${t}'`);
    return Number(t);
  };
  const width = int("width"),
    height = int("height");
  if (width === 0 || height === 0 || width * height > 1 << 28) bad(`bad size ${width}x${height}`);
  const bitmap = magic === "P1" || magic === "P4";
  const maxval = bitmap ? 1 : int("maxval");
  if (maxval < 1 || maxval > 65535) bad(`bad maxval ${maxval}`);
  const n = width * height;
  const pixels = new Uint8Array(n);
  const grey = (v: number): number => {
    if (v > maxval) bad(`sample ${v} above maxval ${maxval}`);
    return bitmap ? (v ? 0 : 255) : Math.round((v * 255) / maxval);
  };
  if (magic === "P1" || magic === "P2") {
    for (let i = 0; i < n; i++) {
      if (magic === "P1") {
        while (pos < bytes.length && !(bytes[pos] === 0x30 || bytes[pos] === 0x31)) {
          if (!/\s/.test(String.fromCharCode(bytes[pos]!))) bad(`unexpected byte in bitmap at ${pos}`);
          pos++;
        }
        if (pos >= bytes.length) bad(`truncated: ${i} of ${n} pixels`);
        pixels[i] = grey(bytes[pos++]! - 0x30);
      } else {
        if (pos >= bytes.length) bad(`truncated: ${i} of ${n} pixels`);
        pixels[i] = grey(int("sample"));
      }
    }
    return { width, height, pixels };
  }
  pos++; // the single whitespace byte after the header
  if (magic === "P4") {
    const stride = Math.ceil(width / 8);
    if (bytes.length - pos < stride * height) bad(`truncated: needs ${stride * height} bytes of pixels, has ${bytes.length - pos}`);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        pixels[y * width + x] = grey((bytes[pos + y * stride + (x >> 3)]! >> (7 - (x & 7))) & 1);
      }
    return { width, height, pixels };
  }
  const wide = maxval > 255;
  if (bytes.length - pos < n * (wide ? 2 : 1)) bad(`truncated: needs ${n * (wide ? 2 : 1)} bytes of pixels, has ${bytes.length - pos}`);
  for (let i = 0; i < n; i++) pixels[i] = grey(wide ? (bytes[pos + 2 * i]! << 8) | bytes[pos + 2 * i + 1]! : bytes[pos + i]!);
  return { width, height, pixels };
}

/** A binary PBM (P4) of a 0/1 mask, 1 = black = inside: how a run directory keeps its mask. */
export function encodePbm(mask: Uint8Array, rows: number, cols: number): Uint8Array {
  const header = new TextEncoder().encode(`P4\n${cols} ${rows}\n`);
  const stride = Math.ceil(cols / 8);
  const out = new Uint8Array(header.length + stride * rows);
  out.set(header);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      if (mask[i * cols + j]) out[header.length + i * stride + (j >> 3)]! |= 0x80 >> (j & 7);
    }
  return out;
}
