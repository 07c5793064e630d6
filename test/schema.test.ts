import { describe, expect, it } from "vitest";
import { array, boolean, literal, nullable, number, object, optional, parseDocument, positiveInt, sha256Hex, string } from "../src/codec/schema.js";
import { UserError } from "../src/errors.js";

const doc = object({
  name: string,
  widths: array(positiveInt),
  status: literal("running", "completed"),
  hash: nullable(sha256Hex),
  note: optional(string),
  nested: object({ on: boolean, rate: number }),
  pair: array(number, 2),
});
const good = { name: "r", widths: [10, 10], status: "completed", hash: null, nested: { on: true, rate: 0.1 }, pair: [1, 2], extra: "kept" };
const parse = (value: unknown) => parseDocument(JSON.stringify(value), doc, "runs/x/doc.json");

describe("codec/schema: one line naming the file and the field", () => {
  it("accepts a fitting document, extra keys included", () => {
    expect(parse(good)).toEqual(good);
    expect(parse({ ...good, note: "n", hash: "a".repeat(64) }).note).toBe("n");
  });

  it.each([
    [{ ...good, widths: [10, "16"] }, 'runs/x/doc.json: field widths[1]: expected a positive integer, got "16"'],
    [{ ...good, widths: [0] }, "runs/x/doc.json: field widths[0]: expected a positive integer, got 0"],
    [{ ...good, status: "done" }, 'runs/x/doc.json: field status: expected "running" or "completed", got "done"'],
    [{ ...good, hash: "xyz" }, 'runs/x/doc.json: field hash: expected a SHA-256 in hex, got "xyz"'],
    [{ ...good, nested: { on: "true", rate: 1 } }, 'runs/x/doc.json: field nested.on: expected true or false, got "true"'],
    [{ ...good, nested: [] }, "runs/x/doc.json: field nested: expected an object, got []"],
    [{ ...good, pair: [1] }, "runs/x/doc.json: field pair: expected an array of 2, got [1]"],
    [{ ...good, note: 5 }, "runs/x/doc.json: field note: expected a string, got 5"],
    [(({ name: _n, ...rest }) => rest)(good), "runs/x/doc.json: field name: expected a value (the field is missing)"],
    [[1, 2], "runs/x/doc.json: the document: expected an object, got [1,2]"],
  ])("%j", (value, message) => {
    expect(() => parse(value)).toThrow(UserError);
    expect(() => parse(value)).toThrow(message);
  });

  it("says so when the text is not JSON, and shortens long values", () => {
    expect(() => parseDocument("{", doc, "f.json")).toThrow("f.json: not valid JSON");
    expect(() => parse({ ...good, name: 1, note: "x" })).toThrow("field name: expected a string, got 1");
    expect(() => parse({ ...good, widths: ["w".repeat(100)] })).toThrow(/got "w{36}\.\.\.$/);
  });
});
