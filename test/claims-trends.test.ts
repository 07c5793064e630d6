import { describe, expect, it } from "vitest";
import { decaying, diverging, expectFailsOn, expectVerdict, seeds } from "./helpers/runs.js";

/** Claims about loss and RMSD across widths: each holds, fails part by part, and is not testable, with the data. */

const widths = [10, 30, 100, 300];

describe("minimum loss and drift against width", () => {
  it("wider networks reach lower minima on HASYv2, or the claim fails; two widths are not testable", () => {
    expectVerdict(
      "wider-lower-minimum-loss",
      widths.flatMap((w) => seeds({ dataset: "hasyv2", epochs: 1000, width: w, loss: decaying(1 / w) })),
      "reproduced",
    );
    const r = expectFailsOn(
      "wider-lower-minimum-loss",
      widths.flatMap((w) => seeds({ dataset: "hasyv2", epochs: 1000, width: w, loss: decaying(w / 1000) })),
      /minimum train loss 1 /,
    );
    expect(r.margin).toMatchObject({ value: 1, threshold: -0.8, holds: false });
    expectVerdict(
      "wider-lower-minimum-loss",
      [10, 300].flatMap((w) => seeds({ dataset: "hasyv2", epochs: 1000, width: w })),
      "not testable",
    );
  });

  it("the wider, the smaller RMSD(t_theta); reversed drift fails; thetas nobody reaches are not testable", () => {
    const runs = (rmsd: (w: number) => (t: number) => number, floor = (w: number) => 1 / w) =>
      widths.flatMap((w) => seeds({ width: w, epochs: 1000, loss: decaying(floor(w)), rmsd: rmsd(w) }));
    expectVerdict(
      "wider-smaller-rmsd-at-theta",
      runs((w) => (t) => t / (w * 1000)),
      "reproduced",
    );
    expectFailsOn(
      "wider-smaller-rmsd-at-theta",
      runs((w) => (t) => (t * w) / 1e6),
      /RMSD\(t_theta\)/,
    );
    expectVerdict(
      "wider-smaller-rmsd-at-theta",
      runs(
        (w) => (t) => t / w,
        () => 1.5,
      ),
      "not testable",
    );
  });

  it("wider networks end closer to their start, or the claim fails; two widths are not testable", () => {
    expectVerdict(
      "wider-stays-closer",
      widths.flatMap((w) => seeds({ width: w, rmsd: (t) => t / w })),
      "reproduced",
    );
    expectFailsOn(
      "wider-stays-closer",
      widths.flatMap((w) => seeds({ width: w, rmsd: (t) => (t * w) / 1e5 })),
      /final RMSD 1 /,
    );
    expectVerdict(
      "wider-stays-closer",
      [10, 300].flatMap((w) => seeds({ width: w })),
      "not testable",
    );
  });

  it("narrower networks take longer to reach theta on MNIST; faster narrow ones fail", () => {
    const at = (tau: (w: number) => number) => widths.flatMap((w) => seeds({ width: w, epochs: 1000, loss: (t) => 2.3 * Math.exp(-t / tau(w)) + 1e-5 }));
    expectVerdict(
      "narrower-slower-to-theta",
      at((w) => 3000 / w),
      "reproduced",
    );
    expectFailsOn(
      "narrower-slower-to-theta",
      at((w) => w / 3),
      /with t_theta over the thetas 1 /,
    );
    expectVerdict(
      "narrower-slower-to-theta",
      at(() => 1e9),
      "not testable",
    );
  });

  it("a theta every width reaches at the same epoch is set apart as tied, not read as a trend", () => {
    const runs = widths.flatMap((w) => seeds({ width: w, epochs: 1000, loss: (t) => (t === 0 ? 2.3 : 0.5 * Math.exp(-t / (3000 / w)) + 1e-5) }));
    const r = expectVerdict("narrower-slower-to-theta", runs, "reproduced");
    expect((r.evidence.mnist as { tied_thetas: number[] }).tied_thetas).toEqual([1]);
  });
});

