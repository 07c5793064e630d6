import { UserError } from "../errors.js";

/**
 * A bzip2 decompressor, written here for HASYv2.tar.bz2 (the only bzip2 file
 * initdrift reads). Why not a package: the maintained pure-JS decoders are
 * either unmaintained forks or pull in Node streams, none runs unchanged in
 * both Node and the browser, and the format is small and fixed (Seward's
 * bzip2 1.0 file format: Huffman + MTF/RLE + BWT + RLE, CRC-checked per block
 * and per stream). Every block CRC and the stream CRC are checked, so a
 * damaged archive fails here with its name, never later as bad pixels.
 * Concatenated streams (pbzip2, `cat a.bz2 b.bz2`) decode as one.
 */

const BLOCK_MAGIC_HI = 0x314159,
  BLOCK_MAGIC_LO = 0x265359;
const END_MAGIC_HI = 0x177245,
  END_MAGIC_LO = 0x385090;
const MAX_CODE_LENGTH = 20;
const GROUP_SIZE = 50;

/** CRC-32 as bzip2 computes it: polynomial 0x04c11db7, most significant bit first. */
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

class Bits {
  private pos = 0;
  private buf = 0;
  private count = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly fail: (why: string) => never,
  ) {}

  /** Next n bits (n <= 24), most significant first. */
  read(n: number): number {
    while (this.count < n) {
      if (this.pos >= this.bytes.length) this.fail("truncated");
      this.buf = ((this.buf << 8) | this.bytes[this.pos++]!) >>> 0;
      this.count += 8;
    }
    this.count -= n;
    return (this.buf >>> this.count) & ((1 << n) - 1);
  }

  bit(): number {
    if (this.count === 0) {
      if (this.pos >= this.bytes.length) this.fail("truncated");
      this.buf = this.bytes[this.pos++]!;
      this.count = 8;
    }
    this.count--;
    return (this.buf >>> this.count) & 1;
  }

  u32(): number {
    return ((this.read(16) << 16) | this.read(16)) >>> 0;
  }

  /** Drops the bits left in the current byte; the byte offset that follows. */
  alignToByte(): number {
    this.count = 0;
    return this.pos;
  }

  seek(pos: number): void {
    this.pos = pos;
    this.count = 0;
  }
}

/** Canonical Huffman decoding table for one coding group (bzip2 assigns codes by length, then symbol). */
interface HuffmanTable {
  count: Int32Array; // symbols per code length
  first: Int32Array; // first code of each length
  index: Int32Array; // position in `symbols` of that first code
  symbols: Int32Array; // symbols sorted by (length, symbol)
  maxLength: number;
}

function huffmanTable(lengths: Uint8Array, alphaSize: number): HuffmanTable {
  const count = new Int32Array(MAX_CODE_LENGTH + 1);
  let maxLength = 0;
  for (let i = 0; i < alphaSize; i++) {
    count[lengths[i]!]! += 1;
    if (lengths[i]! > maxLength) maxLength = lengths[i]!;
  }
  const first = new Int32Array(MAX_CODE_LENGTH + 2);
  const index = new Int32Array(MAX_CODE_LENGTH + 2);
  let code = 0,
    at = 0;
  for (let l = 1; l <= MAX_CODE_LENGTH; l++) {
    first[l] = code;
    index[l] = at;
    code = (code + count[l]!) << 1;
    at += count[l]!;
  }
  const symbols = new Int32Array(alphaSize);
  const fill = index.slice();
  for (let i = 0; i < alphaSize; i++) symbols[fill[lengths[i]!]!++] = i;
  return { count, first, index, symbols, maxLength };
}

function decodeSymbol(bits: Bits, t: HuffmanTable, fail: (why: string) => never): number {
  let code = 0;
  for (let l = 1; l <= t.maxLength; l++) {
    code = (code << 1) | bits.bit();
    const offset = code - t.first[l]!;
    if (offset >= 0 && offset < t.count[l]!) return t.symbols[t.index[l]! + offset]!;
  }
  return fail("bad Huffman code");
}

/** Growable output. */
/** Largest output bunzip2 accepts by default: HASYv2's tar is about a tenth of this; a bzip2 bomb stops here. */
export const MAX_BUNZIP2_BYTES = 2 ** 31;

