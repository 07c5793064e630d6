import { UserError } from "../errors.js";
import { deflate, inflate } from "./zlib.js";

/**
 * PNG, decoded to 8-bit grey (what masks and HASYv2 need) and encoded from
 * 8-bit RGB (weight-matrix images). Decoding takes every non-interlaced PNG:
 * grey, grey + alpha, RGB, RGBA, palette; bit depths 1 to 16; all five row
 * filters; chunk CRCs are checked. Colour becomes luminance (Rec. 601
 * weights) and transparency is composited over white.
 */
export interface GreyImage {
  width: number;
  height: number;
  /** width x height, row-major, 0 black .. 255 white. */
  pixels: Uint8Array;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** What the chunks of a PNG say: its header, palette and transparency, and its image data joined. */
interface PngChunks {
  width: number;
  height: number;
  depth: number;
  colour: number;
  palette?: Uint8Array | undefined;
  transparency?: Uint8Array | undefined;
  idat: Uint8Array;
}

/**
 * `inflateSync`, when the platform has one (Node's zlib), decodes small
 * images several times faster than a DecompressionStream per image: HASYv2
 * is 168,233 of them.
 */
export async function decodePng(
  bytes: Uint8Array,
  name: string,
  inflateSync?: (data: Uint8Array, maxOutputLength: number) => Uint8Array,
  checkHeader?: (width: number, height: number) => void,
): Promise<GreyImage> {
  const bad = (why: string): never => {
    throw new UserError(`${name}: ${why}`);
  };
  const png = readChunks(bytes, bad, checkHeader);
  const { width, height } = png;
  const stride = Math.ceil((width * CHANNELS[png.colour]! * png.depth) / 8);
  // What IHDR declares is all the image data may inflate to: a small file that inflates to gigabytes is refused there.
  const declared = height * (stride + 1);
  let raw: Uint8Array;
  try {
    raw = inflateSync ? inflateSync(png.idat, declared) : await inflate(png.idat, declared);
  } catch (e) {
    if (e instanceof RangeError || (e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE")
      return bad(`image data inflates past the ${width}x${height} its header declares (${declared} bytes); refused`);
    return bad("broken image data (zlib)");
  }
  if (raw.length < declared) bad(`image data too short for ${width}x${height}`);
  const rows = unfilter(raw, height, stride, Math.max(1, (CHANNELS[png.colour]! * png.depth) >> 3), bad);
  return { width, height, pixels: greyPixels(png, rows, stride, bad) };
}

/** The chunks, each CRC-checked, up to IEND; the caller's size check runs on IHDR, before any pixel is inflated. */
function readChunks(bytes: Uint8Array, bad: (why: string) => never, checkHeader?: (width: number, height: number) => void): PngChunks {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) bad("not a PNG file (bad signature)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const png: PngChunks = { width: 0, height: 0, depth: 0, colour: -1, idat: new Uint8Array(0) };
  const idat: Uint8Array[] = [];
  let pos = 8;
  let ended = false;
  while (pos < bytes.length && !ended) {
    if (pos + 12 > bytes.length) bad(`truncated chunk at byte ${pos}`);
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    if (pos + 12 + length > bytes.length) bad(`truncated ${type} chunk`);
    const data = bytes.subarray(pos + 8, pos + 8 + length);
    if (crc32(bytes, pos + 4, pos + 8 + length) !== view.getUint32(pos + 8 + length)) bad(`broken ${type} chunk (CRC mismatch)`);
    if (type === "IHDR") {
      png.width = view.getUint32(pos + 8);
      png.height = view.getUint32(pos + 12);
      png.depth = data[8]!;
      png.colour = data[9]!;
      if (data[12] !== 0) bad("interlaced PNGs are not supported");
      if (!(png.colour in CHANNELS) || ![1, 2, 4, 8, 16].includes(png.depth)) bad(`unsupported colour type ${png.colour} / bit depth ${png.depth}`);
      if (png.width === 0 || png.height === 0 || png.width * png.height > 1 << 28) bad(`bad size ${png.width}x${png.height}`);
      checkHeader?.(png.width, png.height);
    } else if (type === "PLTE") png.palette = data;
    else if (type === "tRNS") png.transparency = data;
    else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") ended = true;
    pos += 12 + length;
  }
  if (png.colour < 0) bad("no IHDR chunk");
  if (!ended) bad("no IEND chunk (truncated)");
  if (png.colour === 3 && !png.palette) bad("palette image without PLTE");
  png.idat = new Uint8Array(idat.reduce((s, c) => s + c.length, 0));
  let off = 0;
  for (const c of idat) {
    png.idat.set(c, off);
    off += c.length;
  }
  return png;
}

/** The rows with their filters undone (bpp: bytes per pixel, at least 1). */
function unfilter(raw: Uint8Array, height: number, stride: number, bpp: number, bad: (why: string) => never): Uint8Array {
  const rows = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = rows.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? rows.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? row[i - bpp]! : 0,
        b = prev[i]!,
        c = i >= bpp ? prev[i - bpp]! : 0;
      let v = src[i]!;
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c,
          pa = Math.abs(p - a),
          pb = Math.abs(p - b),
          pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) bad(`unknown row filter ${filter} in row ${y}`);
      row[i] = v & 0xff;
    }
  }
  return rows;
}

