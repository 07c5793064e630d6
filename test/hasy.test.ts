import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CATALOG, type ArchiveDatasetInfo } from "../src/data/catalog.js";
import type { Dataset } from "../src/data/dataset.js";
import { decodeHasy, hasyFilesFromTar } from "../src/data/hasy.js";
import { UserError } from "../src/errors.js";
import { loadNamedDataset } from "../src/node/datasets.js";
import { archiveFiles, folderFiles, installHasyFold } from "../src/node/hasyInstall.js";
import { encodeTar } from "../src/codec/tar.js";
import { Rng } from "../src/math/rng.js";
import { initdrift } from "./helpers/cli.js";
import { FIXTURE_SYMBOLS, makeHasyFixture, tarBz2, writeFolder } from "./helpers/hasy.js";

const tmp = () => mkdtempSync(join(tmpdir(), "initdrift-hasy-"));
const info = CATALOG.hasyv2 as ArchiveDatasetInfo;
const fixture = await makeHasyFixture();
const SORTED_IDS = FIXTURE_SYMBOLS.map(([id]) => id).sort((a, b) => a - b);

/** What fold K must decode to, straight from the fixture's own records. */
function expected(fold: number, which: "train" | "test") {
  const rows = fixture.folds.get(fold)![which];
  const images = new Uint8Array(rows.length * 1024);
  rows.forEach((p, k) => images.set(fixture.images.get(p)!.pixels, k * 1024));
  return { count: rows.length, images, labels: new Uint16Array(rows.map((p) => SORTED_IDS.indexOf(fixture.images.get(p)!.symbolId))) };
}

const splitOf = (d: Dataset, which: "train" | "test") => ({
  count: d[which].count,
  images: new Uint8Array(d[which].images),
  labels: new Uint16Array(d[which].labels),
});

/** The cache and the staging area: nothing but finished fold-K directories (and an imported archive). */
const cacheEntries = (cache: string) => (existsSync(join(cache, "hasyv2")) ? readdirSync(join(cache, "hasyv2")).sort() : []);

describe("HASYv2 decoding", () => {
  it("decodes fold 1 from the folder: pixels, and classes by ascending symbol_id", async () => {
    const dir = tmp();
    writeFolder(dir, fixture.entries);
    const d = await decodeHasy(folderFiles(dir), 1);
    expect(d.symbolIds).toEqual(SORTED_IDS);
    expect(d.latex[SORTED_IDS.indexOf(240)]).toBe("\\,");
    expect(d.latex[SORTED_IDS.indexOf(502)]).toBe("it's");
    for (const which of ["train", "test"] as const) {
      const e = expected(1, which);
      expect({ count: d[which].count, images: new Uint8Array(d[which].images), labels: new Uint16Array(d[which].labels) }).toEqual(e);
    }
  });

  it("the tar.bz2 archive, a plain tar, a repack with a top folder and the folder give the same fold", async () => {
    const dir = tmp();
    writeFolder(join(dir, "folder"), fixture.entries);
    writeFileSync(join(dir, "HASYv2.tar.bz2"), tarBz2(fixture.entries));
    writeFileSync(join(dir, "plain.tar"), encodeTar(fixture.entries));
    writeFileSync(join(dir, "nested.tar"), encodeTar(fixture.entries.map((e) => ({ ...e, path: `HASYv2/${e.path}` }))));
    const ref = await decodeHasy(folderFiles(join(dir, "folder")), 2);
    for (const file of ["HASYv2.tar.bz2", "plain.tar", "nested.tar"]) {
      const d = await decodeHasy(archiveFiles(join(dir, file)).files, 2);
      expect(d).toEqual(ref);
    }
    expect(ref.test.count).toBe(expected(2, "test").count);
  });

  it("decodes once into the cache; later loads read the cache, even with the source gone", async () => {
    const data = tmp(),
      cache = tmp();
    writeFileSync(join(data, "HASYv2.tar.bz2"), tarBz2(fixture.entries));
    const opts = { dataDir: data, cacheDir: cache, systemData: false };
    const notes: string[] = [];
    const first = await loadNamedDataset("hasyv2", { ...opts, onNote: (t) => notes.push(t) });
    expect(notes).toHaveLength(1);
    expect(cacheEntries(cache)).toEqual(["fold-1"]);
    expect(first).toMatchObject({ name: "hasyv2", inputSize: 1024, imageShape: [32, 32], classes: 5, verified: false });
    expect(splitOf(first, "train")).toEqual(expected(1, "train"));
    rmSync(join(data, "HASYv2.tar.bz2"));
    const again = await loadNamedDataset("hasyv2", { ...opts, onNote: (t) => notes.push(t) });
    expect(notes).toHaveLength(1);
    expect(again.files).toEqual(first.files);
    expect(splitOf(again, "test")).toEqual(expected(1, "test"));
    // Fold 2 has its own name and its own cache entry; --invert flips pixels.
    writeFolder(join(data, "HASYv2"), fixture.entries);
    const fold2 = await loadNamedDataset("hasyv2:fold-2", { ...opts, invert: true });
    expect(cacheEntries(cache)).toEqual(["fold-1", "fold-2"]);
    expect(fold2.test.images[0]).toBe(255 - expected(2, "test").images[0]!);
  });

  it("says where to get it when it is nowhere", async () => {
    await expect(loadNamedDataset("hasyv2", { cacheDir: tmp(), systemData: false })).rejects.toThrow(
      /dataset 'hasyv2' not found.*'initdrift data fetch hasyv2'/,
    );
    await expect(loadNamedDataset("hasyv2:fold-11", { cacheDir: tmp() })).rejects.toThrow(/unknown dataset 'hasyv2:fold-11'/);
  });
});

