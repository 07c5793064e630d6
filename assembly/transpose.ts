// The transposing copy both packers use for B = W^T (columns contiguous along p).

/**
 * Copies four columns of B, each contiguous along p (column l at s0 + l *
 * across), into K rows of 4 floats at out, out + stride, ...: 4 x 4 blocks
 * transposed in registers, then the rows past the last multiple of 4 one
 * float at a time. Copies move bits unchanged.
 */
// @ts-ignore: decorator
@inline export function transposeColumns4(s0: usize, across: usize, K: i32, out: usize, stride: usize): void {
  const s1 = s0 + across, s2 = s1 + across, s3 = s2 + across;
  const K4 = K & ~3;
  for (let p = 0; p < K4; p += 4) {
    const o = <usize>p << 2;
    const r0 = v128.load(s0 + o), r1 = v128.load(s1 + o), r2 = v128.load(s2 + o), r3 = v128.load(s3 + o);
    const t0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
    const t2 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5), t3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
    v128.store(out, v128.shuffle<i32>(t0, t2, 0, 1, 4, 5)); out += stride;
    v128.store(out, v128.shuffle<i32>(t0, t2, 2, 3, 6, 7)); out += stride;
    v128.store(out, v128.shuffle<i32>(t1, t3, 0, 1, 4, 5)); out += stride;
    v128.store(out, v128.shuffle<i32>(t1, t3, 2, 3, 6, 7)); out += stride;
  }
  for (let p = K4; p < K; p++) {
    const o = <usize>p << 2;
    store<f32>(out, load<f32>(s0 + o)); store<f32>(out, load<f32>(s1 + o), 4);
    store<f32>(out, load<f32>(s2 + o), 8); store<f32>(out, load<f32>(s3 + o), 12);
    out += stride;
  }
}
