import { describe, expect, it } from "vitest";
import { snapshotEpochs, analysisEpochs } from "../src/run/schedule.js";

describe("snapshot and analysis schedules", () => {
  it("log gives about four epochs per decade plus 0 and the last", () => {
    expect(snapshotEpochs("log", 100)).toEqual([0, 1, 2, 3, 6, 10, 18, 32, 56, 100]);
    expect(snapshotEpochs("log", 25)).toEqual([0, 1, 2, 3, 6, 10, 18, 25]);
  });

  it("takes a list or none, always with 0 and the last", () => {
    expect(snapshotEpochs("0,5,3,500", 20)).toEqual([0, 3, 5, 20]);
    expect(snapshotEpochs("none", 7)).toEqual([0, 7]);
    expect(() => snapshotEpochs("1,x", 7)).toThrow(/--snapshots takes/);
  });

  it("--analyze-every N overrides the snapshot epochs", () => {
    expect(analysisEpochs([0, 1, 10], 10)).toEqual([0, 1, 10]);
    expect(analysisEpochs([0, 10], 10, 4)).toEqual([0, 4, 8, 10]);
  });
});
