/**
 * initdrift's stroke font: every printable ASCII character as polylines,
 * designed for this project. Coordinates are one base-36 digit each on a grid
 * x in 0..8, y in 0..20 (y down): cap and ascender top 2, x-height 8,
 * baseline 16 ("g"), descender 20 ("k"). A glyph is polylines separated by
 * spaces; each polyline is consecutive (x, y) digit pairs. Rasterising
 * thickens the strokes (glyph.ts), which fills them into solid letters.
 */
export const STROKE_FONT: Record<string, string> = {
  " ": "",
  "!": "424c 4f4g",
  '"': "2225 6265",
  "#": "322g 726g 0686 0c8c",
  $: "846222040729698b8e6g2g0e 404i",
  "%": "0g82 1232351512 5d7d7g5g5d",
  "&": "8g16133253550b0e2g5g8b",
  "'": "4245",
  "(": "61444d6h",
  ")": "21444d2h",
  "*": "434b 1579 7519",
  "+": "484g 0c8c",
  ",": "4f3i",
  "-": "1c7c",
  ".": "4f4g",
  "/": "1g72",
  "0": "2262848e6g2g0e0422 731f",
  "1": "24424g 2g6g",
  "2": "04226284870g8g",
  "3": "03226284876939 698b8e6g2g0e",
  "4": "6g620c8c",
  "5": "821209588a8e6g2g0e",
  "6": "7232060e2g6g8e8b69290b",
  "7": "02823g",
  "8": "226284876929070422 29698b8e6g2g0e0b29",
  "9": "87692907042262848c5g1g",
  ":": "494a 4f4g",
  ";": "494a 4f3i",
  "<": "880c8g",
  "=": "0a8a 0e8e",
  ">": "088c0g",
  "?": "0422628486494c 4f4g",
  "@": "69392b3d6d69 6d8c866424060e2g7g",
  A: "0g428g 2a6a",
  B: "020g 026284876909 09698b8e6g0g",
  C: "846222040e2g6g8e",
  D: "0252858d5g0g02",
  E: "82020g8g 0969",
  F: "82020g 0969",
  G: "846222040e2g6g8e8a5a",
  H: "020g 828g 0989",
  I: "2262 424g 2g6g",
  J: "828e6g2g0e",
  K: "020g 820a 378g",
  L: "020g8g",
  M: "0g0249828g",
  N: "0g028g82",
  O: "2262848e6g2g0e0422",
  P: "020g 026284886a0a",
  Q: "2262848e6g2g0e0422 5d8h",
  R: "020g 026284886a0a 4a8g",
  S: "846222040729698b8e6g2g0e",
  T: "0282 424g",
  U: "020e2g6g8e82",
  V: "024g82",
  W: "022g496g82",
  X: "028g 820g",
  Y: "024982 494g",
  Z: "02820g8g",
  "[": "62222h6h",
  "\\": "127g",
  "]": "22626h2h",
  "^": "164276",
  _: "0i8i",
  "`": "3245",
  a: "192868797g 7b2b0d0e2g5g7e",
  b: "020g 0a28688a8e6g2g0e",
  c: "8968280a0e2g6g8f",
  d: "828g 8a68280a0e2g6g8e",
  e: "0c8c8a68280a0e2g6g8f",
  f: "7252343g 0868",
  g: "8a68280a0d2f6f8d 888i6k2k0i",
  h: "020g 0a28688a8g",
  i: "484g 4546",
  j: "585i3k0k 5556",
  k: "020g 780d 3b8g",
  l: "323e5g6g",
  m: "080g 091838494g 495878898g",
  n: "080g 0a28688a8g",
  o: "28688a8e6g2g0e0a28",
  p: "080k 0a28688a8e6g2g0e",
  q: "888k 8a68280a0e2g6g8e",
  r: "080g 0b3878",
  s: "896828090b2c6c8d8f6g2g0f",
  t: "343e5g7g 0868",
  u: "080e2g6g8e 888g",
  v: "084g88",
  w: "082g4b6g88",
  x: "088g 880g",
  y: "084g 883k1k",
  z: "08880g8g",
  "{": "614248294a4g6h",
  "|": "414i",
  "}": "214248694a4g2h",
  "~": "0d2b4c6d8b",
};

export type Point = [number, number];

/** A glyph's polylines in grid units. Throws for characters outside printable ASCII. */
export function glyphStrokes(ch: string): Point[][] {
  const spec = STROKE_FONT[ch];
  if (spec === undefined) throw new RangeError(`no glyph for ${JSON.stringify(ch)}: masks take one printable ASCII character`);
  return spec
    .split(" ")
    .filter((s) => s.length > 0)
    .map((poly) => {
      if (poly.length % 2 !== 0) throw new Error(`font data for ${ch} is malformed`);
      const points: Point[] = [];
      for (let i = 0; i < poly.length; i += 2) points.push([parseInt(poly[i]!, 36), parseInt(poly[i + 1]!, 36)]);
      return points;
    });
}
