// Reductions the analysis needs per epoch, over flat f32 buffers of count floats.

/**
 * sum_j (w_j - w0_j)^2, differences in f32 then squared and summed in f64
 * (two lanes, combined at the end: a fixed order). The numerator of the
 * paper's RMSD (Eq. 5). Called once per layer per epoch.
 */
export function sumSquaredDeviation(w: usize, w0: usize, count: i32): f64 {
  let acc = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const o = <usize>i << 2;
    const d = f32x4.sub(v128.load(w + o), v128.load(w0 + o));
    const lo = f64x2.promote_low_f32x4(d);
    const hi = f64x2.promote_low_f32x4(i32x4.shuffle(d, d, 2, 3, 0, 1));
    acc = f64x2.add(acc, f64x2.add(f64x2.mul(lo, lo), f64x2.mul(hi, hi)));
  }
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const d = <f64>(load<f32>(w + o) - load<f32>(w0 + o));
    s += d * d;
  }
  return s;
}

/** 1 if every one of count floats is finite, else 0. Called once per epoch to detect divergence. */
export function allFinite(p: usize, count: i32): i32 {
  for (let i = 0; i < count; i++) {
    const v = load<f32>(p + (<usize>i << 2));
    if (!isFinite(v)) return 0;
  }
  return 1;
}
