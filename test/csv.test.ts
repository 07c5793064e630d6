import { describe, expect, it } from "vitest";
import { parseCsv } from "../src/codec/csv.js";

describe("CSV with a chosen quote character", () => {
  it("reads HASYv2's quoting: ' quotes, doubled quotes, commas inside quotes, CRLF, a BOM", () => {
    const rows = parseCsv("\ufeffpath,symbol_id,latex\r\na.png,31,'\\,'\r\nb.png,7,'it''s'\nc.png,8,plain\n", "t.csv", "'");
    expect(rows).toEqual([
      { path: "a.png", symbol_id: "31", latex: "\\," },
      { path: "b.png", symbol_id: "7", latex: "it's" },
      { path: "c.png", symbol_id: "8", latex: "plain" },
    ]);
  });

  it("names the file and the row for a quote never closed or a wrong field count", () => {
    expect(() => parseCsv("a,b\n1,'x\n", "q.csv", "'")).toThrow(/^q\.csv: line 2: quote ' never closed$/);
    expect(() => parseCsv("a,b\n1,2\n3\n", "q.csv", "'")).toThrow(/^q\.csv: row 3 has 1 fields, the header has 2/);
    expect(() => parseCsv("", "e.csv")).toThrow(/e\.csv: empty CSV/);
  });
});
