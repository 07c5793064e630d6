/**
 * The parameter layout: the only place network shapes live.
 *
 * A network is input (d) -> dense(n_1, f) -> ... -> dense(n_H, f) ->
 * dense(K, softmax), f the hidden activation (ReLU by default, model/activation.ts). Layer l maps fanIn = units[l] to fanOut = units[l + 1].
 * All parameters live in one f32 block, in layout order
 *   W_1 [fanIn x fanOut] row-major (Keras kernel layout), b_1 [fanOut], W_2, b_2, ...
 * and final_params_sha256 hashes exactly this block (little-endian f32).
 * Offsets and counts are in f32 elements from the start of the block.
 */
export interface DenseLayerLayout {
  /** Position of the layer, 0 = the layer that reads the input. */
  index: number;
  fanIn: number;
  fanOut: number;
  /** Offset of W (fanIn x fanOut, row-major). */
  weightOffset: number;
  weightCount: number;
  /** Offset of b (fanOut). */
  biasOffset: number;
  /** A hidden layer: the activation follows it (all but the last, which feeds the softmax). */
  hidden: boolean;
  /** "W1", "W2", ...: the names used in files and figures. */
  name: string;
}

export interface ParamLayout {
  inputSize: number;
  hiddenWidths: readonly number[];
  classes: number;
  /** Units per level: [inputSize, ...hiddenWidths, classes]. */
  units: readonly number[];
  layers: readonly DenseLayerLayout[];
  /** Floats in the whole block (weights and biases). */
  paramCount: number;
  /** Kernel entries only: the m of the paper's RMSD (Eq. 5). */
  weightCount: number;
}

export function createLayout(inputSize: number, hiddenWidths: readonly number[], classes: number): ParamLayout {
  const units = [inputSize, ...hiddenWidths, classes];
  for (const u of units) {
    if (!Number.isInteger(u) || u < 1) throw new RangeError(`layer sizes must be positive integers, got [${units.join(", ")}]`);
  }
  const layers: DenseLayerLayout[] = [];
  let offset = 0;
  let weightCount = 0;
  for (let l = 0; l + 1 < units.length; l++) {
    const fanIn = units[l]!;
    const fanOut = units[l + 1]!;
    const weightOffset = offset;
    offset += fanIn * fanOut;
    const biasOffset = offset;
    offset += fanOut;
    weightCount += fanIn * fanOut;
    layers.push({
      index: l,
      fanIn,
      fanOut,
      weightOffset,
      weightCount: fanIn * fanOut,
      biasOffset,
      hidden: l + 2 < units.length,
      name: `W${l + 1}`,
    });
  }
  return { inputSize, hiddenWidths: [...hiddenWidths], classes, units, layers, paramCount: offset, weightCount };
}

/** The weight matrix of one layer as a view into a parameter block. */
export function weightsOf(params: Float32Array, layer: DenseLayerLayout): Float32Array {
  return params.subarray(layer.weightOffset, layer.weightOffset + layer.weightCount);
}

export function biasesOf(params: Float32Array, layer: DenseLayerLayout): Float32Array {
  return params.subarray(layer.biasOffset, layer.biasOffset + layer.fanOut);
}
