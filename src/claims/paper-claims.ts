import type { ClaimSpec, Tolerance } from "./spec.js";

/**
 * The checkable claims of Jesus et al. 2021 (shared/paper), as data: the
 * paper's words and where they are, the datasets it states them for (its
 * scope), the check that decides them (checks/index.ts) and every tolerance
 * with its reason. Nothing here is a verdict; docs/claims.md lists them all.
 *
 * Scope follows the paper's data: Figures 1, 3, 4, A1 and A2 are HASYv2
 * networks, Figures 5 and 6 all three datasets. A check run on a dataset
 * outside the scope is an extension, never a test of the paper.
 */
const t = (value: number, why: string): Tolerance => ({ value, why });

const ALL = ["mnist", "fashion-mnist", "hasyv2"];
const HASY = ["hasyv2"];

/** Shared reasons, so one choice is argued once. */
const WIDE_MIN = t(300, "the paper's trainability threshold on HASYv2, 'about 300 nodes per hidden layer' (Section 5, Appendix A)");
const MOST = t(0.8, "the paper describes what networks 'tend' to do, from ten runs a width; one run in five going the other way would not overturn that");
const STRONG_RANK = t(-0.8, "a monotone trend over 3-5 widths: at most one adjacent pair of widths may swap (Spearman's rho of 4 widths with one swap is 0.8)");
const RANK = t(0.7, "a clear monotone trend but not a perfect one: two widths of five may swap (rho 0.7)");
const BIN = t(20, "a median and quartiles from fewer than 20 weights move by more than the effects compared");
const FROM_EPOCH = t(10, "the first epochs move every width's statistics (the initial transient), wide ones included; the claim is about what happens later");

