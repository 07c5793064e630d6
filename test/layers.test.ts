import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The layering of src/, lowest first: an import may point down or stay in
 * its own folder, never up or sideways; and the platform-neutral core never
 * imports a node: module (only src/node and src/cli are Node's).
 */
const LAYERS: string[][] = [
  ["codec", "math", "errors.ts", "version.ts"],
  ["model"],
  ["data", "mask"],
  ["train"],
  ["analysis"],
  ["run"],
  ["study"],
  ["claims"],
  ["report"],
  ["node", "web"],
  ["cli"],
];
const NODE_PLATFORM = new Set(["node", "cli"]);

const SRC = fileURLToPath(new URL("../src", import.meta.url));
const unitOf = (file: string): string => relative(SRC, file).split("/")[0]!;
const rankOf = (unit: string): number => LAYERS.findIndex((l) => l.includes(unit));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
  });
}

const imports = sources(SRC).flatMap((file) =>
  [...readFileSync(file, "utf8").matchAll(/^(?:import|export)[^;]*?from\s+"([^"]+)"/gm)].map((m) => ({ file, spec: m[1]! })),
);

describe("layers", () => {
  it("every unit of src/ has a layer", () => {
    const units = [...new Set(sources(SRC).map(unitOf))];
    expect(units.filter((u) => rankOf(u) < 0)).toEqual([]);
  });

  it("imports only point down (or stay within their folder)", () => {
    const up = imports
      .filter(({ spec }) => spec.startsWith("."))
      .flatMap(({ file, spec }) => {
        const from = unitOf(file),
          to = unitOf(normalize(join(dirname(file), spec)));
        return from === to || rankOf(to) < rankOf(from) ? [] : [`${relative(SRC, file)} imports ${spec} (${to} is not below ${from})`];
      });
    expect(up).toEqual([]);
  });

  it("the platform-neutral core imports no node: module", () => {
    const bad = imports
      .filter(({ file, spec }) => spec.startsWith("node:") && !NODE_PLATFORM.has(unitOf(file)))
      .map(({ file, spec }) => `${relative(SRC, file)}: ${spec}`);
    expect(bad).toEqual([]);
  });
});
