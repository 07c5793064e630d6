/**
 * POSIX ustar archives of regular files: what `tar` and every archive tool
 * open. Written deterministically (mode 0644, uid/gid 0, a fixed mtime), so
 * the same files give the same bytes. Long paths use the 155-byte prefix,
 * and a pax extended header ('x', POSIX.1-2001) where even that is too short.
 */
import { UserError } from "../errors.js";

export interface TarEntry {
  path: string;
  data: Uint8Array;
}

const BLOCK = 512;

function writeString(header: Uint8Array, offset: number, length: number, text: string): void {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length > length) throw new RangeError(`tar field too long: ${text}`);
  header.set(bytes, offset);
}

function writeOctal(header: Uint8Array, offset: number, length: number, value: number): void {
  writeString(header, offset, length, value.toString(8).padStart(length - 1, "0") + "\0");
}

const utf8Length = (s: string) => new TextEncoder().encode(s).length;

/** ustar's prefix and name for a path, or undefined when it does not fit them (then a pax header carries it). */
function splitPath(path: string): [string, string] | undefined {
  if (utf8Length(path) <= 100) return ["", path];
  for (let cut = path.lastIndexOf("/"); cut > 0; cut = path.lastIndexOf("/", cut - 1)) {
    if (utf8Length(path.slice(cut + 1)) > 100) return undefined;
    if (utf8Length(path.slice(0, cut)) <= 155) return [path.slice(0, cut), path.slice(cut + 1)];
  }
  return undefined;
}

/** A pax record "LEN path=VALUE\n", where LEN counts the whole record, itself included. */
function paxRecord(key: string, value: string): Uint8Array {
  const body = ` ${key}=${value}\n`;
  let len = utf8Length(body) + 1;
  while (String(len).length + utf8Length(body) !== len) len++;
  return new TextEncoder().encode(`${len}${body}`);
}

/** Each entry as written: a pax header entry first where its path needs one. */
function withPaxHeaders(entries: readonly TarEntry[]): { path: string; name: [string, string]; data: Uint8Array; type: number }[] {
  return entries.flatMap((e) => {
    const split = splitPath(e.path);
    if (split) return [{ path: e.path, name: split, data: e.data, type: 0x30 }];
    const short = new TextEncoder().encode(e.path.split("/").pop()!).subarray(0, 80);
    const stub = `PaxHeaders/${new TextDecoder().decode(short).replace(/\uFFFD/g, "_")}`;
    return [
      { path: stub, name: ["", stub] as [string, string], data: paxRecord("path", e.path), type: 0x78 },
      { path: e.path, name: ["", stub] as [string, string], data: e.data, type: 0x30 },
    ];
  });
}

export function encodeTar(entries: readonly TarEntry[], mtimeSeconds = 0): Uint8Array {
  const members = withPaxHeaders(entries);
  const size = members.reduce((s, e) => s + BLOCK + Math.ceil(e.data.length / BLOCK) * BLOCK, 0) + 2 * BLOCK;
  const out = new Uint8Array(size);
  let pos = 0;
  for (const e of members) {
    const header = out.subarray(pos, pos + BLOCK);
    const [prefix, name] = e.name;
    writeString(header, 0, 100, name);
    writeOctal(header, 100, 8, 0o644);
    writeOctal(header, 108, 8, 0);
    writeOctal(header, 116, 8, 0);
    writeOctal(header, 124, 12, e.data.length);
    writeOctal(header, 136, 12, mtimeSeconds);
    header.fill(0x20, 148, 156); // checksum counted as spaces
    header[156] = e.type; // '0': regular file, 'x': pax header of the next
    writeString(header, 257, 6, "ustar\0");
    writeString(header, 263, 2, "00");
    writeString(header, 345, 155, prefix);
    let sum = 0;
    for (const b of header) sum += b;
    writeString(header, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
    pos += BLOCK;
    out.set(e.data, pos);
    pos += Math.ceil(e.data.length / BLOCK) * BLOCK;
  }
  return out;
}

/**
 * A member's path without "." or empty segments; absolute paths and ".." are
 * refused (they point outside the archive). An empty path is the archive's
 * own root: a directory member "./" (what `tar -cf - .` writes first), never
 * a file.
 */
function normalPath(path: string, name: string, directory: boolean): string {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (path.startsWith("/") || parts.includes("..") || (parts.length === 0 && !directory))
    throw new UserError(`${name}: member ${JSON.stringify(path)} points outside the archive; refused`);
  return parts.join("/");
}

/** The "path" record of a pax extended header, if any. */
function paxPath(data: Uint8Array, name: string): string | undefined {
  // Lengths count bytes, so the records are cut from the bytes before decoding.
  let at = 0;
  let path: string | undefined;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const digits = new TextDecoder().decode(data.subarray(at, space));
    const len = /^\d{1,12}$/.test(digits) ? Number(digits) : 0;
    if (space < 0 || len <= space - at + 1 || at + len > data.length) throw new UserError(`${name}: damaged pax header`);
    const record = new TextDecoder().decode(data.subarray(space + 1, at + len - 1));
    if (record.startsWith("path=")) path = record.slice(5);
    at += len;
  }
  return path;
}

