// Input scaling: pixels u8 -> f32 in [0, 1].
// Legend: count bytes at src (u8), count floats at dst (f32).
// x = f32(u8) / 255 with a correctly rounded f32 division, as
// `x.astype('float32') / 255` does in Keras scripts.

/** Scales a gathered minibatch of pixels; called by the host once per minibatch. */
export function scaleU8(src: usize, dst: usize, count: i32): void {
  const d255 = f32x4.splat(255);
  let i = 0;
  for (; i + 16 <= count; i += 16) {
    const bytes = v128.load(src + <usize>i);
    const lo = i16x8.extend_low_i8x16_u(bytes);
    const hi = i16x8.extend_high_i8x16_u(bytes);
    const out = dst + (<usize>i << 2);
    v128.store(out, f32x4.div(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(lo)), d255));
    v128.store(out, f32x4.div(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(lo)), d255), 16);
    v128.store(out, f32x4.div(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(hi)), d255), 32);
    v128.store(out, f32x4.div(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(hi)), d255), 48);
  }
  for (; i < count; i++) {
    store<f32>(dst + (<usize>i << 2), <f32>load<u8>(src + <usize>i) / 255);
  }
}