export const PAPER_CLAIMS: readonly ClaimSpec[] = [
  {
    id: "mnist-no-unstable-learners",
    source: "Section 5, Figure 5",
    quote: "for MNIST all the networks marked with triangles are strong learners; in our experiments we could not identify unstable learners on this dataset",
    statement: "On MNIST no width is an unstable learner: above the weakest width, no run's train loss jumps (no excursion, no divergence).",
    scope: ["mnist"],
    quantity: "per width: runs whose train loss jumps (excursions and divergences), mean minimum train loss",
    check: "no-unstable-learners",
    tolerances: { maxUnstableWidths: t(0, "'could not identify unstable learners': none at all") },
    requires: { minEpochs: 1000, minWidths: 3 },
  },
  {
    id: "fashion-unstable-without-crossover",
    source: "Section 5, Figure 5",
    quote:
      "for the Fashion MNIST and HASYv2 datasets, orange down and green up triangles show unstable networks of different widths ... these networks deviate much further from their initial configuration than strong learners (but less than weak learners). However, as they diverge and cross over into the untrainability regime (which could only be observed on networks training with the HASYv2 dataset)",
    statement:
      "On Fashion-MNIST some mid width is an unstable learner (its loss jumps at times), drifting between the weak and the strong learners, but no run crosses over into untrainability.",
    scope: ["fashion-mnist"],
    quantity: "per width: runs whose loss jumps, diverged runs, mean final RMSD",
    check: "unstable-without-crossover",
    tolerances: { maxDivergedRuns: t(0, "the crossover 'could only be observed' on HASYv2: none on Fashion-MNIST") },
    requires: { minEpochs: 1000, minWidths: 3 },
  },
  {
    id: "hasy-divergence-threshold",
    source: "Section 5, Figure 4c",
    quote:
      "the times (ii) and (iii) approach infinity as we approach the threshold of about 300 nodes from below (which is specific to the network's architecture and dataset). Therefore, wide networks (≳ 300 nodes in each hidden layer) never cross over to the untrainability regime",
    statement: "On HASYv2, t_min_train and t_div grow as the width approaches about 300 from below, and wider networks never diverge.",
    scope: HASY,
    central: true,
    quantity: "diverged runs per width; trainability width; rank correlation of width with t_div (Kaplan-Meier median) and with t_min_train below it",
    check: "divergence-threshold",
    tolerances: {
      threshold: t(300, "the paper's 'about 300 nodes'"),
      thresholdTolerance: t(0.5, "'about 300' read on a log-spaced width axis: between 150 and 450 is the neighbourhood of 300; further is another threshold"),
      minRankCorrelation: RANK,
    },
    requires: { minEpochs: 1000, minWidths: 4, minSeeds: 2 },
  },
  {
    id: "rmsd-jumps-with-loss",
    source: "Section 5, Figure 5; Figure 1b",
    quote:
      "as they diverge and cross over into the untrainability regime (which could only be observed on networks training with the HASYv2 dataset), the RMSD suffers a sharp increase and reaches a plateau",
    statement: "At divergence the RMSD rises sharply, far more than it rose before, then plateaus.",
    scope: HASY,
    central: true,
    quantity:
      "per diverged run: RMSD rise across [t_div - 1, t_div_plateau] against its largest rise over as many epochs before; RMSD after over before; growth after the plateau",
    check: "rmsd-jumps-with-loss",
    tolerances: {
      lookbackEpochs: t(50, "long enough to hold the RMSD's ordinary growth at that stage, short enough not to reach back to the first epochs' fast drift"),
      minRiseRatio: t(5, "'sharp': the jump must stand out from the ordinary rises by a clear factor, not by noise"),
      minJumpRatio: t(1.5, "'a sharp increase' of a distance that grows like log t otherwise: half as much again within a few epochs"),
      maxPlateauGrowth: t(1.5, "'reaches a plateau': afterwards the RMSD may grow by at most as much as the jump's least size"),
      minFraction: MOST,
    },
    requires: { minEpochs: 100, minEvents: 2 },
  },
  {
    id: "no-recovery-after-divergence",
    source: "Section 2.2; Section 5",
    quote:
      "later in the overfitting region, their loss abruptly increases dramatically (due to overshooting). Past this point of divergence, the loss can no longer be reduced by more training.",
    statement: "After divergence, further training does not bring the train loss back down towards its earlier best.",
    scope: HASY,
    quantity: "per diverged run: lowest later train loss against the plateau and the best loss before the jump, in orders of magnitude",
    check: "no-recovery",
    tolerances: {
      maxRecoveredShare: t(0.5, "'can no longer be reduced': a run that wins back more than half the orders of magnitude it lost has been reduced by training"),
      minFraction: MOST,
    },
    requires: { minEpochs: 100, minEvents: 2 },
  },
  {
    id: "divergence-in-overfitting",
    source: "Abstract; Section 2.2; Figure 4c",
    quote: "We explored the evolution of these deviations during training and observed an abrupt increase within the overfitting region.",
    statement: "Divergence happens inside the overfitting region: t_div comes after t_min_test.",
    scope: HASY,
    central: true,
    quantity: "per diverged run: t_div against t_min_test",
    check: "divergence-in-overfitting",
    tolerances: { minFraction: MOST },
    requires: { minEpochs: 100, minEvents: 2 },
  },
  {
    id: "weak-learners-do-not-diverge",
    source: "Section 5, Figure 4c",
    quote: "Weak learners are small networks that, throughout their training, do not tend to diverge, but only train to poor minima.",
    statement: "The narrowest networks (weak learners) do not tend to diverge.",
    scope: HASY,
    quantity: "share of the narrowest width's runs that diverge",
    check: "weak-do-not-diverge",
    tolerances: {
      maxNarrowWidth: t(30, "the paper's weak learners are width 10; up to 30 is still an order of magnitude below the threshold"),
      maxDivergedFraction: t(0.2, "'do not tend to': at most one run in five"),
    },
    requires: { minEpochs: 1000, minWidths: 3 },
  },
  {
    id: "t-div-spread-grows",
    source: "Section 5, Figure 4c",
    quote:
      "Each of these times differ for different runs, and, for some widths, these fluctuations are strong or they even diverge. ... (notice that the border between regimes is concave)",
    statement:
      "The spread of t_div across runs grows towards the threshold, and the border t_div(width) bends up towards t = infinity at the threshold (the project's reading of 'concave', seen from the trainable region).",
    scope: HASY,
    quantity: "per width with two or more diverged runs: standard deviation and Kaplan-Meier median of t_div",
    check: "t-div-spread-grows",
    tolerances: { minRankCorrelation: RANK },
    requires: { minEpochs: 1000, minSeeds: 3 },
  },
  {
    id: "wider-lower-minimum-loss",
    source: "Figure 4d; Section 5",
    quote: "unstable learners, which are midsize networks that train to progressively better minima (as their size increases)",
    statement: "Wider networks reach lower minimum train losses.",
    scope: HASY,
    quantity: "rank correlation of width with the mean minimum train loss",
    check: "min-loss-decreases",
    tolerances: { maxRankCorrelation: STRONG_RANK },
    requires: { minEpochs: 1000, minWidths: 3 },
  },
  {
    id: "wider-smaller-rmsd-at-theta",
    source: "Figure 6, Section 5",
    quote: "as the networks grow in size, the displacement each weight has to undergo to allow the network to reach a particular loss decreases",
    statement: "The wider the network, the smaller RMSD(t_theta), for each loss theta reached.",
    scope: ALL,
    central: true,
    quantity: "rank correlation of width with mean RMSD at t_theta, per theta reached by at least 3 widths",
    check: "rmsd-at-theta-decreases",
    tolerances: { maxRankCorrelation: t(-0.7, RANK.why), minWidthsReaching: t(3, "a trend needs three points") },
    requires: { minEpochs: 1000, minWidths: 3 },
  },
  {
    id: "narrower-slower-to-theta",
    source: "Section 5, Figure 6",
    quote: "Moreover, even when they reach these loss values, they take a significantly longer time to do so, as the plots for MNIST demonstrate.",
    statement: "Narrower networks take longer to reach a given loss theta.",
    scope: ["mnist"],
    quantity: "rank correlation of width with the Kaplan-Meier median t_theta, per theta reached by half the runs of at least 3 widths",
    check: "narrower-slower",
    tolerances: { maxRankCorrelation: t(-0.7, RANK.why), minWidthsReaching: t(3, "a trend needs three points") },
    requires: { minEpochs: 1000, minWidths: 3 },
  },
  {
    id: "fashion-width-10-vs-100",
    source: "Section 5, Figure 6",
    quote:
      "on Fashion MNIST, no network of width 10 reaches a loss of 0.1, whereas networks of width 100 reach losses that are three orders of magnitude smaller",
    statement: "On Fashion-MNIST no run of width 10 reaches a train loss of 0.1, while width 100 reaches losses three orders of magnitude smaller.",
    scope: ["fashion-mnist"],
    quantity: "lowest train loss of width 10; mean minimum train loss of width 100",
    check: "loss-levels",
    tolerances: {
      narrowWidth: t(10, "the width the paper names"),
      neverBelow: t(0.1, "the paper's level"),
      wideWidth: t(100, "the width the paper names"),
      reachesAtMost: t(
        3.16e-4,
        "'three orders of magnitude' below 0.1 read as a rounded order: log10 ratio of 2.5 or more, i.e. 10^-3.5; one-sided, since lower is better",
      ),
    },
    requires: { minEpochs: 1000, widths: [10, 100] },
  },
  {
    id: "weak-learners-drift",
    source: "Section 5, Figure 5",
    quote:
      "For all the datasets considered, the blue circles show the training of networks that are weak learners—hence, they only achieve very high losses ... These networks experience very large deviations on their configuration of weights, getting further and further away from their initial state.",
    statement: "The narrowest networks have the highest losses and the largest, still growing RMSD.",
    scope: ALL,
    quantity: "narrowest width: mean minimum train loss and final RMSD against every other width; RMSD at the end against half-way",
    check: "weak-learners",
    tolerances: {
      maxNarrowWidth: t(30, "the paper's weak learners are width 10; up to 30 is still an order of magnitude below the threshold"),
      minGrowth: t(1, "'further and further away': the RMSD is still growing over the second half of training"),
    },
    requires: { minEpochs: 100, minWidths: 3 },
  },
  {
    id: "wider-stays-closer",
    source: "Section 5, Figure 5; Section 6",
    quote:
      "the red left triangles show the training of large networks that are strong learners ... over the course of their training they deviate very slightly from their initial configuration",
    statement: "The wider the network, the smaller its final RMSD (runs that did not diverge).",
    scope: ALL,
    central: true,
    quantity: "rank correlation of width with mean final RMSD, runs that did not diverge",
    check: "final-rmsd-decreases",
    tolerances: { maxRankCorrelation: STRONG_RANK },
    requires: { minEpochs: 100, minWidths: 3 },
  },
  {
    id: "no-good-minimum-far",
    source: "Section 6",
    quote: "in all of our experiments, we never observed a network converging to a good minimum outside the vicinity of the initial configuration",
    statement:
      "Every run that reaches a good minimum (train loss 0.01 or less) ends nearer its initial weights than every run that travels far: the poor learners (train loss never below 0.1) and the diverged runs.",
    scope: ALL,
    central: true,
    quantity:
      "final RMSD of each run at a good minimum that did not diverge, against the smallest final RMSD of a poor learner or diverged run of the same data; RMSD over the initial weights' root mean square beside it",
    check: "no-good-minimum-far",
    tolerances: {
      goodLoss: t(
        0.01,
        "Figure 6's middle theta: ten times below the 0.1 that the paper's weak learners never reach on Fashion-MNIST, and far above the 1e-4 its strong learners reach",
      ),
      poorLoss: t(0.1, "the paper's example of a moderate loss that poor learners 'fail to reach' (Section 5, Figure 6)"),
      maxShareOfFar: t(
        1,
        "the paper's 'far' is comparative, 'only ... if it is either (i) a poor learner ... or (ii) when it crosses over' (Section 6): nearer than the nearest of those, with no margin added",
      ),
    },
    requires: { minEpochs: 100, minEvents: 1 },
  },
  {
    id: "copt-wide-near-one",
    source: "Appendix A, Figure A1",
    quote:
      "In large networks, the fitted slope of the peaks, c_opt, is very close 1 in all layers (even for very large training times), independently of the width.",
    statement: "In wide networks c_opt, averaged over seeds, stays close to 1 in every layer at every analysed epoch, with little spread across seeds.",
    scope: HASY,
    central: true,
    quantity: "per wide width, layer and analysed epoch: mean and standard deviation of c_opt over seeds",
    check: "copt-wide-near-one",
    tolerances: {
      wideMin: WIDE_MIN,
      tolerance: t(
        0.1,
        "'very close to 1' against the 'significant deviations' below the threshold, which are of order 1 (c_opt of 2 or more at width 10 in this project's runs): a tenth of the slope",
      ),
      maxSpread: t(0.05, "below the threshold c_opt 'strongly fluctuates among realizations'; above it the seeds agree to within half the closeness allowed"),
    },
    requires: { minEpochs: 100, minSeeds: 2 },
  },
  {
    id: "copt-departs-below-threshold",
    source: "Appendix A, Figure A1",
    quote:
      "Below the width threshold for the network to be trainable, of about 300 nodes per hidden layer, the slope c_opt shows significant deviations from 1, and its value strongly fluctuates among realizations of the initialization and training.",
    statement: "Below the trainability width c_opt departs from 1 and fluctuates across seeds, far more than in wide networks.",
    scope: HASY,
    quantity:
      "last analysed epoch, per layer: |mean c_opt - 1| and its spread across seeds, diverging widths below the trainability width against the wide widths",
    check: "copt-departs-below-threshold",
    tolerances: {
      wideMin: WIDE_MIN,
      minDeparture: t(0.1, "'significant deviations': at least the closeness that wide networks are held to"),
      minRatio: t(2, "the departure and the spread must at least double across the threshold to be a transition rather than a trend"),
    },
    requires: { minEpochs: 100, minSeeds: 2 },
  },
  {
    id: "moments-same-transition",
    source: "Appendix A, Figure A2",
    quote:
      "while above a width of about 300 nodes the values of a0 and a1 are stable, below the threshold they suffer an abrupt change at some moment of training. The dispersion of the trained weights around their initial value ... for the set of weights that are initialized with the value w_i = 0, displaying the same transition at a width of about 300.",
    statement: "a0, a1 and sigma(0) are stable in wide networks and change abruptly at some moment in diverging networks below the threshold.",
    scope: HASY,
    quantity:
      "per (run, layer), from epoch 10: the largest change of a0, a1 and sigma(0) between consecutive analysed epochs; diverged runs below the trainability width against the wide widths",
    check: "moments-transition",
    tolerances: {
      wideMin: WIDE_MIN,
      fromEpoch: FROM_EPOCH,
      minRatio: t(
        3,
        "'stable' against 'an abrupt change': the largest step below the threshold must be several times the largest step anywhere in a wide network",
      ),
    },
    requires: { minEpochs: 100, minEvents: 1 },
  },
  {
    id: "simultaneous-change",
    source: "Appendix A; Abstract",
    quote: "Combined, these figures show the simultaneousness of the abrupt increase in the loss and of the deviation from the initial configuration.",
    statement: "In a diverging network c_opt, a0, a1 and sigma(0) change most at the epoch the loss jumps.",
    scope: HASY,
    central: true,
    quantity: "per diverged run, quantity and layer: the interval between analysed epochs with the largest change, against [t_div - 1, t_div_plateau + 1]",
    check: "simultaneous-change",
    tolerances: {
      fromEpoch: FROM_EPOCH,
      maxBracketShare: t(0.25, "analyses further apart than a quarter of t_div cannot place a change at the jump rather than merely near it"),
      minFraction: MOST,
    },
    requires: { minEpochs: 100, minEvents: 2 },
  },
  {
    id: "sigma-nonzero-like-zero",
    source: "Appendix A, Figure A2",
    quote: "We observed that the distribution of trained weights for other w_i ≠ 0 behaves similarly with the variation of the network's width.",
    statement: "sigma(w_i) at w_i != 0 varies with width as sigma(0) does.",
    scope: HASY,
    quantity: "per layer, last analysed epoch: mean over seeds of sigma(+-L/2) and of sigma(0), their rank correlation across widths",
    check: "sigma-nonzero-like-zero",
    tolerances: { minRankCorrelation: t(0.8, "'behaves similarly': the two move together across widths, with at most one adjacent pair swapped") },
    requires: { minEpochs: 100, minWidths: 3 },
  },
  {
    id: "large-weights-grow",
    source: "Section 4, Figure 3",
    quote: "The figure demonstrates that initially large weights in absolute value have a tendency to become even larger, keeping their original sign",
    statement:
      "In the widest network, the mean of w_f grows faster than w_i (a1 > 1), and the median w_f of the outermost w_i bins keeps their sign and lies further from 0.",
    scope: HASY,
    central: true,
    quantity: "widest width, last analysed epoch, every (run, layer): a1; median w_f of the outermost populated w_i bins against their centres",
    check: "large-weights-grow",
    tolerances: { minFraction: MOST, minBinCount: BIN },
    requires: { minEpochs: 100 },
  },
  {
    id: "band-tilts",
    source: "Section 4, Figure 3",
    quote:
      "This trend can be observed in the plot by the tilt of the interquartile range (yellow region in the middle) with respect to the median (dotted line).",
    statement: "The interquartile band of w_f tilts away from the median at large |w_i|: skewed outward at both ends.",
    scope: HASY,
    quantity: "widest width, last analysed epoch, every (run, layer): quartiles of w_f in the outermost populated w_i bins",
    check: "band-tilts",
    tolerances: { minFraction: MOST, minBinCount: BIN },
    requires: { minEpochs: 100 },
  },
  {
    id: "median-follows-identity",
    source: "Section 4, Figure 3",
    quote:
      "it also shows the maximum concentration of weights near the line w_f = w_i, indicating that most weights either change very little or nothing at all throughout training",
    statement: "In the widest network the median of w_f follows w_f = w_i, and the weights at fixed w_i spread over a small part of the initial range.",
    scope: HASY,
    central: true,
    quantity:
      "widest width, last analysed epoch, every (run, layer): |median w_f - w_i| per populated bin, and the median interquartile range, as shares of the initial half-range L",
    check: "median-follows-identity",
    tolerances: {
      maxMedianOffset: t(0.1, "a tenth of the initial half-range is two bins of Figure 3's 20: a median further off would be seen to leave the diagonal"),
      maxSpread: t(
        0.2,
        "'most weights change very little': half of them stay within a band a fifth of the initial half-range wide (the bin itself is a tenth wide)",
      ),
      minBinCount: BIN,
    },
    requires: { minEpochs: 100 },
  },
  {
    id: "mask-keeps-loss",
    source: "Section 4, Figure 1a",
    quote:
      "Even more surprisingly, these marks do not affect the quality of training. Independently of the shape marked (or whether there is a mark or not) the network trains to approximately the same loss across different realizations of initial weights.",
    statement: "A mask stamped into the initial weights does not change the minimum losses the network trains to.",
    scope: HASY,
    quantity: "per width and settings: mean minimum train and test loss of masked runs against unmasked runs",
    check: "mask-keeps-loss",
    tolerances: {
      maxRelativeDifference: t(0.1, "'approximately the same loss': within a tenth, far below the factors between widths that the paper's figures show"),
      standardErrors: t(2, "a difference within two standard errors of the seeds' spread is noise at the 95% level"),
    },
    requires: { minEpochs: 100, minEvents: 2 },
  },
  {
    id: "mask-shape-keeps-loss",
    source: "Section 4, Figure 1a",
    quote:
      "Independently of the shape marked (or whether there is a mark or not) the network trains to approximately the same loss across different realizations of initial weights.",
    statement: "Masks of different shapes lead to the same minimum losses.",
    scope: HASY,
    quantity: "per width and settings run with two or more mask shapes: each shape's mean minimum train and test loss against the others'",
    check: "mask-shape-keeps-loss",
    tolerances: {
      maxRelativeDifference: t(0.1, "'approximately the same loss': within a tenth"),
      standardErrors: t(2, "a difference within two standard errors of the seeds' spread is noise at the 95% level"),
    },
    requires: { minEpochs: 100, minEvents: 2 },
  },
  {
    id: "mask-visible-wide",
    source: "Section 4, Figure 1a",
    quote: "One can see that the letter is clearly visible after training for as many as 1000 epochs.",
    statement: "In a wide network the letter is still visible after 1000 epochs.",
    scope: HASY,
    quantity: "final mask contrast (mean |w| outside the letter over inside) of masked wide runs that did not diverge",
    check: "mask-visible",
    tolerances: {
      wideMin: WIDE_MIN,
      maxContrast: t(0.5, "outside weights at half the inside's magnitude still leave the letter clearly visible in Figure 1's colour map; at 1 it is gone"),
    },
    requires: { minEpochs: 1000, minEvents: 1 },
  },
  {
    id: "mask-lost-at-divergence",
    source: "Section 4, Figure 1b",
    quote:
      "the initial configuration of weights of these unstable networks tend to be progressively lost, suffering the largest changes when the networks diverge (loss function sharply increases at some moment)",
    statement: "In a diverging network the mask is gone by the end, and most of it is lost at the jump.",
    scope: HASY,
    quantity: "per masked diverged run: final mask contrast, and the share of its rise across [t_div - 1, t_div_plateau + 1]",
    check: "mask-lost-at-divergence",
    tolerances: {
      minFinalContrast: t(0.8, "contrast near 1 means the outside weights are as large as the inside's: the letter is gone"),
      minShareAtJump: t(0.5, "'the largest changes when the networks diverge': most of the loss of contrast happens at the jump"),
      minFraction: MOST,
    },
    requires: { minEpochs: 100, minEvents: 1 },
  },
  {
    id: "mask-lost-progressively",
    source: "Section 4, Figure 1b",
    quote: "the initial configuration of weights of these unstable networks tend to be progressively lost",
    statement: "Before the jump, an unstable network's mask fades steadily.",
    scope: HASY,
    quantity: "per masked diverged run: the share of the contrast's rise before t_div - 1, and its rank correlation with the epoch before the jump",
    check: "mask-lost-progressively",
    tolerances: {
      minShareBefore: t(0.1, "'progressively lost' before the jump: at least a tenth of the fading is not the jump's"),
      minTrend: t(0.8, "a steady fade, not noise: the contrast rises with the epoch almost monotonically"),
      minFraction: MOST,
    },
    requires: { minEpochs: 100, minEvents: 1 },
  },
];
