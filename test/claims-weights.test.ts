import { describe, expect, it } from "vitest";
import { diverging, expectFailsOn, expectVerdict, type Quantity, seeds, type Spec } from "./helpers/runs.js";

/** Claims about the statistics of final against initial weights: each holds, fails part by part, and is not testable. */

const hasy = { dataset: "hasyv2", epochs: 1000 } as const;
const stat =
  (values: Partial<Record<Quantity, number | ((epoch: number, seed: number) => number)>>, seed = 1) =>
  (q: Quantity, epoch: number) => {
    const v = values[q];
    return typeof v === "function" ? v(epoch, seed) : v;
  };

describe("c_opt", () => {
  const wide = (values: Parameters<typeof stat>[0]) => seeds({ ...hasy, width: 300 }, 3, (k) => ({ stat: stat(values, k + 1) }));

  it("stays near 1 in wide networks; a mean of 1.2 fails, so does a spread across seeds; no wide width is not testable", () => {
    expectVerdict("copt-wide-near-one", wide({ c_opt: 1.01 }), "reproduced");
    expectFailsOn("copt-wide-near-one", wide({ c_opt: 1.2 }), /\|mean c_opt - 1\|/);
    expectFailsOn("copt-wide-near-one", wide({ c_opt: (_e, s) => 1 + (s - 2) * 0.08 }), /spread of c_opt/);
    expectVerdict("copt-wide-near-one", seeds({ ...hasy, width: 100 }), "not testable");
  });

  /** Diverging width 100 with c_opt per seed, and a stable width 300. */
  const transition = (below: (s: number) => number, wideCopt: (s: number) => number = () => 1.01) => [
    ...seeds({ ...hasy, width: 100, loss: diverging(500) }, 3, (k) => ({ stat: stat({ c_opt: () => below(k + 1) }) })),
    ...seeds({ ...hasy, width: 300 }, 3, (k) => ({ stat: stat({ c_opt: () => wideCopt(k + 1) }) })),
  ];

  it("departs from 1 and fluctuates below the threshold; each part can fail; no divergence is not testable", () => {
    expectVerdict(
      "copt-departs-below-threshold",
      transition((s) => 1.5 + 0.3 * s),
      "reproduced",
    );
    expectFailsOn(
      "copt-departs-below-threshold",
      transition(
        (s) => 1.02 + 0.01 * s,
        (s) => 1 + 0.001 * s,
      ),
      /largest departure of c_opt from 1 below the threshold 0\.0/,
    );
    expectFailsOn(
      "copt-departs-below-threshold",
      transition(
        (s) => 1.3 + 0.3 * s,
        (s) => 1.5 + 0.01 * s,
      ),
      /ratio of the departure/,
    );
    expectFailsOn(
      "copt-departs-below-threshold",
      transition(
        () => 2,
        (s) => 1.01 + 0.01 * s,
      ),
      /ratio of the spread/,
    );
    expectVerdict("copt-departs-below-threshold", seeds({ ...hasy, width: 300 }), "not testable");
  });
});

