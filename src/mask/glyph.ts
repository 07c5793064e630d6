import { glyphStrokes, type Point } from "./font.js";

/**
 * A glyph rasterised as a filled mask of rows x cols (1 inside, 0 outside),
 * row-major, row 0 at the top: the shape the paper stamps into W2 (Figure 1).
 *
 * The strokes are thickened to a radius of STROKE_RADIUS grid units (about
 * 13% of the cap height: a bold, solid letter), and the glyph's inked box is
 * stretched to fill the matrix inside a margin of MARGIN of each side, so a
 * rectangular matrix (W1 is 784 x n) still shows the whole letter. A pixel is
 * inside when its centre is within the radius of a stroke.
 */
export const STROKE_RADIUS = 0.9;
export const MARGIN = 0.08;

function distanceToSegment(px: number, py: number, [ax, ay]: Point, [bx, by]: Point): number {
  const dx = bx - ax,
    dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2));
  // sqrt of a sum of squares (IEEE-exact operations), not Math.hypot, whose last bit varies by engine.
  const ex = px - (ax + t * dx),
    ey = py - (ay + t * dy);
  return Math.sqrt(ex * ex + ey * ey);
}

export function glyphMask(ch: string, rows: number, cols: number): Uint8Array {
  const strokes = glyphStrokes(ch);
  const points = strokes.flat();
  if (points.length === 0) throw new RangeError(`the glyph ${JSON.stringify(ch)} has no ink; choose a visible character`);
  const r = STROKE_RADIUS;
  const x0 = Math.min(...points.map((p) => p[0])) - r,
    x1 = Math.max(...points.map((p) => p[0])) + r;
  const y0 = Math.min(...points.map((p) => p[1])) - r,
    y1 = Math.max(...points.map((p) => p[1])) + r;
  const segments: [Point, Point][] = strokes.flatMap((poly) =>
    poly.length === 1 ? [[poly[0]!, poly[0]!] as [Point, Point]] : poly.slice(1).map((p, k) => [poly[k]!, p] as [Point, Point]),
  );
  const mask = new Uint8Array(rows * cols);
  const mx = MARGIN * cols,
    my = MARGIN * rows;
  for (let i = 0; i < rows; i++) {
    // Pixel centre -> glyph coordinates.
    const gy = y0 + ((i + 0.5 - my) / (rows - 2 * my)) * (y1 - y0);
    for (let j = 0; j < cols; j++) {
      const gx = x0 + ((j + 0.5 - mx) / (cols - 2 * mx)) * (x1 - x0);
      for (const [a, b] of segments) {
        if (distanceToSegment(gx, gy, a, b) <= r) {
          mask[i * cols + j] = 1;
          break;
        }
      }
    }
  }
  return mask;
}

/** The mask as text (# inside), for tests and terminals. */
export function maskToText(mask: Uint8Array, rows: number, cols: number): string {
  let out = "";
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out += mask[i * cols + j] ? "#" : ".";
    out += "\n";
  }
  return out;
}
