/**
 * POSIX ustar archives of regular files: what `tar` and every archive tool
 * open. Written deterministically (mode 0644, uid/gid 0, a fixed mtime), so
 * the same files give the same bytes. Long paths use the 155-byte prefix.
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

function splitPath(path: string): [string, string] {
  if (new TextEncoder().encode(path).length <= 100) return ["", path];
  const cut = path.lastIndexOf("/", 155);
  if (cut <= 0 || path.length - cut - 1 > 100) throw new RangeError(`path too long for ustar: ${path}`);
  return [path.slice(0, cut), path.slice(cut + 1)];
}

export function encodeTar(entries: readonly TarEntry[], mtimeSeconds = 0): Uint8Array {
  const size = entries.reduce((s, e) => s + BLOCK + Math.ceil(e.data.length / BLOCK) * BLOCK, 0) + 2 * BLOCK;
  const out = new Uint8Array(size);
  let pos = 0;
  for (const e of entries) {
    const header = out.subarray(pos, pos + BLOCK);
    const [prefix, name] = splitPath(e.path);
    writeString(header, 0, 100, name);
    writeOctal(header, 100, 8, 0o644);
    writeOctal(header, 108, 8, 0);
    writeOctal(header, 116, 8, 0);
    writeOctal(header, 124, 12, e.data.length);
    writeOctal(header, 136, 12, mtimeSeconds);
    header.fill(0x20, 148, 156); // checksum counted as spaces
    header[156] = 0x30; // '0': regular file
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

/** Regular files of a ustar (or GNU/pax-compatible plain) archive; directories are skipped. */
export function decodeTar(bytes: Uint8Array, name: string): TarEntry[] {
  const entries: TarEntry[] = [];
  const seen = new Set<string>();
  const text = (b: Uint8Array) => new TextDecoder().decode(b.subarray(0, b.indexOf(0) < 0 ? b.length : b.indexOf(0)));
  let pos = 0;
  while (pos + BLOCK <= bytes.length) {
    const header = bytes.subarray(pos, pos + BLOCK);
    if (header.every((b) => b === 0)) return entries;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
    const stored = parseInt(text(header.subarray(148, 156)).trim(), 8);
    if (stored !== sum) throw new UserError(`${name}: not a tar archive, or damaged (header checksum at byte ${pos})`);
    const sizeField = text(header.subarray(124, 136)).trim() || "0";
    const type = header[156]!;
    const prefix = text(header.subarray(345, 500));
    const path = (prefix ? `${prefix}/` : "") + text(header.subarray(0, 100));
    // Octal digits only: a size like "-1000" would walk the reader backwards for ever.
    if (!/^[0-7]{1,11}$/.test(sizeField)) throw new UserError(`${name}: damaged archive (member ${JSON.stringify(path)} has size '${sizeField}')`);
    const size = parseInt(sizeField, 8);
    // Links and names that leave the archive's root have no place in a dataset or a package.
    if (type === 0x31 || type === 0x32) throw new UserError(`${name}: member ${JSON.stringify(path)} is a link; refused`);
    if (path.startsWith("/") || path.split("/").includes(".."))
      throw new UserError(`${name}: member ${JSON.stringify(path)} points outside the archive; refused`);
    pos += BLOCK;
    if (pos + size > bytes.length) throw new UserError(`${name}: truncated archive (${path})`);
    if (type === 0x30 || type === 0) {
      if (seen.has(path)) throw new UserError(`${name}: member ${JSON.stringify(path)} appears twice; refused`);
      seen.add(path);
      entries.push({ path, data: bytes.slice(pos, pos + size) });
    }
    pos += Math.ceil(size / BLOCK) * BLOCK;
  }
  throw new UserError(`${name}: truncated archive (no end-of-archive blocks)`);
}