describe("HASYv2 failures name the file, say what is wrong and leave the cache clean", () => {
  async function failure(change: (dir: string) => void): Promise<string> {
    const dir = tmp(),
      cache = tmp();
    writeFolder(dir, fixture.entries);
    change(dir);
    const err = await installHasyFold(dir, 1, join(cache, "hasyv2"), info).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect(cacheEntries(cache)).toEqual([]);
    return (err as Error).message;
  }
  const png = "hasy-data/v2-00003.png";

  it("a row that points nowhere", async () => {
    expect(await failure((d) => rmSync(join(d, png)))).toMatch(
      /classification-task\/fold-1\/train\.csv: row 4: \.\.\/\.\.\/hasy-data\/v2-00003\.png points to no file/,
    );
  });
  it("a PNG of the wrong size", async () => {
    const wrong = await makeHasyFixture([1], { wrongSize: png });
    expect(await failure((d) => writeFolder(d, wrong.entries))).toMatch(/v2-00003\.png: image is 28x28, HASYv2 images are 32x32/);
  });
  it("a PNG with a broken chunk", async () => {
    expect(
      await failure((d) => {
        const b = readFileSync(join(d, png));
        b[b.length - 20]! ^= 0xff;
        writeFileSync(join(d, png), b);
      }),
    ).toMatch(/v2-00003\.png: broken \w+ chunk \(CRC mismatch\)/);
  });
  it("a symbol that the label table does not know", async () => {
    expect(
      await failure((d) => {
        const p = join(d, "classification-task/fold-1/test.csv");
        writeFileSync(p, readFileSync(p, "utf8").replace(/,1005,/, ",9999,"));
      }),
    ).toMatch(/fold-1\/test\.csv: row \d+: symbol_id '9999' is not in hasy-data-labels\.csv/);
  });
  it("a missing fold file and a broken label table", async () => {
    expect(await failure((d) => rmSync(join(d, "classification-task/fold-1/test.csv")))).toMatch(/classification-task\/fold-1\/test\.csv is missing/);
    expect(await failure((d) => writeFileSync(join(d, "hasy-data-labels.csv"), "path,symbol_id,latex,user_id\nx.png,abc,'a',1\n"))).toMatch(
      /hasy-data-labels\.csv: row 2: symbol_id 'abc' is not a non-negative integer/,
    );
  });
  it("a damaged or foreign archive", async () => {
    const dir = tmp();
    const good = tarBz2(fixture.entries);
    const bad = good.slice();
    bad[Math.floor(bad.length / 2)]! ^= 0x10;
    writeFileSync(join(dir, "bad.tar.bz2"), bad);
    expect(() => archiveFiles(join(dir, "bad.tar.bz2"))).toThrow(/bad\.tar\.bz2: broken bzip2 data/);
    writeFileSync(join(dir, "other.tar"), encodeTar([{ path: "readme.txt", data: new Uint8Array(3) }]));
    expect(() => archiveFiles(join(dir, "other.tar"))).toThrow(/other\.tar: not a HASYv2 archive \(no hasy-data-labels\.csv/);
  });

  it("fuzz: 200 truncated or bit-flipped CSV tables give a clean error or a clean decode", async () => {
    const rng = Rng.forStream(5, "csv-fuzz");
    const base = fixture.entries.find((e) => e.path === "classification-task/fold-1/train.csv")!.data;
    for (let t = 0; t < 200; t++) {
      const bad = t % 2 ? base.subarray(0, Math.floor(rng.uniform() * base.length)) : base.slice();
      if (!(t % 2)) for (let f = 0; f < 3; f++) bad[Math.floor(rng.uniform() * bad.length)]! ^= 1 << Math.floor(rng.uniform() * 8);
      const files = hasyFilesFromTar(
        fixture.entries.map((e) => (e.data === base ? { ...e, data: bad } : e)),
        "fuzz",
      );
      await decodeHasy(files, 1).catch((e: unknown) => {
        expect(e).toBeInstanceOf(UserError);
        expect((e as Error).message).toMatch(/^(fuzz: )/);
      });
    }
  });
});

describe("initdrift data import / train with HASYv2", () => {
  it("refuses an archive that is not the official one, installs a folder, and trains on it", () => {
    const dir = tmp(),
      cache = tmp();
    writeFileSync(join(dir, "HASYv2.tar.bz2"), tarBz2(fixture.entries));
    const refused = initdrift(["data", "import", "hasyv2", join(dir, "HASYv2.tar.bz2"), "--cache-dir", cache]);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/not the official HASYv2\.tar\.bz2 \(md5 [0-9a-f]{32}, expected fddf23f36e24b5236f6b3a0880c778e3\); nothing installed/);
    expect(cacheEntries(cache)).toEqual([]);

    writeFolder(join(dir, "HASYv2"), fixture.entries);
    const imported = initdrift(["data", "import", "hasyv2", dir, "--fold", "2", "--cache-dir", cache]);
    expect(imported.stderr).toMatch(/fold 2 decoded and installed/);
    expect(cacheEntries(cache)).toEqual(["fold-2"]);
    const list = JSON.parse(initdrift(["data", "list", "--json", "--cache-dir", cache, "--no-system-data"]).stdout);
    expect(list[2].found).toMatch(/fold 2 decoded/);

    const out = join(tmp(), "run");
    const r = initdrift([
      "train",
      "--dataset",
      "hasyv2",
      "--fold",
      "2",
      "--cache-dir",
      cache,
      "--no-system-data",
      "--width",
      "8",
      "--epochs",
      "1",
      "--out",
      out,
      "--quiet",
      "--no-report",
    ]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const m = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(m.dataset).toMatchObject({ name: "hasyv2:fold-2", train_count: expected(2, "train").count, verified: false });
    expect(m.layout.units).toEqual([1024, 8, 8, 5]);
    expect(m.config.dataset).toBe("hasyv2:fold-2");
    expect(initdrift(["train", "--dataset", "mnist", "--fold", "2", "--epochs", "0"]).stderr).toMatch(/--fold applies to hasyv2 only/);
    const eleven = initdrift(["train", "--dataset", "hasyv2", "--fold", "11", "--epochs", "0"]);
    expect([eleven.status, eleven.stderr.trim()]).toEqual([2, "initdrift: --fold must be 1 to 10, got 11"]);
  });
});