/** Each pixel as grey (ITU-R 601 weights) over a white background, through the palette and alpha where there are. */
function greyPixels(png: PngChunks, rows: Uint8Array, stride: number, bad: (why: string) => never): Uint8Array {
  const { width, height, depth, colour, palette, transparency } = png;
  const channels = CHANNELS[colour]!;
  const sample = (row: Uint8Array, x: number, ch: number): number => {
    if (depth === 8) return row[x * channels + ch]!;
    if (depth === 16) return row[(x * channels + ch) * 2]!; // high byte
    const bit = (x * channels + ch) * depth;
    const v = (row[bit >> 3]! >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
    return colour === 3 ? v : Math.round((v * 255) / ((1 << depth) - 1));
  };
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = rows.subarray(y * stride, (y + 1) * stride);
    for (let x = 0; x < width; x++) {
      let r: number,
        g: number,
        b: number,
        alpha = 255;
      if (colour === 3) {
        const k = sample(row, x, 0);
        if (3 * k + 2 >= palette!.length) bad(`palette index ${k} out of range`);
        [r, g, b] = [palette![3 * k]!, palette![3 * k + 1]!, palette![3 * k + 2]!];
        if (transparency && k < transparency.length) alpha = transparency[k]!;
      } else if (colour === 0 || colour === 4) {
        r = g = b = sample(row, x, 0);
        if (colour === 4) alpha = sample(row, x, 1);
      } else {
        [r, g, b] = [sample(row, x, 0), sample(row, x, 1), sample(row, x, 2)];
        if (colour === 6) alpha = sample(row, x, 3);
      }
      const grey = 0.299 * r + 0.587 * g + 0.114 * b;
      pixels[y * width + x] = Math.round((grey * alpha + 255 * (255 - alpha)) / 255);
    }
  }
  return pixels;
}

/** One PNG chunk: length, type, data, CRC. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/** An 8-bit RGB PNG from width x height x 3 bytes, row-major. */
export async function encodePngRgb(width: number, height: number, rgb: Uint8Array): Promise<Uint8Array> {
  if (rgb.length !== width * height * 3) throw new RangeError(`expected ${width * height * 3} bytes of RGB, got ${rgb.length}`);
  const raw = new Uint8Array(height * (width * 3 + 1));
  for (let y = 0; y < height; y++) raw.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * (width * 3 + 1) + 1);
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const parts = [new Uint8Array(SIGNATURE), pngChunk("IHDR", ihdr), pngChunk("IDAT", await deflate(raw)), pngChunk("IEND", new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
