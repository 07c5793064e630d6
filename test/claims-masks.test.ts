import { describe, expect, it } from "vitest";
import { decaying, diverging, expectFailsOn, expectVerdict, seeds } from "./helpers/runs.js";

/** Claims about masks stamped into the initial weights: each holds, fails part by part, and is not testable. */

const hasy = { dataset: "hasyv2", epochs: 1000 } as const;

describe("a mask and the loss", () => {
  const plain = () => seeds({ ...hasy, width: 300 });

  it("a mask keeps the loss: holds when masked runs match, fails when they train worse, not testable with one masked run", () => {
    expectVerdict("mask-keeps-loss", [...plain(), ...seeds({ ...hasy, width: 300, mask: "a" })], "reproduced");
    expectFailsOn("mask-keeps-loss", [...plain(), ...seeds({ ...hasy, width: 300, mask: "a", loss: decaying(0.2) })], /masked-unmasked loss gap/);
    const one = expectVerdict("mask-keeps-loss", [...plain(), ...seeds({ ...hasy, width: 300, mask: "a" }, 1)], "not testable");
    expect(one.reason).toMatch(/1 masked runs .*needs at least 2/);
  });

  it("the shape does not matter: two letters train alike, a worse one fails, one shape is not testable", () => {
    const a = seeds({ ...hasy, width: 300, mask: "a" });
    expectVerdict("mask-shape-keeps-loss", [...a, ...seeds({ ...hasy, width: 300, mask: "b" })], "reproduced");
    expectFailsOn("mask-shape-keeps-loss", [...a, ...seeds({ ...hasy, width: 300, mask: "b", loss: decaying(0.3) })], /between mask shapes/);
    expectVerdict("mask-shape-keeps-loss", a, "not testable");
  });
});

describe("the letter after training", () => {
  it("stays visible in a wide network for 1000 epochs, or it does not; 200 epochs are not testable", () => {
    expectVerdict("mask-visible-wide", seeds({ ...hasy, width: 512, mask: "a" }), "reproduced");
    expectFailsOn("mask-visible-wide", seeds({ ...hasy, width: 512, mask: "a", contrast: (t) => t / 1000 }), /final mask contrast 1/);
    expectVerdict("mask-visible-wide", seeds({ ...hasy, width: 512, epochs: 200, mask: "a" }), "not testable");
  });

  const unstable = (contrast: (t: number) => number) => seeds({ ...hasy, width: 256, epochs: 300, mask: "a", loss: diverging(100), contrast });

  it("is lost at divergence: holds when the contrast jumps there; fails when it stays low or crept up before", () => {
    expectVerdict(
      "mask-lost-at-divergence",
      unstable((t) => (t >= 100 ? 0.95 : 0.05 + t / 10000)),
      "reproduced",
    );
    expectFailsOn(
      "mask-lost-at-divergence",
      unstable((t) => (t >= 100 ? 0.5 : 0.05)),
      /letter is gone at the end 0/,
    );
    expectFailsOn(
      "mask-lost-at-divergence",
      unstable((t) => Math.min(0.95, t / 80)),
      /most of the letter at the jump 0/,
    );
    expectVerdict("mask-lost-at-divergence", seeds({ ...hasy, width: 256, epochs: 300, mask: "a" }), "not testable");
  });

  it("is lost progressively before the jump: holds for a steady fade; fails for a flat or a noisy contrast before the jump", () => {
    expectVerdict(
      "mask-lost-progressively",
      unstable((t) => (t >= 100 ? 0.95 : 0.003 * t)),
      "reproduced",
    );
    expectFailsOn(
      "mask-lost-progressively",
      unstable((t) => (t >= 100 ? 0.95 : 0.01)),
      /part of the letter before the jump 0/,
    );
    expectFailsOn(
      "mask-lost-progressively",
      unstable((t) => (t >= 100 ? 0.95 : 0.2 + 0.1 * Math.sin(t))),
      /rises steadily before the jump 0/,
    );
    expectVerdict("mask-lost-progressively", seeds({ ...hasy, width: 256, epochs: 300, mask: "a" }), "not testable");
  });
});
