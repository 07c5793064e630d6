// Fused softmax + categorical cross-entropy, Keras semantics.
//
// Legend: R rows of the minibatch, K classes.
//   logits f32 [R x K], labels i32 [R], out f32 [R x K].
// p = exp(z - max z) / sum exp(z - max z); the loss of a row is
// -log(clip(p[y], 1e-7, 1 - 1e-7)), as keras.losses.categorical_crossentropy
// clips probabilities. The clip also gates the gradient: where p[y] is clipped
// the loss is flat, so that row's gradient is exactly zero (this is what makes
// the post-divergence loss plateau of the paper). Otherwise
// dL/dz = (p - onehot(y)) * gradScale, with gradScale = 1 / R for a mean loss.
// epsilon is Keras's backend epsilon, 1e-7 by default; the upper bound is
// 1 - epsilon rounded to f32.
// With fromLogits != 0 (later tf.keras, from_logits=True) there is no clip:
// the loss is the stable log-softmax, log(sum exp(z - max z)) - (z[y] - max z),
// and every row gets the gradient p - onehot(y), however small p[y] is.

let correct: i32 = 0;

/** Rows whose argmax probability equals the label, from the last softmaxCrossEntropy call. */
export function lastCorrect(): i32 {
  return correct;
}

/**
 * Returns the sum of the per-row losses (f64, for the epoch mean). Writes the
 * logit gradient to `out` when wantGrad != 0, else the probabilities. Called
 * once per minibatch in training and evaluation.
 */
export function softmaxCrossEntropy(
  R: i32, K: i32, logits: usize, labels: usize, out: usize, gradScale: f32, wantGrad: i32,
  epsilon: f32, fromLogits: i32,
): f64 {
  const upper: f32 = <f32>1.0 - epsilon;
  let lossSum: f64 = 0;
  correct = 0;
  for (let r = 0; r < R; r++) {
    const z = logits + (<usize>r * <usize>K << 2);
    const o = out + (<usize>r * <usize>K << 2);
    const y = load<i32>(labels + (<usize>r << 2));
    let zmax = load<f32>(z);
    for (let k = 1; k < K; k++) zmax = max<f32>(zmax, load<f32>(z + (<usize>k << 2)));
    let sum: f32 = 0;
    for (let k = 0; k < K; k++) {
      const e = Mathf.exp(load<f32>(z + (<usize>k << 2)) - zmax);
      store<f32>(o + (<usize>k << 2), e);
      sum += e;
    }
    let best = 0;
    let bestP: f32 = -1;
    for (let k = 0; k < K; k++) {
      const p = load<f32>(o + (<usize>k << 2)) / sum;
      store<f32>(o + (<usize>k << 2), p);
      if (p > bestP) { bestP = p; best = k; }
    }
    if (best == y) correct++;
    const py = load<f32>(o + (<usize>y << 2));
    let clipped = false;
    if (fromLogits) {
      lossSum += <f64>(Mathf.log(sum) - (load<f32>(z + (<usize>y << 2)) - zmax));
    } else {
      clipped = py < epsilon || py > upper;
      lossSum += <f64>(-Mathf.log(min<f32>(max<f32>(py, epsilon), upper)));
    }
    if (!wantGrad) continue;
    if (clipped || isNaN(py)) {
      memory.fill(o, 0, <usize>K << 2);
    } else {
      for (let k = 0; k < K; k++) {
        const p = load<f32>(o + (<usize>k << 2));
        store<f32>(o + (<usize>k << 2), (k == y ? p - 1 : p) * gradScale);
      }
    }
  }
  return lossSum;
}
