/**
 * The hidden layers' activation. ReLU is the paper's (and the default: a
 * config without `activation` is ReLU, so older configs keep their hash);
 * the smooth ones are the condensation study's (Zhou et al., arXiv
 * 2105.11686), chosen by their multiplicity at the origin: the order of the
 * first non-zero derivative there, f(x) ~ x^p. The output layer has none
 * (its logits go to the softmax).
 */
export const ACTIVATIONS = ["relu", "tanh", "xtanh", "x2tanh"] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export interface ActivationInfo {
  /** What the function is, for labels and docs. */
  formula: string;
  /** Multiplicity p at the origin: f(x) ~ x^p. ReLU's is 1 (the paper counts it with the multiplicity-one functions). */
  multiplicity: number;
  /** Whether its outputs hold exact zeros to skip in the products (ReLU's half-space). */
  exactZeros: boolean;
}

export const ACTIVATION_INFO: Record<Activation, ActivationInfo> = {
  relu: { formula: "max(x, 0)", multiplicity: 1, exactZeros: true },
  tanh: { formula: "tanh x", multiplicity: 1, exactZeros: false },
  xtanh: { formula: "x tanh x", multiplicity: 2, exactZeros: false },
  x2tanh: { formula: "x^2 tanh x", multiplicity: 3, exactZeros: false },
};

export function isActivation(name: unknown): name is Activation {
  return typeof name === "string" && (ACTIVATIONS as readonly string[]).includes(name);
}
