import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { UserError } from "../errors.js";
import { defaultMaskLayer, decodeImage, glyphMaskFor, imageMask, maskLayerOf, type MaskConfig } from "../mask/mask.js";
import type { ParamLayout } from "../model/layout.js";
import { sha256 } from "../run/sha256.js";

export interface BuiltMask {
  config: MaskConfig;
  bits: Uint8Array;
}

/**
 * --mask SPEC: one printable ASCII character is a glyph, anything longer a
 * PNG / PGM / PBM file. Returns the bits for the chosen layer's shape and the
 * config entry that identifies them.
 */
export async function buildMask(spec: string, layout: ParamLayout, layerName: string | undefined, invert: boolean): Promise<BuiltMask> {
  const layer = maskLayerOf(layout, layerName ?? defaultMaskLayer(layout));
  let bits: Uint8Array;
  let kind: MaskConfig["kind"];
  let source: string;
  if (spec.length === 1) {
    try {
      bits = glyphMaskFor(spec, layer.fanIn, layer.fanOut, invert);
    } catch (e) {
      throw new UserError(`--mask ${JSON.stringify(spec)}: ${(e as Error).message}`, 2);
    }
    kind = "glyph";
    source = spec;
  } else {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(spec);
    } catch (e) {
      throw new UserError(`--mask ${spec}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give one character for a glyph, or a .png/.pgm/.pbm file`, 2);
    }
    bits = imageMask(await decodeImage(bytes, spec), layer.fanIn, layer.fanOut, invert);
    kind = "image";
    source = basename(spec);
  }
  if (!bits.includes(1)) throw new UserError(`--mask ${spec}: the mask is empty at ${layer.fanIn}x${layer.fanOut} (nothing inside)`, 2);
  return { config: { kind, source, layer: layer.name, invert, bits_sha256: await sha256(bits) }, bits };
}
