/** Options a user can get wrong are user errors: one line naming the option, a non-zero exit, never "internal error". */
import { describe, expect, it } from "vitest";
import { initdrift } from "./helpers/cli.js";

describe("names that are also properties of every JavaScript object are plain unknown names", () => {
  it.each([
    ["train", "--dataset", "constructor", "--epochs", "1"],
    ["sweep", "--datasets", "__proto__", "--widths", "8", "--epochs", "1"],
    ["reproduce", "--datasets", "toString", "--dry-run"],
    ["data", "fetch", "constructor"],
    ["data", "import", "__proto__", "."],
  ])("%s %s %s", (...args) => {
    const r = initdrift([...args]);
    expect(r.status).not.toBe(0);
    expect(r.status).not.toBe(70);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/unknown dataset '(constructor|__proto__|toString)'/);
  });
});
