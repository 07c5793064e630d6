/**
 * A synchronous zlib (RFC 1950) / DEFLATE (RFC 1951) decoder, for the many
 * small PNGs of HASYv2 in a browser: a DecompressionStream per 300-byte image
 * costs more in stream set-up than in inflating. Node uses its own zlib
 * instead. Throws Error on malformed data (the PNG decoder turns it into a
 * one-line message); every loop consumes input or output, so bad data
 * cannot hang it, and the output is bounded by `limit`.
 */

const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** Canonical Huffman table: symbols sorted by code length, and the count per length. */
interface Huffman {
  counts: Uint16Array;
  symbols: Uint16Array;
}

function huffman(lengths: ArrayLike<number>, n: number): Huffman {
  const counts = new Uint16Array(16);
  for (let i = 0; i < n; i++) counts[lengths[i]!]!++;
  counts[0] = 0;
  const offsets = new Uint16Array(16);
  for (let l = 1; l < 16; l++) offsets[l] = offsets[l - 1]! + counts[l - 1]!;
  const symbols = new Uint16Array(n);
  for (let i = 0; i < n; i++) if (lengths[i]) symbols[offsets[lengths[i]!]!++] = i;
  return { counts, symbols };
}

const FIXED = (() => {
  const lit = new Uint8Array(288);
  lit.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
  return { lit: huffman(lit, 288), dist: huffman(new Uint8Array(30).fill(5), 30) };
})();

/**
 * A raw DEFLATE stream (RFC 1951) from `start`, at most `limit` bytes out.
 * One function of 111 lines on purpose: the bit reader's position and
 * buffer are locals shared by the block header, the dynamic tables and the
 * symbol loop, the hot loop of every PNG in HASYv2 (168,233 of them) in the
 * browser; split, each would pass the reader through calls.
 */
export function inflateRaw(input: Uint8Array, start = 0, limit = 1 << 28): { bytes: Uint8Array; end: number } {
  let pos = start,
    bitBuf = 0,
    bitCount = 0;
  let out = new Uint8Array(Math.max(1024, input.length * 4));
  let len = 0;
  const fail = (why: string): never => {
    throw new Error(`inflate: ${why}`);
  };
  const bits = (n: number): number => {
    while (bitCount < n) {
      if (pos >= input.length) fail("truncated");
      bitBuf |= input[pos++]! << bitCount;
      bitCount += 8;
    }
    const v = bitBuf & ((1 << n) - 1);
    bitBuf >>>= n;
    bitCount -= n;
    return v;
  };
  const decode = (h: Huffman): number => {
    let code = 0,
      first = 0,
      index = 0;
    for (let l = 1; l < 16; l++) {
      code |= bits(1);
      const count = h.counts[l]!;
      if (code - first < count) return h.symbols[index + code - first]!;
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    return fail("bad Huffman code");
  };
  const room = (n: number) => {
    if (len + n > limit) fail("output too large");
    if (len + n <= out.length) return;
    const next = new Uint8Array(Math.max(out.length * 2, len + n));
    next.set(out.subarray(0, len));
    out = next;
  };
  let last = 0;
  while (!last) {
    last = bits(1);
    const type = bits(2);
    if (type === 0) {
      bitBuf = 0;
      bitCount = 0;
      if (pos + 4 > input.length) fail("truncated");
      const n = input[pos]! | (input[pos + 1]! << 8);
      if ((n ^ (input[pos + 2]! | (input[pos + 3]! << 8))) !== 0xffff) fail("bad stored block length");
      pos += 4;
      if (pos + n > input.length) fail("truncated");
      room(n);
      out.set(input.subarray(pos, pos + n), len);
      len += n;
      pos += n;
      continue;
    }
    let lit: Huffman, dist: Huffman;
    if (type === 1) ({ lit, dist } = FIXED);
    else if (type === 2) {
      const nlit = bits(5) + 257,
        ndist = bits(5) + 1,
        ncode = bits(4) + 4;
      if (nlit > 286 || ndist > 30) fail("bad table sizes");
      const cl = new Uint8Array(19);
      for (let i = 0; i < ncode; i++) cl[CODE_LENGTH_ORDER[i]!] = bits(3);
      const clh = huffman(cl, 19);
      const lengths = new Uint8Array(nlit + ndist);
      for (let i = 0; i < nlit + ndist; ) {
        const sym = decode(clh);
        if (sym < 16) lengths[i++] = sym;
        else {
          let repeat: number,
            value = 0;
          if (sym === 16) {
            if (i === 0) fail("repeat with no previous length");
            value = lengths[i - 1]!;
            repeat = 3 + bits(2);
          } else repeat = sym === 17 ? 3 + bits(3) : 11 + bits(7);
          if (i + repeat > nlit + ndist) fail("code lengths overflow");
          lengths.fill(value, i, i + repeat);
          i += repeat;
        }
      }
      if (lengths[256] === 0) fail("no end-of-block code");
      lit = huffman(lengths.subarray(0, nlit), nlit);
      dist = huffman(lengths.subarray(nlit), ndist);
    } else return fail("bad block type");
    for (;;) {
      const sym = decode(lit);
      if (sym < 256) {
        room(1);
        out[len++] = sym;
      } else if (sym === 256) break;
      else {
        const li = sym - 257;
        if (li >= 29) fail("bad length code");
        const n = LENGTH_BASE[li]! + bits(LENGTH_EXTRA[li]!);
        const di = decode(dist);
        if (di >= 30) fail("bad distance code");
        const d = DIST_BASE[di]! + bits(DIST_EXTRA[di]!);
        if (d > len) fail("distance before the start");
        room(n);
        for (let k = 0; k < n; k++, len++) out[len] = out[len - d]!;
      }
    }
  }
  return { bytes: out.subarray(0, len), end: pos };
}

/** zlib: a 2-byte header, DEFLATE data, and the Adler-32 of the output (checked). */
export function inflateZlib(input: Uint8Array): Uint8Array {
  if (input.length < 6) throw new Error("inflate: truncated");
  const cmf = input[0]!,
    flg = input[1]!;
  if ((cmf & 0x0f) !== 8 || ((cmf << 8) | flg) % 31 !== 0 || flg & 0x20) throw new Error("inflate: not zlib data");
  const { bytes, end } = inflateRaw(input, 2);
  if (end + 4 > input.length) throw new Error("inflate: truncated");
  let a = 1,
    b = 0;
  for (let i = 0; i < bytes.length; i++) {
    a = (a + bytes[i]!) % 65521;
    b = (b + a) % 65521;
  }
  const want = ((input[end]! << 24) | (input[end + 1]! << 16) | (input[end + 2]! << 8) | input[end + 3]!) >>> 0;
  if (((b << 16) | a) >>> 0 !== want) throw new Error("inflate: Adler-32 mismatch");
  return bytes;
}
