import type { ClaimSpec } from "./spec.js";

/**
 * The checkable claims of Jesus et al. 2021 (shared/paper), as data: what
 * the paper says, where, which quantity decides it, and with what
 * tolerances. `evaluateClaims` (evaluate.ts) computes every verdict from
 * runs; nothing here is a verdict. docs/reproduction.md explains each check.
 *
 * "Trainability width" of a dataset: one more than the widest width at which
 * any run diverged; "wide" means at least that and at least `wideMin` (the
 * paper's threshold, about 300 nodes per hidden layer).
 */
export const PAPER_CLAIMS: readonly ClaimSpec[] = [
  {
    id: "mnist-no-unstable-learners",
    source: "Section 5, Figure 5",
    statement: "On MNIST there are no unstable learners: no width crosses over into untrainability (diverges).",
    quantity: "share of MNIST runs with a divergence (t_div), per width",
    check: { kind: "no-divergence", dataset: "mnist", maxDivergedFraction: 0 },
    requires: { datasets: ["mnist"], minEpochs: 100, minWidths: 3 },
  },
  {
    id: "fashion-unstable-without-crossover",
    source: "Section 5, Figure 5",
    statement:
      "On Fashion-MNIST, mid widths are unstable learners (they move further from their initial weights than strong learners, less than weak ones) but none crosses over into untrainability.",
    quantity: "share of diverged runs; final RMSD per width (mean over seeds)",
    check: { kind: "unstable-without-crossover", dataset: "fashion-mnist", maxDivergedFraction: 0 },
    requires: { datasets: ["fashion-mnist"], minEpochs: 100, minWidths: 3 },
  },
  {
    id: "hasy-divergence-threshold",
    source: "Section 5, Figure 4c",
    statement: "On HASYv2, t_min_train and t_div grow without bound as the width approaches about 300 from below; wider networks never diverge.",
    quantity:
      "share of diverged runs per width; rank correlation of width with t_div (Kaplan-Meier median, runs that never diverged beyond the horizon) and with mean t_min_train, below the threshold",
    check: { kind: "divergence-threshold", dataset: "hasyv2", threshold: 300, thresholdTolerance: 0.5, minRankCorrelation: 0.7 },
    requires: { datasets: ["hasyv2"], minEpochs: 500, minSeeds: 2, minWidths: 4 },
  },
  {
    id: "rmsd-jumps-with-loss",
    source: "Section 5, Figures 1b and 5; Appendix A",
    statement: "At divergence the RMSD jumps at the same epoch as the train loss, then plateaus.",
    quantity:
      "per diverged run: epoch of the largest one-epoch RMSD rise against [t_div, t_div_plateau]; RMSD rise across the jump; RMSD growth after the plateau",
    check: { kind: "rmsd-jumps-with-loss", maxLagEpochs: 2, minJumpRatio: 1.5, maxPlateauGrowth: 1.5, minFraction: 0.8 },
    requires: { minEpochs: 50 },
  },
  {
    id: "no-recovery-after-divergence",
    source: "Section 5 (trainable vs untrainable after infinite training)",
    statement: "After divergence, further training does not bring the train loss back down.",
    quantity: "per diverged run with at least 10 epochs after its plateau: lowest later train loss against its pre-divergence best and plateau level",
    check: { kind: "no-recovery", minEpochsAfter: 10, maxRecoveredShare: 0.5, minFraction: 0.8 },
    requires: { minEpochs: 50 },
  },
  {
    id: "wider-lower-minimum-loss",
    source: "Figure 4d; Section 5 (unstable learners train to progressively better minima)",
    statement: "Larger networks reach lower minimum losses.",
    quantity: "rank correlation of width with the mean minimum train loss, per dataset",
    check: { kind: "min-loss-decreases", maxRankCorrelation: -0.8 },
    requires: { minWidths: 3 },
  },
  {
    id: "wider-smaller-rmsd-at-theta",
    source: "Figure 6, Section 5",
    statement: "The wider the network, the smaller RMSD(t_theta) for each loss theta reached.",
    quantity: "rank correlation of width with mean RMSD at t_theta, per dataset and theta reached by at least 3 widths",
    check: { kind: "rmsd-at-theta-decreases", maxRankCorrelation: -0.7, minWidthsReaching: 3 },
    requires: { minWidths: 3 },
  },
  {
    id: "fashion-width-10-vs-100",
    source: "Section 5, Figure 6",
    statement: "On Fashion-MNIST no network of width 10 reaches a loss of 0.1, while width 100 reaches losses three orders of magnitude smaller (about 1e-4).",
    quantity: "minimum train loss of widths 10 and 100 on Fashion-MNIST",
    check: { kind: "loss-levels", dataset: "fashion-mnist", narrowWidth: 10, neverBelow: 0.1, wideWidth: 100, reaches: 1e-4, factor: 10 },
    requires: { datasets: ["fashion-mnist"], minEpochs: 1000, fullTrainSet: true },
  },
  {
    id: "copt-wide-near-one",
    source: "Appendix A, Figure A1",
    statement: "c_opt is about 1 in every layer for wide networks, at all times.",
    quantity: "|c_opt - 1| over every analysed epoch, layer and run of the wide widths",
    check: { kind: "copt-wide-near-one", wideMin: 300, tolerance: 0.05 },
    requires: { minEpochs: 10 },
  },
  {
    id: "copt-departs-below-threshold",
    source: "Appendix A, Figure A1",
    statement: "Below the trainability width c_opt departs from 1 and fluctuates across seeds.",
    quantity:
      "at the last analysed epoch, per layer: |mean c_opt - 1| and its standard deviation across seeds, below the trainability width against the wide widths",
    check: { kind: "departs-below-threshold", quantities: ["c_opt"], wideMin: 300, minDeparture: 0.05, minRatio: 2 },
    requires: { minEpochs: 50, minSeeds: 2 },
  },
  {
    id: "moments-same-transition",
    source: "Appendix A, Figure A2",
    statement: "a0, a1 and sigma(0) show the same transition as c_opt at the trainability width.",
    quantity: "at the last analysed epoch, per layer: departure of a1 from 1, |a0| and sigma(0), below the trainability width against the wide widths",
    check: { kind: "departs-below-threshold", quantities: ["a1", "a0", "sigma0"], wideMin: 300, minDeparture: 0, minRatio: 2 },
    requires: { minEpochs: 50, minSeeds: 2 },
  },
  {
    id: "large-weights-grow",
    source: "Section 4, Figure 3",
    statement: "Initially large |w_i| tend to grow further, keeping their sign (the interquartile band tilts away from w_f = w_i).",
    quantity: "widest width, last analysed epoch, every layer: a1 and the median w_f in the outermost w_i bins against the bin centres",
    check: { kind: "large-weights-grow", minFraction: 0.8 },
    requires: { minEpochs: 10 },
  },
  {
    id: "mask-keeps-loss",
    source: "Section 4, Figure 1a",
    statement: "A mask stamped into the initial weights does not change the loss the network trains to.",
    quantity: "mean minimum train and test loss of masked runs against unmasked runs of the same dataset, width and settings",
    check: { kind: "mask-keeps-loss", maxRelativeDifference: 0.1, standardErrors: 2 },
    requires: { minEpochs: 10 },
  },
  {
    id: "mask-visible-wide",
    source: "Section 4, Figure 1a",
    statement: "In a wide network (the paper: width 512 on HASYv2) the letter is still visible after 1000 epochs.",
    quantity: "mask contrast (mean |w| outside the letter over inside; 0 at the start, about 1 once gone) at the last epoch of masked wide runs",
    check: { kind: "mask-visible", wideMin: 300, maxContrast: 0.5 },
    requires: { minEpochs: 1000 },
  },
  {
    id: "mask-lost-at-divergence",
    source: "Section 4, Figure 1b",
    statement: "In an unstable network (the paper: width 256 on HASYv2) the mask is lost when the network diverges.",
    quantity: "mask contrast of masked diverged runs: at the end, and its rise across [t_div - 1, t_div_plateau + 1] as a share of its whole rise",
    check: { kind: "mask-lost-at-divergence", minFinalContrast: 0.8, minShareAtJump: 0.5 },
    requires: { minEpochs: 50 },
  },
  {
    id: "weak-learners-drift",
    source: "Section 5, Figure 5",
    statement: "Small networks (width about 10) are weak learners: the highest losses and the largest, still growing RMSD.",
    quantity: "per dataset, narrowest width: mean minimum train loss and final RMSD against every other width; RMSD at the last epoch against half-way",
    check: { kind: "weak-learners", maxNarrowWidth: 30, minGrowth: 1.0 },
    requires: { minWidths: 3, minEpochs: 20 },
  },
  {
    id: "wider-stays-closer",
    source: "Section 6; Section 5",
    statement: "Wide networks converge to the neighbourhood of their initial weights: the wider, the smaller the final RMSD.",
    quantity: "rank correlation of width with mean final RMSD over runs that did not diverge, per dataset",
    check: { kind: "final-rmsd-decreases", maxRankCorrelation: -0.8 },
    requires: { minWidths: 3 },
  },
];
