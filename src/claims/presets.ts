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
      "the paper's study shrunk to under an hour on 2 cores: 6,000 training and 2,000 test samples per dataset, widths 10-300, 3 seeds, 1000 epochs, masked width-300 runs",
    why: "Every claim that can show at this scale: 1000 epochs on a 6,000-sample subset is 47,000 SGD steps per run, deep into the overfitting regime where the paper's divergences happen; 3 seeds give spreads and standard errors; widths 10, 30, 100 and 300 span weak to strong learners; masked width-300 runs with two seeds on Fashion-MNIST test that a mask neither changes the loss nor fades in a wide network. HASYv2 runs when it is installed. Claims that quote absolute losses on the full training set are not testable on a subset, and say so.",
    parts: [
      {
        figures: "Figures 4, 5, 6, A1, A2",
        datasets: ["mnist", "fashion-mnist", "hasyv2"],
        widths: [10, 30, 100, 300],
        runs: 3,
        epochs: 1000,
        trainLimit: 6000,
        testLimit: 2000,
      },
      { figures: "Figures 1, 3 (masked W2)", datasets: ["fashion-mnist"], widths: [300], runs: 2, epochs: 1000, mask: "a", trainLimit: 6000, testLimit: 2000 },
    ],
  },
};

export const PRESET_NAMES = Object.keys(PRESETS);