class Output {
  bytes = new Uint8Array(1 << 20);
  length = 0;
  constructor(
    private readonly max: number,
    private readonly fail: (why: string) => never,
  ) {}
  ensure(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    if (this.length + extra > this.max) this.fail(`it expands past ${this.max} bytes, more than any dataset this reads`);
    let size = this.bytes.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }
}

/**
 * Decodes one block into `out`; returns its CRC as computed (the caller
 * compares it with the stored one). One function of 138 lines on purpose:
 * the block's stages (Huffman tables, MTF and run-length decode, the BWT
 * inversion) share the bit reader and the symbol tables in locals, and the
 * MTF loop is the hot one of a 300 MB archive; split, every stage would
 * pass that state through calls. The stages are marked inside.
 */
function decodeBlock(bits: Bits, blockMax: number, tt: Uint32Array, out: Output, fail: (why: string) => never): number {
  if (bits.bit()) fail("randomised blocks (bzip2 0.9.0 and older) are not supported");
  const origPtr = bits.read(24);

  // Which of the 256 byte values occur, as a 16 x 16 bitmap.
  const seqToUnseq = new Uint8Array(256);
  let inUse = 0;
  const ranges = bits.read(16);
  for (let i = 0; i < 16; i++) {
    if (!(ranges & (0x8000 >>> i))) continue;
    const row = bits.read(16);
    for (let j = 0; j < 16; j++) if (row & (0x8000 >>> j)) seqToUnseq[inUse++] = i * 16 + j;
  }
  if (inUse === 0) fail("block uses no symbols");
  const alphaSize = inUse + 2;

  const groups = bits.read(3);
  if (groups < 2 || groups > 6) fail(`bad number of Huffman groups (${groups})`);
  const selectorCount = bits.read(15);
  if (selectorCount < 1) fail("no selectors");
  // Selectors are MTF-coded, each in unary.
  const mtfGroups = [0, 1, 2, 3, 4, 5].slice(0, groups);
  const selectors = new Uint8Array(selectorCount);
  for (let i = 0; i < selectorCount; i++) {
    let j = 0;
    while (bits.bit()) if (++j >= groups) fail("bad selector");
    const g = mtfGroups[j]!;
    mtfGroups.splice(j, 1);
    mtfGroups.unshift(g);
    selectors[i] = g;
  }

  // Code lengths, delta-coded per group.
  const tables: HuffmanTable[] = [];
  const lengths = new Uint8Array(alphaSize);
  for (let g = 0; g < groups; g++) {
    let len = bits.read(5);
    for (let s = 0; s < alphaSize; s++) {
      for (;;) {
        if (len < 1 || len > MAX_CODE_LENGTH) fail("bad code length");
        if (!bits.bit()) break;
        len += bits.bit() ? -1 : 1;
      }
      lengths[s] = len;
    }
    tables.push(huffmanTable(lengths, alphaSize));
  }

  // Huffman -> MTF with runs of the front symbol (RUNA/RUNB, bijective base 2) -> bytes in tt.
  const endOfBlock = inUse + 1;
  const mtf = new Uint8Array(256);
  for (let i = 0; i < 256; i++) mtf[i] = i;
  const counts = new Int32Array(256);
  let n = 0;
  let selector = 0,
    left = 0;
  let table = tables[0]!;
  let run = 0,
    runWeight = 1;
  for (;;) {
    if (left === 0) {
      if (selector >= selectorCount) fail("ran out of selectors");
      table = tables[selectors[selector++]!]!;
      left = GROUP_SIZE;
    }
    left--;
    const sym = decodeSymbol(bits, table, fail);
    if (sym <= 1) {
      // RUNA adds 1 x weight, RUNB 2 x weight; weights double.
      run += (sym + 1) * runWeight;
      runWeight <<= 1;
      if (run > blockMax) fail("run longer than the block");
      continue;
    }
    if (run > 0) {
      if (n + run > blockMax) fail("block longer than its declared size");
      const b = seqToUnseq[mtf[0]!]!;
      counts[b]! += run;
      tt.fill(b, n, n + run);
      n += run;
      run = 0;
      runWeight = 1;
    }
    if (sym === endOfBlock) break;
    if (n >= blockMax) fail("block longer than its declared size");
    const k = sym - 1;
    const v = mtf[k]!;
    mtf.copyWithin(1, 0, k);
    mtf[0] = v;
    const b = seqToUnseq[v]!;
    counts[b]! += 1;
    tt[n++] = b;
  }
  if (origPtr >= n) fail("bad BWT origin pointer");

  // Inverse Burrows-Wheeler: link each position to its successor in the high 24 bits.
  const start = new Int32Array(256);
  for (let i = 0, sum = 0; i < 256; i++) {
    start[i] = sum;
    sum += counts[i]!;
  }
  for (let i = 0; i < n; i++) {
    const b = tt[i]! & 0xff;
    tt[start[b]!] = (tt[start[b]!]! | (i << 8)) >>> 0;
    start[b]! += 1;
  }

  // Walk the chain, undoing the initial run-length coding (4 equal bytes, then a repeat count).
  let crc = 0xffffffff;
  out.ensure(n);
  let pos = tt[origPtr]! >>> 8;
  let last = -1,
    same = 0;
  for (let i = 0; i < n; i++) {
    const entry = tt[pos]!;
    const b = entry & 0xff;
    pos = entry >>> 8;
    if (same === 4) {
      out.ensure(b);
      for (let r = 0; r < b; r++) {
        out.bytes[out.length++] = last;
        crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ last) & 0xff]!) >>> 0;
      }
      same = 0;
      last = -1;
      continue;
    }
    if (b === last) same++;
    else {
      last = b;
      same = 1;
    }
    out.ensure(1);
    out.bytes[out.length++] = b;
    crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ b) & 0xff]!) >>> 0;
  }
  return ~crc >>> 0;
}

