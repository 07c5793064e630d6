import { cos2pi, log } from "./portable.js";

/**
 * The one source of randomness: xoshiro128** (Blackman and Vigna, 2018), a
 * 32-bit generator with 128 bits of state, seeded through SplitMix32. Its state
 * is four u32 words that serialise to JSON, so a checkpoint can resume the
 * exact stream. Math.random is never used.
 *
 * Independent streams: each purpose (initialisation, shuffling, ...) gets its
 * own generator from (seed, stream name), so changing how many numbers one
 * purpose draws never shifts another's.
 */
export type RngState = [number, number, number, number];

const TWO_POW_32 = 4294967296;

function splitMix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) >>> 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** FNV-1a over the UTF-16 code units of a stream name. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class Rng {
  private s: Uint32Array;

  private constructor(state: RngState) {
    this.s = Uint32Array.from(state);
    if (this.s.every((w) => w === 0)) throw new Error("xoshiro128** state must not be all zero");
  }

  /** A generator for one purpose of one run. seed: an integer in [0, 2^32). */
  static forStream(seed: number, stream: string): Rng {
    if (!Number.isInteger(seed) || seed < 0 || seed >= TWO_POW_32) {
      throw new RangeError(`seed must be an integer in [0, 2^32), got ${seed}`);
    }
    const sm = { s: (seed ^ fnv1a(stream)) >>> 0 };
    return new Rng([splitMix32(sm), splitMix32(sm), splitMix32(sm), splitMix32(sm)]);
  }

  static fromState(state: RngState): Rng {
    return new Rng(state);
  }

  state(): RngState {
    const s = this.s;
    return [s[0]!, s[1]!, s[2]!, s[3]!];
  }

  /** Next u32. */
  nextU32(): number {
    const s = this.s;
    const s0 = s[0]!,
      s1 = s[1]!,
      s2 = s[2]!,
      s3 = s[3]!;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    s[1] = s1 ^ n2;
    s[0] = s0 ^ n3;
    s[2] = n2 ^ t;
    s[3] = (n3 << 11) | (n3 >>> 21);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits (two draws). */
  uniform(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n), unbiased by rejection. n: 1 .. 2^32. */
  below(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) throw new RangeError(`bad bound ${n}`);
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }

  /** Standard normal by Box-Muller (one value per two uniforms; no cached spare, so state stays the four words). */
  normal(): number {
    const u1 = 1 - this.uniform(); // (0, 1]
    const u2 = this.uniform();
    return Math.sqrt(-2 * log(u1)) * cos2pi(u2);
  }

  /** Fisher-Yates shuffle in place (the same walk as numpy's legacy shuffle, not its numbers). */
  shuffle(a: Uint32Array): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
  }
}