describe("a0, a1 and sigma(0) across the transition, and their timing", () => {
  /** Width 100 diverges at 500 and its moments step there; width 300 is stable. */
  const runs = (belowStep: Partial<Record<Quantity, number>>, analysed?: number[]) => [
    ...seeds({
      ...hasy,
      width: 100,
      loss: diverging(500),
      analysed,
      stat: (q, e) => (e >= 500 ? { c_opt: 1.5, a0: 0.01, a1: 1.5, sigma0: 0.02 }[q] * (belowStep[q] ?? 1) : { c_opt: 1, a0: 0, a1: 1.02, sigma0: 0.001 }[q]),
    }),
    ...seeds({ ...hasy, width: 300, analysed }),
  ];
  const dense = [0, 1, 10, 100, 200, 300, 400, 480, 520, 600, 700, 800, 900, 1000];

  it("moments: stable above, abrupt below; fails when one quantity does not move; not testable without divergence", () => {
    expectVerdict("moments-same-transition", runs({}), "reproduced");
    expectFailsOn("moments-same-transition", runs({ a0: 0 }), /a0: largest change/);
    expectFailsOn("moments-same-transition", runs({ a1: 1.02 / 1.5 }), /a1: largest change/);
    const r = expectFailsOn("moments-same-transition", runs({ sigma0: 0.05 }), /sigma0: largest change/);
    expect((r.evidence.hasyv2 as { decided_by: string }).decided_by).toMatch(/regression/);
    expectVerdict("moments-same-transition", seeds({ ...hasy, width: 300 }), "not testable");
  });

  it("simultaneous change: the largest change brackets t_div when analysed densely; elsewhere it fails; sparse analyses are not testable", () => {
    expectVerdict("simultaneous-change", runs({}, dense), "reproduced");
    const elsewhere = seeds({
      ...hasy,
      width: 100,
      loss: diverging(500),
      analysed: dense,
      stat: (q, e) => (e >= 200 ? 2 : 1) * { c_opt: 1, a0: 0.01, a1: 1, sigma0: 0.01 }[q],
    });
    expectFailsOn("simultaneous-change", elsewhere, /brackets the jump 0/);
    expect(expectVerdict("simultaneous-change", runs({}), "not testable").reason).toMatch(/--analyze-every/);
  });

  it("sigma at w_i != 0 follows sigma(0) across widths; opposite trends fail; two widths are not testable", () => {
    const across = (half: (w: number) => number) =>
      [10, 30, 100, 300].flatMap((w) => seeds({ ...hasy, width: w, stat: stat({ sigma0: 0.1 / w }), sigmaHalf: half(w) }));
    expectVerdict(
      "sigma-nonzero-like-zero",
      across((w) => 0.2 / w),
      "reproduced",
    );
    expectFailsOn(
      "sigma-nonzero-like-zero",
      across((w) => 0.001 * w),
      /sigma\(\+-L\/2\) with sigma\(0\)/,
    );
    expectVerdict(
      "sigma-nonzero-like-zero",
      [10, 300].flatMap((w) => seeds({ ...hasy, width: w })),
      "not testable",
    );
  });
});

describe("Figure 3: the cloud of (w_i, w_f) in the widest network", () => {
  const widest = (extra: Partial<Spec>) => seeds({ ...hasy, width: 512, ...extra });
  const inward = { q25: [-0.085, -0.03, 0.02, 0.06], median: [-0.08, -0.025, 0.025, 0.08], q75: [-0.06, -0.02, 0.03, 0.085] };

  it("large weights grow keeping their sign: holds; fails on a1 and on the medians; not testable without analyses", () => {
    expectVerdict("large-weights-grow", widest({}), "reproduced");
    expectFailsOn("large-weights-grow", widest({ stat: stat({ a1: 0.9 }) }), /a1 > 1 0/);
    const shrinking = { q25: [-0.08, -0.04, 0.01, 0.06], median: [-0.07, -0.025, 0.025, 0.07], q75: [-0.06, -0.01, 0.04, 0.08] };
    expectFailsOn("large-weights-grow", widest({ bands: shrinking }), /grow keeping their sign 0/);
    expectVerdict("large-weights-grow", widest({ analysed: [0] }), "not testable");
  });

  it("the interquartile band tilts outward; a band skewed inward fails", () => {
    expectVerdict("band-tilts", widest({}), "reproduced");
    expectFailsOn("band-tilts", widest({ bands: inward }), /tilts outward 0/);
  });

  it("the median follows w_f = w_i and most weights barely move; a shifted median or a wide band fails", () => {
    expectVerdict("median-follows-identity", widest({}), "reproduced");
    const shifted = { q25: [-0.1, -0.02, 0.02, 0.1], median: [-0.095, 0.01, 0.04, 0.1], q75: [-0.09, 0.02, 0.05, 0.11] };
    expectFailsOn("median-follows-identity", widest({ bands: shifted }), /median offset/);
    const spread = { q25: [-0.12, -0.06, -0.01, 0.04], median: [-0.075, -0.025, 0.025, 0.075], q75: [-0.03, 0.01, 0.06, 0.11] };
    expectFailsOn("median-follows-identity", widest({ bands: spread }), /interquartile range/);
  });
});
