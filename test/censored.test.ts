import { describe, expect, it } from "vitest";
import { censoredTime } from "../src/analysis/censored.js";

describe("censored times (Kaplan-Meier)", () => {
  it("with every run reaching the event, the median is the middle event time", () => {
    const t = censoredTime([5, 1, 3].map((time) => ({ time, horizon: 10 })));
    expect(t).toEqual({ runs: 3, reached: 3, fraction: 1, km_median: 3, median_beyond: null });
  });

  it("counts runs that never reached it as beyond the horizon, not as missing", () => {
    // Mean over the runs that reached it: 100. With censoring the median is beyond the horizon.
    const t = censoredTime([
      { time: 100, horizon: 1000 },
      { time: null, horizon: 1000 },
      { time: null, horizon: 1000 },
    ]);
    expect(t.fraction).toBeCloseTo(1 / 3, 12);
    expect(t.km_median).toBeNull();
    expect(t.median_beyond).toBe(1000);
  });

  it("half the runs reaching it by epoch t makes t the median", () => {
    const t = censoredTime([
      { time: 20, horizon: 50 },
      { time: 40, horizon: 50 },
      { time: null, horizon: 50 },
      { time: null, horizon: 50 },
    ]);
    expect(t.km_median).toBe(40);
  });

  it("a run censored early leaves the risk set, as Kaplan-Meier does", () => {
    // Run 3 stopped at epoch 5 without the event: after it, 2 of the remaining 3 events decide.
    const t = censoredTime([
      { time: 10, horizon: 100 },
      { time: 30, horizon: 100 },
      { time: null, horizon: 5 },
      { time: null, horizon: 100 },
    ]);
    // S(10) = 2/3, S(30) = 2/3 * 1/2 = 1/3 <= 1/2.
    expect(t.km_median).toBe(30);
  });

  it("no runs: nothing reached, no median", () => {
    expect(censoredTime([])).toEqual({ runs: 0, reached: 0, fraction: 0, km_median: null, median_beyond: null });
  });
});