/** Whether bytes start a bzip2 stream ("BZh" and a block size digit 1-9). */
export function isBzip2(bytes: Uint8Array, at = 0): boolean {
  return bytes[at] === 0x42 && bytes[at + 1] === 0x5a && bytes[at + 2] === 0x68 && bytes[at + 3]! >= 0x31 && bytes[at + 3]! <= 0x39;
}

/** Decompresses a whole .bz2 file. Throws UserError naming `name` on anything malformed. */
export function bunzip2(input: Uint8Array, name: string, maxBytes = MAX_BUNZIP2_BYTES): Uint8Array {
  const fail = (why: string): never => {
    throw new UserError(`${name}: broken bzip2 data (${why})`);
  };
  if (!isBzip2(input)) throw new UserError(`${name}: not a bzip2 file (no 'BZh' header)`);
  const bits = new Bits(input, fail);
  const out = new Output(maxBytes, fail);
  let at = 0;
  let tt: Uint32Array | undefined;
  for (;;) {
    // Stream header: "BZh" and the block size in 100k units.
    const blockMax = (input[at + 3]! - 0x30) * 100000;
    if (!tt || tt.length < blockMax) tt = new Uint32Array(blockMax);
    bits.seek(at + 4);
    let combined = 0;
    for (;;) {
      const hi = bits.read(24),
        lo = bits.read(24);
      if (hi === BLOCK_MAGIC_HI && lo === BLOCK_MAGIC_LO) {
        const stored = bits.u32();
        const got = decodeBlock(bits, blockMax, tt, out, fail);
        if (got !== stored) fail(`block CRC mismatch at output byte ${out.length}`);
        combined = (((combined << 1) | (combined >>> 31)) ^ got) >>> 0;
      } else if (hi === END_MAGIC_HI && lo === END_MAGIC_LO) {
        if (bits.u32() !== combined) fail("stream CRC mismatch");
        break;
      } else fail("bad block header");
    }
    at = bits.alignToByte();
    if (at >= input.length) break;
    if (!isBzip2(input, at)) {
      // Zero padding after the last stream is harmless; anything else is not bzip2.
      if (input.subarray(at).every((b) => b === 0)) break;
      fail(`unexpected bytes after the end of the stream at byte ${at}`);
    }
  }
  return out.bytes.slice(0, out.length);
}
