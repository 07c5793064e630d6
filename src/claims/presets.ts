import type { Activation } from "../model/activation.js";
import type { Initializer } from "../model/init.js";
import { CONDENSATION_CLAIMS } from "./condensation-claims.js";
import { HESSIAN_INIT_CLAIMS } from "./hessian-init-claims.js";
import { PAPER_CLAIMS } from "./paper-claims.js";
import type { ClaimSpec } from "./spec.js";

/**
 * The designs `initdrift reproduce` runs: the paper's study, and a laptop
 * version of it. Each part is one sweep (datasets x widths x seeds); options
 * given on the command line replace a part's value in every part.
 */
export interface StudyPart {
  /** The figures this part feeds. */
  figures: string;
  datasets: string[];
  widths: number[];
  runs: number;
  epochs: number;
  /** A glyph stamped into W2's initial weights (Figure 1). */
  mask?: string;
  trainLimit?: number;
  testLimit?: number;
  /** Hidden layers (default 2, the paper's). */
  depth?: number;
  /** Activations to run (default ReLU). */
  activations?: Activation[];
  /** Initialisers to run (default Glorot uniform). */
  inits?: Initializer[];
  /** Initial scales to run (default 1). */
  initScales?: number[];
  /** Analyse every n-th epoch (default: the snapshot epochs). */
  analyzeEvery?: number;
  /** Record the hidden layers' orientation cluster sizes (the condensation study). */
  clusters?: boolean;
  /** Record the Hessian's top eigenvalues and the layers' curvature gains at analysed epochs (the Hessian-initialisation study). */
  hessian?: boolean;
  /** Training samples the top eigenvalues are measured on. */
  hessianSamples?: number;
}

export interface Preset {
  name: string;
  description: string;
  /** Why these widths, seeds and lengths. */
  why: string;
  parts: StudyPart[];
}

/**
 * Widths: the paper gives only the range 10-1000. Log-spaced from 10 to
 * 1000, and denser around HASYv2's trainability threshold (about 300), with
 * the widths its Figure 1 names (256 and 512), so the threshold can be
 * located and t_div's growth towards it seen.
 */
const PAPER_HASY_WIDTHS = [10, 30, 50, 100, 150, 200, 256, 300, 400, 512, 1000];
const PAPER_IDX_WIDTHS = [10, 30, 100, 300, 1000];

export const PRESETS: Record<string, Preset> = {
  paper: {
    name: "paper",
    description: "the paper's design: MNIST, Fashion-MNIST and HASYv2 fold 1, widths 10-1000, 1000 epochs, the paper's seeds per figure",
    why: "Figures 4, A1 and A2 average ten realisations on HASYv2; Figures 5 and 6 five per width on each dataset (HASYv2's are the first five of the ten); Figure 1 shows single masked runs of width 512 and 256 on HASYv2. Widths: log-spaced 10-1000, denser near HASYv2's threshold of about 300 and with Figure 1's 256 and 512 (the paper gives only the range).",
    parts: [
      { figures: "Figures 4, 5, 6, A1, A2 (HASYv2)", datasets: ["hasyv2"], widths: PAPER_HASY_WIDTHS, runs: 10, epochs: 1000 },
      { figures: "Figures 5, 6 (MNIST, Fashion-MNIST)", datasets: ["mnist", "fashion-mnist"], widths: PAPER_IDX_WIDTHS, runs: 5, epochs: 1000 },
      { figures: "Figures 1, 3 (masked W2)", datasets: ["hasyv2"], widths: [512, 256], runs: 1, epochs: 1000, mask: "a" },
    ],
  },
  laptop: {
    name: "laptop",
    description:
      "what a laptop can test in under an hour on 2 cores: MNIST and Fashion-MNIST on their whole training and test sets, widths 10, 30, 100, 3 seeds, 1000 epochs; masked and unmasked width-300 Fashion-MNIST runs on a 6,000-sample subset",
    why: "Figures 5 and 6 are the paper's claims about MNIST and Fashion-MNIST, and they quote whole-set losses after up to 1000 epochs (\"no network of width 10 reaches a loss of 0.1, whereas networks of width 100 reach losses that are three orders of magnitude smaller\"): so these runs use the whole sets, at the widths that fit an hour (10 weak, 30 and 100 the paper's unstable and strong learners on Fashion-MNIST), with 3 seeds for spreads and leave-one-seed-out checks. A subset would let every width memorise its data to the same floor. The masked Figure 1 runs and the wide-network statistics of Figures 3, A1 and A2 are HASYv2 claims: here they run as extensions on Fashion-MNIST width 300 (2 masked, 2 unmasked seeds), on a subset, since width 300 on the whole set costs 40 core-minutes a run. HASYv2 is not in this preset: its claims need widths up to 1000 on 151,000 images for 1000 epochs (the paper preset, about 470 core-hours), and the claims table says so.",
    parts: [
      { figures: "Figures 5, 6 (MNIST, Fashion-MNIST; whole sets)", datasets: ["mnist", "fashion-mnist"], widths: [10, 30, 100], runs: 3, epochs: 1000 },
      {
        figures: "Figures 1, 3, A1, A2 as extensions (width 300, masked W2 and unmasked)",
        datasets: ["fashion-mnist"],
        widths: [300],
        runs: 2,
        epochs: 1000,
        mask: "a",
        trainLimit: 6000,
        testLimit: 2000,
      },
      {
        figures: "Figures 3, A1, A2 as extensions (width 300, unmasked)",
        datasets: ["fashion-mnist"],
        widths: [300],
        runs: 2,
        epochs: 1000,
        trainLimit: 6000,
        testLimit: 2000,
      },
    ],
  },
};

