import { describe, expect, it } from "vitest";
import { gzipSync } from "node:zlib";
import { decodeIdx, encodeIdx as encodeIdxTyped, parseIdx } from "../src/codec/idx.js";
import { UserError } from "../src/errors.js";
import { encodeIdx } from "./helpers/data.js";

describe("IDX decoding", () => {
  const data = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
  const good = encodeIdx([2, 3, 4], data);

  it("reads dimensions and data of a raw file", () => {
    const a = parseIdx(good, "x");
    expect(a.dims).toEqual([2, 3, 4]);
    expect(Array.from(a.data)).toEqual(Array.from(data));
  });

  it("reads a gzipped file the same", async () => {
    const a = await decodeIdx(new Uint8Array(gzipSync(good)), "x.gz");
    expect(a.dims).toEqual([2, 3, 4]);
    expect(Array.from(a.data)).toEqual(Array.from(data));
  });

  it.each([
    ["a truncated file", good.subarray(0, good.length - 1), /x: truncated: header says 2x3x4 = 24 bytes of data, file has 23/],
    ["a cut header", good.subarray(0, 9), /x: truncated IDX header/],
    ["extra bytes", new Uint8Array([...good, 0]), /x: 1 unexpected bytes after the data/],
    ["a bad magic number", Uint8Array.from([1, 2, 8, 3, ...good.subarray(4)]), /x: bad IDX magic number 0x01020803/],
    ["a non-byte type", Uint8Array.from([0, 0, 0x0d, 3, ...good.subarray(4)]), /x: IDX data type 0xd is neither unsigned byte \(0x08\) nor short \(0x0b\)/],
    ["an empty file", new Uint8Array(0), /x: too short for an IDX header/],
  ])("refuses %s with a message naming the file", (_, bytes, message) => {
    expect(() => parseIdx(bytes, "x")).toThrow(UserError);
    expect(() => parseIdx(bytes, "x")).toThrow(message);
  });

  it("refuses broken gzip data with a UserError", async () => {
    const gz = new Uint8Array(gzipSync(good));
    await expect(decodeIdx(gz.subarray(0, gz.length - 12), "y.gz")).rejects.toThrow(/y.gz: broken gzip data/);
  });
});

describe("IDX 16-bit labels (type 0x0B), for more than 256 classes", () => {
  it("round-trips through encodeIdx and refuses negative values", () => {
    const encode = encodeIdxTyped;
    const labels = Uint16Array.from([0, 368, 255, 256, 12]);
    const bytes = encode([5], labels);
    expect(bytes[2]).toBe(0x0b);
    expect(parseIdx(bytes, "l").data).toEqual(labels);
    bytes[bytes.length - 2] = 0xff;
    expect(() => parseIdx(bytes, "neg")).toThrow(/^neg: negative value/);
    expect(() => parseIdx(bytes.subarray(0, bytes.length - 1), "short")).toThrow(/^short: truncated: header says 5 = 10 bytes/);
  });
});
