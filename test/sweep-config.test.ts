import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { initdrift } from "./helpers/cli.js";
import { hostileData, oneLine, tmp } from "./helpers/hostile.js";

describe("sweep configs are checked like the command line", () => {
  it.each([
    [{ force: "false" }, /force: expected true or false, got "false"/],
    [{ epochs: true }, /epochs: expected a string, a number or a list of them, got true/],
    [{ widths: [{ a: 1 }] }, /widths: expected a string, a number or a list of them/],
    [[1, 2], /the sweep config must be a JSON object of options/],
  ])("%j", (config, message) => {
    const file = join(tmp(), "c.json");
    writeFileSync(file, JSON.stringify(config));
    oneLine(initdrift(["sweep", "--config", file, "--data-dir", hostileData(), "--no-system-data", "--out", join(tmp(), "s")]), message);
  });
});