export const PRESET_NAMES = Object.keys(PRESETS);

/**
 * The condensation study (Zhou et al., arXiv 2105.11686). One hidden layer:
 * from a small start a network of two or more hidden layers stays on its
 * loss plateau far longer (the gradient of each layer is scaled by the
 * others' small weights; two tanh layers at scale 0.03 had not left it after
 * 10 epochs), and the paper's count is about one layer's input weights.
 */
export const CONDENSATION_PRESETS: Record<string, Preset> = {
  laptop: {
    name: "laptop",
    description:
      "MNIST on a 6,000-image subset, one hidden layer of 100, ReLU, tanh, x tanh x and x^2 tanh x, initial scale 1e-9 (small) and 1 (Glorot), 2 seeds, 12 epochs analysed every epoch with cluster sizes: under a minute on 2 cores",
    why: "The claims are about the initial stage of training, the loss plateau of a small start: a scale of 1e-9 keeps ReLU and tanh layers on it for about 7 epochs of a 6,000-image subset (and x tanh x, whose gradient vanishes with the weights, on it for good), so every epoch is analysed; 12 epochs see each leave it. Each activation at the standard scale is the contrast. Two seeds per setting for the leave-one-seed-out check.",
    parts: [
      {
        figures: "condensation against epoch, per activation and scale",
        datasets: ["mnist"],
        widths: [100],
        depth: 1,
        activations: ["relu", "tanh", "xtanh", "x2tanh"],
        initScales: [1e-9, 1],
        runs: 2,
        epochs: 12,
        trainLimit: 6000,
        testLimit: 1000,
        analyzeEvery: 1,
        clusters: true,
      },
    ],
  },
};

/**
 * The Hessian-initialisation study (Skorski et al., arXiv 2004.09506). The
 * paper's network shape (two ReLU layers of 100) on MNIST, each initialiser
 * the issue names and the principle's own, over scales from an eighth to
 * eight times the scheme's: wide enough that both failures show within 10
 * epochs (a plateau below, a loss that cannot come down above).
 */
export const HESSIAN_INIT_PRESETS: Record<string, Preset> = {
  laptop: {
    name: "laptop",
    description:
      "MNIST on a 6,000-image subset, two ReLU layers of 100, Glorot uniform and normal, He normal, orthogonal and --init hessian, each at 1/8 to 8 times its scale, 2 seeds, 10 epochs, curvature at epochs 0 and 10: under 2 minutes on 2 cores",
    why: "The claims compare initialisations by how they train: a fixed budget of 10 epochs on a 6,000-image subset at the default learning rate separates a network stuck on its plateau (scale 1/8: the logits start 512 times smaller) from one that cannot bring a blown-up loss down (scale 8) and from the ones between. Seven scales per initialiser in factors of 2 give each initialiser's curve; two seeds for the leave-one-seed-out check. The curvature (top eigenvalues and gains) is measured at epoch 0, where the claims read it, and at the end.",
    parts: [
      {
        figures: "Hessian norm per layer against scale, beside the training outcome",
        datasets: ["mnist"],
        widths: [100],
        inits: ["glorot-uniform", "glorot-normal", "he-normal", "orthogonal", "hessian"],
        initScales: [0.125, 0.25, 0.5, 1, 2, 4, 8],
        runs: 2,
        epochs: 10,
        trainLimit: 6000,
        testLimit: 1000,
        analyzeEvery: 10,
        hessian: true,
        hessianSamples: 512,
      },
    ],
  },
};

/** A study `reproduce --study` runs: its paper, its designs and the claims they test. */
export interface Study {
  name: string;
  /** The paper, as claims.json names it. */
  paper: string;
  presets: Record<string, Preset>;
  claims: readonly ClaimSpec[];
}

export const STUDIES: Record<string, Study> = {
  paper: { name: "paper", paper: "Jesus et al. 2021, Mathematics 9(18) 2246", presets: PRESETS, claims: PAPER_CLAIMS },
  condensation: {
    name: "condensation",
    paper: "Zhou et al., Towards Understanding the Condensation of Neural Networks at Initial Training, arXiv 2105.11686 (abstract)",
    presets: CONDENSATION_PRESETS,
    claims: CONDENSATION_CLAIMS,
  },
  "hessian-init": {
    name: "hessian-init",
    paper: "Skorski, Temperoni and Theobald, Revisiting Initialization of Neural Networks, arXiv 2004.09506 (abstract)",
    presets: HESSIAN_INIT_PRESETS,
    claims: HESSIAN_INIT_CLAIMS,
  },
};

export const STUDY_NAMES = Object.keys(STUDIES);