describe("Fashion-MNIST's loss levels", () => {
  const f = (w: number, floor: number) => seeds({ dataset: "fashion-mnist", width: w, epochs: 1000, loss: decaying(floor) });

  it("holds when width 10 stays above 0.1 and width 100 goes below 10^-3.5", () => {
    const r = expectVerdict("fashion-width-10-vs-100", [...f(10, 0.3), ...f(100, 1e-4)], "reproduced");
    expect(r.margin?.name).toMatch(/width/);
  });

  it("fails when width 10 reaches 0.1, and when width 100 stops at 1e-3 (one-sided: lower is never a failure)", () => {
    expectFailsOn("fashion-width-10-vs-100", [...f(10, 0.05), ...f(100, 1e-4)], /lowest train loss of width 10/);
    expectFailsOn("fashion-width-10-vs-100", [...f(10, 0.3), ...f(100, 1e-3)], /mean minimum train loss of width 100/);
    expectVerdict("fashion-width-10-vs-100", [...f(10, 0.3), ...f(100, 1e-7)], "reproduced");
  });

  it("is not testable without width 10, and a training subset is an extension, not the paper's data", () => {
    expect(expectVerdict("fashion-width-10-vs-100", [...f(30, 0.3), ...f(100, 1e-4)], "not testable").reason).toMatch(/no runs of width 10/);
    const subset = [10, 100].flatMap((w) =>
      seeds({ dataset: "fashion-mnist", width: w, epochs: 1000, trainLimit: 6000, loss: decaying(w === 10 ? 0.3 : 1e-4) }),
    );
    const r = expectVerdict("fashion-width-10-vs-100", subset, "not testable");
    expect(r.extensions).toHaveLength(1);
    expect(r.extensions[0]).toMatchObject({ data: "fashion-mnist (6000-sample training subset)", verdict: "reproduced" });
  });
});

describe("weak learners and the vicinity of good minima", () => {
  const drifting = (w: number, extra = {}) => seeds({ width: w, loss: decaying(1 / w), rmsd: (t) => t / (w * 100), ...extra });

  it("weak learners drift furthest: holds, and fails on each of loss, RMSD and growth", () => {
    expectVerdict(
      "weak-learners-drift",
      [10, 100, 300].flatMap((w) => drifting(w)),
      "reproduced",
    );
    expectFailsOn(
      "weak-learners-drift",
      [...drifting(10, { loss: decaying(0.001) }), ...drifting(100), ...drifting(300)],
      /minimum loss over the next highest/,
    );
    expectFailsOn("weak-learners-drift", [...drifting(10, { rmsd: () => 0.001 }), ...drifting(100), ...drifting(300)], /final RMSD over the next largest/);
    expectFailsOn(
      "weak-learners-drift",
      [...drifting(10, { rmsd: (t: number) => Math.min(1, t / 50) }), ...drifting(100), ...drifting(300)],
      /growth over the second half 1 /,
    );
    expectVerdict(
      "weak-learners-drift",
      [100, 300, 512].flatMap((w) => drifting(w)),
      "not testable",
    );
  });

  it("good minima lie nearer the start than the runs that travel far (poor learners, diverged runs); a good run beyond them fails", () => {
    const poor = seeds({ width: 10, loss: decaying(0.5), rmsd: (t) => 0.0005 * t });
    expectVerdict("no-good-minimum-far", [...seeds({ width: 100, loss: decaying(0.001), rmsd: (t) => 0.0002 * t }), ...poor], "reproduced");
    expectFailsOn("no-good-minimum-far", [...seeds({ width: 100, loss: decaying(0.001), rmsd: (t) => 0.001 * t }), ...poor], /over the nearest far run's 2 /);
    // A diverged run is far too.
    const crossed = seeds({ width: 30, loss: diverging(100), rmsd: (t) => 0.0001 * t });
    expectFailsOn("no-good-minimum-far", [...seeds({ width: 100, loss: decaying(0.001), rmsd: (t) => 0.0002 * t }), ...crossed], /nearest far run/);
    const r = expectVerdict("no-good-minimum-far", seeds({ width: 100, loss: decaying(0.001) }), "not testable");
    expect(r.reason).toMatch(/no run to compare with/);
    expectVerdict("no-good-minimum-far", poor, "not testable");
  });
});
