import { describe, expect, it } from "vitest";
import type { Manifest } from "../src/run/manifest.js";
import { withDefaults } from "../src/train/config.js";
import { type Change, type PageRunState, PageStore } from "../src/web/store.js";

/** The page's state moves only through the store's transitions; these are the ones its controls and workers use. */
const run = (id: number): PageRunState => ({
  id,
  seed: id + 1,
  config: withDefaults({ dataset: "mnist", hiddenWidths: [10, 10], epochs: 3, seed: id + 1 }),
  name: `run-${id}`,
  mask: undefined,
  liveLayer: "W1",
  record: { snapshots: [0, 3], analysis: [0, 3], thetas: [0.1] },
  rows: [],
  analyses: [],
  weights: new Map(),
  status: "queued",
});

describe("the page's store", () => {
  it("queues planned runs, starts them in order, and tells its listeners what changed", () => {
    const store = new PageStore();
    const seen: Change["what"][] = [];
    store.onChange((c) => seen.push(c.what));
    store.planRuns([run(0), run(1)]);
    expect(store.queued).toBe(2);
    expect(store.startNext()?.id).toBe(0);
    expect(store.runs[0]!.status).toBe("running");
    expect(store.active).toBe(true);
    store.addWeights(0, 0, { rows: 1, cols: 2, data: Float32Array.from([0.5, -2]) });
    expect(store.runs[0]!.limit).toBe(2);
    store.finish(0, { status: "completed" } as Manifest, new Map([["manifest.json", new Uint8Array(1)]]));
    expect(store.runs[0]!.status).toBe("completed");
    expect(seen).toEqual(["runs", "run", "run", "run"]);
  });

  it("stop leaves the queued runs resumable, and resume queues exactly those", () => {
    const store = new PageStore();
    store.planRuns([run(0), run(1), run(2)]);
    store.startNext();
    store.stop();
    expect(store.queued).toBe(0);
    expect(store.startNext()).toBeUndefined();
    expect(store.runs.map((r) => r.status)).toEqual(["running", "interrupted", "interrupted"]);
    store.finish(0, { status: "interrupted" } as Manifest, new Map());
    expect(store.resume()).toBe(3);
    expect(store.queued).toBe(3);
    store.fail(1, "boom");
    expect(store.runs[1]!.status).toBe("failed");
    expect(store.runs[1]!.error).toBe("boom");
  });

  it("a verification answers for the opened run it was started on, once", () => {
    const store = new PageStore();
    const verdicts: Change[] = [];
    store.onChange((c) => c.what === "verified" && verdicts.push(c));
    store.open({ runs: [{}, {}] } as never);
    store.verifyStarted(7, 1);
    expect(store.verificationsLeft).toBe(1);
    store.verifyEnded({ id: 7 }, true, "reproduced");
    store.verifyEnded({ id: 7 }, true, "again");
    expect(verdicts).toEqual([{ what: "verified", index: 1, ok: true, text: "reproduced" }]);
    expect(store.verificationsLeft).toBe(0);
  });
});