/** Regular files of a ustar (or GNU/pax-compatible plain) archive; directories are skipped. */
export function decodeTar(bytes: Uint8Array, name: string): TarEntry[] {
  const entries: TarEntry[] = [];
  const seen = new Set<string>();
  const text = (b: Uint8Array) => new TextDecoder().decode(b.subarray(0, b.indexOf(0) < 0 ? b.length : b.indexOf(0)));
  let pos = 0;
  let longPath: string | undefined;
  while (pos + BLOCK <= bytes.length) {
    const header = bytes.subarray(pos, pos + BLOCK);
    if (header.every((b) => b === 0)) return entries;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
    const stored = parseInt(text(header.subarray(148, 156)).trim(), 8);
    if (stored !== sum) throw new UserError(`${name}: not a tar archive, or damaged (header checksum at byte ${pos})`);
    const sizeField = text(header.subarray(124, 136)).trim() || "0";
    const type = header[156]!;
    // The prefix field is ustar's; old GNU headers keep other things there.
    const ustar = text(header.subarray(257, 263)) === "ustar";
    const prefix = ustar ? text(header.subarray(345, 500)) : "";
    const rawPath = longPath ?? (prefix ? `${prefix}/` : "") + text(header.subarray(0, 100));
    longPath = undefined;
    // Octal digits only: a size like "-1000" would walk the reader backwards for ever.
    if (!/^[0-7]{1,11}$/.test(sizeField)) throw new UserError(`${name}: damaged archive (member ${JSON.stringify(rawPath)} has size '${sizeField}')`);
    const size = parseInt(sizeField, 8);
    pos += BLOCK;
    if (pos + size > bytes.length) throw new UserError(`${name}: truncated archive (${rawPath})`);
    const data = bytes.subarray(pos, pos + size);
    pos += Math.ceil(size / BLOCK) * BLOCK;
    if (type === 0x78 || type === 0x4c) {
      // pax 'x' or GNU 'L': the next member's real path.
      longPath = type === 0x4c ? text(data) : paxPath(data, name);
      continue;
    }
    // Links and names that leave the archive's root have no place in a dataset or a package.
    if (type === 0x31 || type === 0x32) throw new UserError(`${name}: member ${JSON.stringify(rawPath)} is a link; refused`);
    const path = normalPath(rawPath, name, type === 0x35);
    if (type === 0x30 || type === 0) {
      // Compared after normalising: "a/b" and "./a//b" are one member, and a second would silently replace the first.
      if (seen.has(path)) throw new UserError(`${name}: member ${JSON.stringify(path)} appears twice; refused`);
      seen.add(path);
      entries.push({ path, data: data.slice() });
    }
  }
  throw new UserError(`${name}: truncated archive (no end-of-archive blocks)`);
}
