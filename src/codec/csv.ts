import { UserError } from "../errors.js";

/**
 * CSV as Python's csv module writes it (RFC 4180 with a chosen quote
 * character): HASYv2 quotes with ', so a LaTeX command holding a comma,
 * '\,', stays one field. A doubled quote inside quotes is a literal quote.
 * Rows are returned as objects keyed by the header row; a row whose field
 * count differs from the header's names its line.
 */
export function parseCsv(text: string, name: string, quote = '"'): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let quoteLine = 0;
  let i = 0;
  const endField = () => {
    row.push(field);
    field = "";
  };
  const endRow = () => {
    endField();
    if (!(row.length === 1 && row[0] === "")) rows.push(row);
    row = [];
  };
  if (text.charCodeAt(0) === 0xfeff) i = 1; // byte-order mark
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === quote) {
        if (text[i + 1] === quote) {
          field += quote;
          i++;
        } else quoted = false;
      } else {
        if (c === "\n") line++;
        field += c;
      }
    } else if (c === quote && field === "") {
      quoted = true;
      quoteLine = line;
    } else if (c === ",") endField();
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      endRow();
      line++;
    } else field += c;
  }
  if (quoted) throw new UserError(`${name}: line ${quoteLine}: quote ${quote} never closed`);
  if (field !== "" || row.length > 0) endRow();
  if (rows.length === 0) throw new UserError(`${name}: empty CSV file (no header row)`);
  const header = rows[0]!.map((h) => h.trim());
  return rows.slice(1).map((r, k) => {
    if (r.length !== header.length) throw new UserError(`${name}: row ${k + 2} has ${r.length} fields, the header has ${header.length} (${header.join(",")})`);
    return Object.fromEntries(header.map((h, c) => [h, r[c]!]));
  });
}
