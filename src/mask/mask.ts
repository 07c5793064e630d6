import { UserError } from "../errors.js";
import type { DenseLayerLayout, ParamLayout } from "../model/layout.js";
import { decodeNetpbm } from "../codec/netpbm.js";
import { decodePng, type GreyImage } from "../codec/png.js";
import { glyphMask } from "./glyph.js";
import { sha256 } from "../codec/sha256.js";

/**
 * Initialisation masks (the paper's Figure 1): a 0/1 bitmap of a weight
 * matrix's shape, fanIn rows x fanOut columns; every initial weight outside
 * it (bit 0) is set to zero. From a glyph (one printable ASCII character) or
 * an image (PNG, PGM, PBM): the image is resized to the matrix by averaging
 * the pixels each cell covers, and a cell is inside where that average is
 * dark (below 128 of 255), like ink on paper; `invert` swaps the two.
 */
export interface MaskConfig {
  kind: "glyph" | "image";
  /** The glyph, or the image file's name. */
  source: string;
  /** "W1", "W2", ...: the matrix it is stamped into. */
  layer: string;
  invert: boolean;
  /** SHA-256 of the resized bitmap (one byte per cell, row-major): the mask's identity. */
  bits_sha256: string;
}

/** The paper stamps the hidden-to-hidden matrix; a one-hidden-layer net has only W1 and W2 = output. */
export function defaultMaskLayer(layout: ParamLayout): string {
  return layout.layers.length >= 3 ? "W2" : "W1";
}

export function maskLayerOf(layout: ParamLayout, name: string): DenseLayerLayout {
  const layer = layout.layers.find((l) => l.name === name);
  if (!layer) throw new UserError(`--mask-layer ${name}: the network has ${layout.layers.map((l) => l.name).join(", ")}`, 2);
  return layer;
}

export async function decodeImage(bytes: Uint8Array, name: string): Promise<GreyImage> {
  if (bytes[0] === 0x89 && bytes[1] === 0x50) return decodePng(bytes, name);
  if (bytes[0] === 0x50 && [0x31, 0x32, 0x34, 0x35].includes(bytes[1]!)) return decodeNetpbm(bytes, name);
  throw new UserError(`${name}: not a PNG, PGM or PBM image`);
}

/** Box-averaged resize of an image to rows x cols, thresholded at mid-grey. */
export function imageMask(image: GreyImage, rows: number, cols: number, invert: boolean): Uint8Array {
  const mask = new Uint8Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const y0 = (i * image.height) / rows,
      y1 = ((i + 1) * image.height) / rows;
    for (let j = 0; j < cols; j++) {
      const x0 = (j * image.width) / cols,
        x1 = ((j + 1) * image.width) / cols;
      let sum = 0,
        area = 0;
      for (let y = Math.floor(y0); y < Math.ceil(y1); y++) {
        const wy = Math.min(y + 1, y1) - Math.max(y, y0);
        for (let x = Math.floor(x0); x < Math.ceil(x1); x++) {
          const w = wy * (Math.min(x + 1, x1) - Math.max(x, x0));
          sum += w * image.pixels[y * image.width + x]!;
          area += w;
        }
      }
      const dark = sum / area < 128;
      mask[i * cols + j] = dark !== invert ? 1 : 0;
    }
  }
  return mask;
}

/** The glyph's mask: `invert` keeps the background instead of the letter. */
export function glyphMaskFor(ch: string, rows: number, cols: number, invert: boolean): Uint8Array {
  const mask = glyphMask(ch, rows, cols);
  if (invert) for (let i = 0; i < mask.length; i++) mask[i] = 1 - mask[i]!;
  return mask;
}

/**
 * Mask contrast of a masked layer: mean |w| outside the mask over mean |w|
 * inside. 0 at initialisation (outside weights are zero); it rises as
 * training writes into the zeroed weights, and nears 1 when the letter can no
 * longer be told from its background.
 */
export function maskContrast(weights: ArrayLike<number>, mask: Uint8Array): number {
  let inside = 0,
    outside = 0,
    nIn = 0,
    nOut = 0;
  for (let i = 0; i < mask.length; i++) {
    const a = Math.abs(weights[i]!);
    if (mask[i]) {
      inside += a;
      nIn++;
    } else {
      outside += a;
      nOut++;
    }
  }
  if (nIn === 0 || nOut === 0 || inside === 0) return NaN;
  return outside / nOut / (inside / nIn);
}

/** A mask ready to use: the bits for its layer and the config entry that identifies them. */
export interface BuiltMask {
  config: MaskConfig;
  bits: Uint8Array;
}

/** Identifies built bits; refuses an empty mask (nothing inside). */
export async function finishMask(
  kind: MaskConfig["kind"],
  source: string,
  layer: DenseLayerLayout,
  invert: boolean,
  bits: Uint8Array,
  spec: string,
): Promise<BuiltMask> {
  if (!bits.includes(1)) throw new UserError(`--mask ${spec}: the mask is empty at ${layer.fanIn}x${layer.fanOut} (nothing inside)`, 2);
  return { config: { kind, source, layer: layer.name, invert, bits_sha256: await sha256(bits) }, bits };
}

/** The mask of one printable character stamped into `layerName` (default: the paper's W2). */
export async function buildGlyphMask(ch: string, layout: ParamLayout, layerName: string | undefined, invert: boolean): Promise<BuiltMask> {
  const layer = maskLayerOf(layout, layerName ?? defaultMaskLayer(layout));
  let bits: Uint8Array;
  try {
    bits = glyphMaskFor(ch, layer.fanIn, layer.fanOut, invert);
  } catch (e) {
    throw new UserError(`--mask ${JSON.stringify(ch)}: ${(e as Error).message}`, 2);
  }
  return finishMask("glyph", ch, layer, invert, bits, ch);
}
