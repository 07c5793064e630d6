import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeTar, encodeTar } from "../src/codec/tar.js";
import { UserError } from "../src/errors.js";

/** A one-member archive with header bytes changed by `edit` and the checksum made right again (a crafted, not a damaged, file). */
function crafted(edit: (header: Uint8Array) => void, entries = [{ path: "a/b.txt", data: new TextEncoder().encode("hello") }]): Uint8Array {
  const tar = encodeTar(entries);
  const header = tar.subarray(0, 512);
  edit(header);
  header.fill(0x20, 148, 156);
  const sum = header.reduce((s, b) => s + b, 0);
  header.set(new TextEncoder().encode(`${sum.toString(8).padStart(6, "0")}\0 `), 148);
  return tar;
}
const setField = (h: Uint8Array, offset: number, length: number, text: string) => {
  h.fill(0, offset, offset + length);
  h.set(new TextEncoder().encode(text), offset);
};

describe("crafted tar archives are refused in one error, fast", () => {
  it.each([
    ["a negative size (it made the reader loop for ever)", (h: Uint8Array) => setField(h, 124, 12, "-1000"), /has size '-1000'/],
    ["a size that is not octal", (h: Uint8Array) => setField(h, 124, 12, "9z"), /has size '9z'/],
    [
      "a symbolic link",
      (h: Uint8Array) => {
        h[156] = 0x32;
      },
      /is a link/,
    ],
    [
      "a hard link",
      (h: Uint8Array) => {
        h[156] = 0x31;
      },
      /is a link/,
    ],
    ["a name outside the root", (h: Uint8Array) => setField(h, 0, 100, "../../etc/passwd"), /points outside the archive/],
    ["an absolute name", (h: Uint8Array) => setField(h, 0, 100, "/etc/passwd"), /points outside the archive/],
  ])("%s", (_name, edit, message) => {
    const t0 = performance.now();
    expect(() => decodeTar(crafted(edit), "x.tar")).toThrow(UserError);
    expect(() => decodeTar(crafted(edit), "x.tar")).toThrow(message);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it("a member named twice", () => {
    const data = new Uint8Array(3);
    expect(() =>
      decodeTar(
        encodeTar([
          { path: "x", data },
          { path: "x", data },
        ]),
        "d.tar",
      ),
    ).toThrow(/appears twice/);
  });

  it("still reads what it writes", () => {
    const entries = [
      { path: "a/b.txt", data: new Uint8Array([1, 2, 3]) },
      { path: "c", data: new Uint8Array(600) },
    ];
    expect(decodeTar(encodeTar(entries), "ok.tar")).toEqual(entries);
  });

  it("a member named twice under two spellings ('./x' and 'x')", () => {
    const data = new Uint8Array(3);
    expect(() =>
      decodeTar(
        encodeTar([
          { path: "runs/x", data },
          { path: "./runs//x", data },
        ]),
        "d.tar",
      ),
    ).toThrow(/appears twice/);
  });
});

describe("long paths (run names too long for ustar)", () => {
  const long = `runs/${"r".repeat(180)}/figures/${"é".repeat(70)}.svg`;
  const entries = [
    { path: long, data: new TextEncoder().encode("long") },
    { path: `${"d".repeat(150)}/short.txt`, data: new Uint8Array([7]) },
  ];

  it("round-trips through a pax header, and the ustar prefix where it fits", () => {
    expect(decodeTar(encodeTar(entries), "long.tar")).toEqual(entries);
  });

  it("GNU tar reads the same paths", () => {
    const dir = mkdtempSync(join(tmpdir(), "initdrift-tar-"));
    writeFileSync(join(dir, "a.tar"), encodeTar(entries));
    const listed = execFileSync("tar", ["-tf", join(dir, "a.tar")], { encoding: "utf8" })
      .trim()
      .split("\n");
    expect(listed).toEqual(entries.map((e) => e.path));
  });

  it("reads GNU tar's own long names", () => {
    const dir = mkdtempSync(join(tmpdir(), "initdrift-tar-"));
    const name = `${"n".repeat(120)}/${"m".repeat(120)}.txt`;
    mkdirSync(join(dir, "n".repeat(120)));
    writeFileSync(join(dir, name), "gnu");
    for (const format of ["gnu", "pax"]) {
      execFileSync("tar", [`--format=${format}`, "-cf", join(dir, `${format}.tar`), "-C", dir, name]);
      const got = decodeTar(readFileSync(join(dir, `${format}.tar`)), `${format}.tar`);
      expect(got.map((e) => [e.path, new TextDecoder().decode(e.data)])).toEqual([[name, "gnu"]]);
    }
  });
});

it("reads an archive made with `tar -cf - .`, whose first member is the directory './'", () => {
  const dir = mkdtempSync(join(tmpdir(), "initdrift-tar-dot-"));
  mkdirSync(join(dir, "sub"));
  writeFileSync(join(dir, "sub", "a.txt"), "alpha");
  const bytes = new Uint8Array(execFileSync("tar", ["-cf", "-", "-C", dir, "."]));
  const entries = decodeTar(bytes, "dot.tar");
  expect(entries.map((e) => e.path)).toEqual(["sub/a.txt"]);
  expect(new TextDecoder().decode(entries[0]!.data)).toBe("alpha");
  // A file named "./" itself is still no file.
  expect(() => decodeTar(encodeTar([{ path: "./", data: new Uint8Array(1) }]), "x.tar")).toThrow(/points outside the archive/);
});
