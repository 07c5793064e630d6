import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { encodePngRgb } from "../../src/codec/png.js";
import { encodeTar, type TarEntry } from "../../src/codec/tar.js";

/**
 * A small HASYv2 in the real layout: hasy-data/v2-NNNNN.png (32x32),
 * hasy-data-labels.csv and classification-task/fold-K/{train,test}.csv with
 * paths relative to each CSV, quoted with ' as the original. Symbol ids are
 * deliberately not in numeric order of first appearance, and one LaTeX
 * command holds a comma, so quoting and the class order are both exercised.
 */
export const FIXTURE_SYMBOLS: [number, string][] = [
  [1005, "\\alpha"],
  [31, "A"],
  [240, "\\,"],
  [77, "b"],
  [502, "it's"],
];
export const FIXTURE_IMAGES = 60;

export interface HasyFixture {
  entries: TarEntry[];
  /** Pixels and symbol id of every image, by file path. */
  images: Map<string, { pixels: Uint8Array; symbolId: number }>;
  /** Rows (paths under hasy-data/) of each fold's train/test CSV. */
  folds: Map<number, { train: string[]; test: string[] }>;
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

function pixelsOf(k: number): Uint8Array {
  // A white 32x32 with a dark bar whose place depends on k: images differ, values are exact greys.
  const p = new Uint8Array(1024).fill(255);
  for (let y = 4; y < 28; y++) for (let x = 0; x < 3; x++) p[y * 32 + ((k * 5 + x) % 32)] = (k * 37) % 200;
  return p;
}

export async function makeHasyFixture(folds = [1, 2], opts: { wrongSize?: string } = {}): Promise<HasyFixture> {
  const entries: TarEntry[] = [];
  const images = new Map<string, { pixels: Uint8Array; symbolId: number }>();
  const labelRows = ["path,symbol_id,latex,user_id"];
  for (let k = 0; k < FIXTURE_IMAGES; k++) {
    const path = `hasy-data/v2-${String(k).padStart(5, "0")}.png`;
    const [symbolId, latex] = FIXTURE_SYMBOLS[k % FIXTURE_SYMBOLS.length]!;
    const pixels = pixelsOf(k);
    const size = path === opts.wrongSize ? 28 : 32;
    const rgb = new Uint8Array(size * size * 3);
    for (let i = 0; i < size * size; i++) rgb.fill(pixels[i]!, 3 * i, 3 * i + 3);
    entries.push({ path, data: await encodePngRgb(size, size, rgb) });
    images.set(path, { pixels, symbolId });
    labelRows.push(`${path},${symbolId},${quote(latex)},${k % 7}`);
  }
  entries.push({ path: "hasy-data-labels.csv", data: new TextEncoder().encode(labelRows.join("\n") + "\n") });
  const foldRows = new Map<number, { train: string[]; test: string[] }>();
  const paths = [...images.keys()];
  for (const fold of folds) {
    const test = paths.filter((_, k) => k % 10 === fold - 1);
    const train = paths.filter((_, k) => k % 10 !== fold - 1);
    foldRows.set(fold, { train, test });
    for (const [which, list] of [
      ["train", train],
      ["test", test],
    ] as const) {
      const rows = [
        "path,symbol_id,latex,user_id",
        ...list.map((p) => {
          const s = FIXTURE_SYMBOLS.find(([id]) => id === images.get(p)!.symbolId)!;
          return `../../${p},${s[0]},${quote(s[1])},3`;
        }),
      ];
      entries.push({ path: `classification-task/fold-${fold}/${which}.csv`, data: new TextEncoder().encode(rows.join("\r\n") + "\r\n") });
    }
  }
  return { entries, images, folds: foldRows };
}

export function writeFolder(dir: string, entries: readonly TarEntry[]): void {
  for (const e of entries) {
    mkdirSync(dirname(join(dir, e.path)), { recursive: true });
    writeFileSync(join(dir, e.path), e.data);
  }
}

/** The official format: a tar compressed by the system's bzip2 (an independent encoder). */
export function tarBz2(entries: readonly TarEntry[]): Uint8Array {
  return new Uint8Array(execFileSync("bzip2", ["-c", "-9"], { input: encodeTar(entries), maxBuffer: 1 << 28 }));
}
