import type { ClaimSpec, Tolerance } from "./spec.js";

/**
 * The checkable claims of the condensation paper (Zhou et al., "Towards
 * Understanding the Condensation of Neural Networks at Initial Training",
 * arXiv 2105.11686), from its abstract, the only text at hand
 * (shared/paper/related-condensation-abstract.txt). The abstract names no
 * dataset: the study tests the claims on MNIST files verified against the
 * catalogue, on the training subset its design states (a project choice,
 * docs/method.md), so `data: "verified"`.
 */
const t = (value: number, why: string): Tolerance => ({ value, why });

const SCOPE = ["mnist"];

const STAGE = {
  stageDrop: t(
    0.1,
    "the 'initial training stage' of a small start is its loss plateau; the project reads it as the epochs whose train loss has fallen by less than a tenth from epoch 0's (ln 10 = 2.30 to 2.07 on MNIST)",
  ),
  minShare: t(
    0.1,
    "an orientation the layer condensed on holds a tenth of its neurons or more (10 of 100): a pair or a handful of near neighbours is not the block the paper's figures show, and random vectors in 785 dimensions never come within cosine 0.95 of each other",
  ),
  minHeld: t(
    0.5,
    "a layer has condensed when most of its neurons (at least half) sit in condensed orientations; fewer is a layer with some clusters, not a condensed one",
  ),
};
const SMALL = t(
  0.01,
  "'small initialization': initial weights at most a hundredth of the standard (Glorot) scale; initdrift's scale sweep finds no condensation from 0.1 up (docs/guide.md)",
);

export const CONDENSATION_CLAIMS: readonly ClaimSpec[] = [
  {
    id: "condensation-relu-small",
    source: "Zhou et al., abstract",
    quote:
      "Empirical works show that for ReLU neural networks (NNs) with small initialization, input weights of hidden neurons (the input weight of a hidden neuron consists of the weight from its input layer to the hidden neuron and its bias term) condense on isolated orientations.",
    statement:
      "With a small initial scale, the first hidden layer of a ReLU network ends its initial stage condensed: most of its neurons' input vectors lie in a few orientations.",
    scope: SCOPE,
    data: "verified",
    quantity: "per ReLU run at a small scale: the share of W1's neurons in condensed orientations at the end of the initial stage",
    check: "condenses-at-small-scale",
    tolerances: { smallScale: SMALL, ...STAGE },
    requires: { minSeeds: 2 },
  },
  {
    id: "condensation-twice-multiplicity",
    source: "Zhou et al., abstract",
    quote:
      'we illustrate the formation of the condensation in multi-layer fully connected NNs and show that the maximal number of condensed orientations in the initial training stage is twice the multiplicity of the activation function, where "multiplicity" indicates the multiple roots of activation function at origin',
    statement:
      "Where the first hidden layer condenses from a small start, it does so on at most twice as many orientations as its activation's multiplicity at the origin (ReLU and tanh 1, x tanh x 2, x^2 tanh x 3).",
    scope: SCOPE,
    data: "verified",
    central: true,
    quantity: "per small-scale run whose W1 condensed: the most condensed orientations at any analysed epoch of the initial stage, over twice the multiplicity",
    check: "orientations-within-twice-multiplicity",
    tolerances: { smallScale: SMALL, ...STAGE },
    requires: { minSeeds: 2, minEvents: 2 },
  },
  {
    id: "condensation-needs-small-scale",
    source: "Zhou et al., abstract",
    quote: "This work makes a step towards understanding how small initialization leads NNs to condensation at the initial training stage.",
    statement:
      "Condensation comes from the small start: at the standard initial scale the first hidden layer has not condensed at the end of its initial stage.",
    scope: SCOPE,
    data: "verified",
    quantity: "per run at the standard scale: the share of W1's neurons in condensed orientations at the end of the initial stage",
    check: "no-condensation-at-standard-scale",
    tolerances: { ...STAGE },
    requires: { minSeeds: 2 },
  },
];
