import type { ClaimSpec, Tolerance } from "./spec.js";

/**
 * The checkable claims of the Hessian-initialisation paper (Skorski,
 * Temperoni and Theobald, "Revisiting Initialization of Neural Networks",
 * arXiv 2004.09506), from its abstract, the only text at hand
 * (shared/paper/related-hessian-init-abstract.txt). The abstract names
 * MNIST among its tasks but no design: the study runs ReLU networks of the
 * Jesus et al. shape on MNIST files verified against the catalogue, on the
 * subset its design states, so `data: "verified"`. The principle's reading
 * (what "the norm of their Hessian" is, and what controlling it means) is the
 * project's: docs/method.md, "The Hessian-initialisation study".
 */
const t = (value: number, why: string): Tolerance => ({ value, why });

const SCOPE = ["mnist"];

export const HESSIAN_INIT_CLAIMS: readonly ClaimSpec[] = [
  {
    id: "hessian-principle-recovers-he",
    source: "Skorski et al., abstract",
    quote:
      "we propose and discuss an initialization principle that is based on a rigorous estimation of the global curvature of weights across layers by approximating and controlling the norm of their Hessian matrix. The proposed approach is more systematic and recovers previous results for DNN activations such as smooth functions, dropouts, and ReLU.",
    statement:
      "For ReLU networks, the scale the Hessian principle (--init hessian) gives each hidden layer is He's: an initial weight RMS of sqrt(2 / fan-in).",
    scope: SCOPE,
    data: "verified",
    central: true,
    quantity: "per ReLU run with --init hessian at scale 1: each hidden layer's initial weight RMS over sqrt(2 / fan-in)",
    check: "principle-recovers-he",
    tolerances: {
      heBand: t(
        0.1,
        "He's variance holds in expectation over the weights with exactly half the units active; one draw of width 100 moves the measured trace by the share of units active on the sample and by W^T W's off-diagonal terms, about 5% on the scale (0.945 to 1.063 over 3 seeds at widths 100 and 300, docs/method.md); 10% is two such spreads, and far from LeCun's and Glorot's 0.71 on a square layer",
      ),
    },
    requires: { minSeeds: 2 },
  },
  {
    id: "hessian-norm-diagnoses-training",
    source: "Skorski et al., abstract",
    quote:
      "Our experiments on Word2Vec and the MNIST/CIFAR image classification tasks confirm that tracking the Hessian norm is a useful diagnostic tool which helps to more rigorously initialize weights",
    statement:
      "The layers' Hessian norms at initialisation tell initialisations that train well from those that do not: across initialisers and scales, the further a network's layers are from the principle's curvature gain of 1, the higher its training loss after a fixed number of epochs.",
    scope: SCOPE,
    data: "verified",
    central: true,
    quantity:
      "Spearman's rank correlation, over the (initialiser, scale) settings of ReLU runs, between the summed |ln curvature gain| of the layers at epoch 0 and the train loss at the last epoch (a run that diverged ranks worst)",
    check: "hessian-norm-ranks-outcome",
    tolerances: {
      minRho: t(
        0.5,
        "a rank correlation of 0.5 is a moderate monotone association, beyond chance for the design's 35 settings (the one-sided 1% critical value of Spearman's rho for 35 points is 0.40) and short of asking the diagnostic to order settings that train alike",
      ),
    },
    requires: { minSeeds: 2, minEvents: 10 },
  },
];
