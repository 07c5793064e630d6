import { describe, expect, it } from "vitest";
import { duration } from "../src/run/duration.js";

describe("durations for people", () => {
  it("rounds before splitting, so 59.6 seconds past a minute is the next minute", () => {
    expect([0.4, 59.4, 59.6, 1259.6, 3569, 3571, 7199].map(duration)).toEqual(["0s", "59s", "1m00s", "21m00s", "59m29s", "1h00m", "2h00m"]);
  });
});
