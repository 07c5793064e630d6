import { basename } from "node:path";
import { UserError } from "../errors.js";
import { readRegularFile } from "./files.js";
import { buildGlyphMask, defaultMaskLayer, decodeImage, finishMask, imageMask, maskLayerOf, type BuiltMask } from "../mask/mask.js";
import type { ParamLayout } from "../model/layout.js";

export type { BuiltMask };

/**
 * --mask SPEC: one printable ASCII character is a glyph, anything longer a
 * PNG / PGM / PBM file. Returns the bits for the chosen layer's shape and the
 * config entry that identifies them.
 */
export async function buildMask(spec: string, layout: ParamLayout, layerName: string | undefined, invert: boolean): Promise<BuiltMask> {
  if (spec.length === 1) return buildGlyphMask(spec, layout, layerName, invert);
  const layer = maskLayerOf(layout, layerName ?? defaultMaskLayer(layout));
  let bytes: Uint8Array;
  try {
    bytes = readRegularFile(spec, 2 ** 26);
  } catch (e) {
    throw new UserError(
      `--mask ${spec}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give one character for a glyph, or a .png/.pgm/.pbm file`,
      2,
    );
  }
  return finishMask("image", basename(spec), layer, invert, imageMask(await decodeImage(bytes, spec), layer.fanIn, layer.fanOut, invert), spec);
}
