// Times HASYv2 decoding on a synthetic archive in the real layout (the real
// one cannot be downloaded here): bunzip2 + untar, PNG decoding, and loading
// the decoded cache. Usage: node bench/hasy-decode.mjs [images, default 20000]
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CATALOG } from "../dist/data/catalog.js";
import { encodePngRgb } from "../dist/codec/png.js";
import { encodeTar } from "../dist/codec/tar.js";
import { archiveFiles, installHasyFold, loadHasyFold } from "../dist/node/hasyInstall.js";
import { decodeHasy, hasyFilesFromTar } from "../dist/data/hasy.js";
import { inflateZlib } from "../dist/codec/inflate.js";
import { decodeTar } from "../dist/codec/tar.js";
import { bunzip2 } from "../dist/codec/bzip2.js";
import { readFileSync } from "node:fs";

const n = Number(process.argv[2] ?? 20000);
const entries = [];
const rows = ["path,symbol_id,latex,user_id"];
const rgb = new Uint8Array(32 * 32 * 3);
for (let k = 0; k < n; k++) {
  // Handwriting-like: white with a few dark strokes, so PNGs are the size of real ones (~300 bytes).
  rgb.fill(255);
  for (let s = 0; s < 40; s++) {
    const p = ((k * 7919 + s * 104729) % 1024) * 3;
    rgb.fill((k + s) % 90, p, p + 3);
  }
  const path = `hasy-data/v2-${String(k).padStart(5, "0")}.png`;
  entries.push({ path, data: await encodePngRgb(32, 32, rgb) });
  rows.push(`${path},${31 + (k % 369)},'s${k % 369}',1`);
}
entries.push({ path: "hasy-data-labels.csv", data: new TextEncoder().encode(rows.join("\n")) });
const fold = (_which, keep) =>
  [
    "path,symbol_id,latex,user_id",
    ...rows
      .slice(1)
      .filter((_, k) => keep(k))
      .map((r) => `../../${r}`),
  ].join("\n");
entries.push({ path: "classification-task/fold-1/train.csv", data: new TextEncoder().encode(fold("train", (k) => k % 10 !== 0)) });
entries.push({ path: "classification-task/fold-1/test.csv", data: new TextEncoder().encode(fold("test", (k) => k % 10 === 0)) });
const dir = mkdtempSync(join(tmpdir(), "hasy-bench-"));
const archive = join(dir, "HASYv2.tar.bz2");
writeFileSync(archive, execFileSync("bzip2", ["-9", "-c"], { input: encodeTar(entries), maxBuffer: 1 << 30 }));

let t = performance.now();
const { files } = archiveFiles(archive);
const tUnpack = performance.now() - t;
t = performance.now();
await decodeHasy(files, 1);
const tDecode = performance.now() - t;
// The page's path: the project's own inflater, and a DecompressionStream per image for comparison.
const entries2 = decodeTar(bunzip2(readFileSync(archive), archive), archive);
t = performance.now();
await decodeHasy(hasyFilesFromTar(entries2, archive, inflateZlib), 1);
const tPage = performance.now() - t;
t = performance.now();
await decodeHasy(hasyFilesFromTar(entries2, archive), 1);
const tStream = performance.now() - t;
const target = await installHasyFold(archive, 1, join(dir, "cache"), CATALOG.hasyv2);
t = performance.now();
await loadHasyFold("hasyv2", target, false);
const tLoad = performance.now() - t;
const scale = 168233 / n;
console.log(
  `${n} images: bunzip2+untar ${(tUnpack / 1000).toFixed(2)} s, PNG decode ${(tDecode / 1000).toFixed(2)} s, cache load ${(tLoad / 1000).toFixed(3)} s`,
);
console.log(`PNG decode with the page's inflater ${(tPage / 1000).toFixed(2)} s, with a DecompressionStream per image ${(tStream / 1000).toFixed(2)} s`);
console.log(
  `scaled to HASYv2's 168,233 images: decode once ~${(((tUnpack + tDecode) * scale) / 1000).toFixed(0)} s, cache load ~${((tLoad * scale) / 1000).toFixed(2)} s`,
);
