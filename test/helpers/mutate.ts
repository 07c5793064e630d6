/**
 * Mutators for the fuzz tests (fuzz-readers, fuzz-cli): bytes flipped, cut,
 * inserted or repeated; JSON values swapped for values of other types or
 * removed; documents "downgraded" as an older writer would have left them.
 * Each takes a seeded Rng, so a failing case can be replayed. And the
 * fixture they start from: a real run, trained and packed.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type { Rng } from "../../src/math/rng.js";
import { initdrift } from "./cli.js";
import { makeDataset, writeIdxDataset } from "./data.js";

export interface FuzzFixture {
  root: string;
  data: string;
  /** A 2-epoch run with snapshots 0, 1, 2. */
  run: string;
  /** That run packed with its snapshots. */
  pkg: string;
  /** train's options for runs like it. */
  train: string[];
}

/** A real, valid original for the mutators to start from. */
export function fuzzFixture(): FuzzFixture {
  const root = mkdtempSync(join(tmpdir(), "initdrift-fuzz-"));
  const data = join(root, "data");
  const run = join(root, "run");
  const pkg = join(root, "run.tar.gz");
  const train = ["--data-dir", data, "--no-system-data", "--width", "8", "--epochs", "2", "--train-limit", "300", "--test-limit", "60", "--quiet"];
  writeIdxDataset(join(data, "mnist"), makeDataset({ train: 300, test: 60, side: 28, classes: 10 }));
  const t = initdrift(["train", ...train, "--snapshots", "0,1,2", "--out", run]);
  expect(t.stderr).toBe("");
  expect(initdrift(["pack", root, "-o", pkg, "--quiet", "--with-snapshots"]).status).toBe(0);
  return { root, data, run, pkg, train };
}

// Prototype names stand among the strings: a lookup by a document's value must never find Object's own members.
export const WEIRD: unknown[] = [
  "",
  "x",
  "16",
  "__proto__",
  "constructor",
  "toString",
  -1,
  0,
  0.5,
  1,
  1e308,
  -1e308,
  2 ** 53,
  4294967296,
  null,
  true,
  false,
  [],
  {},
  [1, "a"],
  { a: 1 },
  "€".repeat(300),
];

/** A document "downgraded": format_version 1 and every hash of its own dropped, as an older writer would have left it. */
export function downgrade(text: string): string {
  const doc = JSON.parse(text) as Record<string, unknown>;
  if (typeof doc !== "object" || doc === null || !("format_version" in doc)) return text;
  doc.format_version = 1;
  for (const k of Object.keys(doc)) if (k.endsWith("_sha256") && k !== "config_sha256") delete doc[k];
  return JSON.stringify(doc, null, 2);
}

export function mutateBytes(bytes: Uint8Array, rng: Rng): Uint8Array {
  const out = new Uint8Array(bytes);
  switch (rng.below(4)) {
    case 0: // flip a few bytes
      for (let k = 1 + rng.below(8); k > 0; k--) out[rng.below(out.length)] = rng.below(256);
      return out;
    case 1: // cut
      return out.subarray(0, rng.below(out.length));
    case 2: {
      // insert junk
      const at = rng.below(out.length);
      const junk = Uint8Array.from({ length: 1 + rng.below(600) }, () => rng.below(256));
      return new Uint8Array([...out.subarray(0, at), ...junk, ...out.subarray(at)]);
    }
    default: {
      // repeat a slice
      const a = rng.below(out.length);
      const b = Math.min(out.length, a + rng.below(2048));
      return new Uint8Array([...out.subarray(0, b), ...out.subarray(a, b), ...out.subarray(b)]);
    }
  }
}

/** Every [container, key] of a JSON tree, so one value can be replaced or removed. */
function slots(value: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []): typeof out {
  if (Array.isArray(value))
    value.forEach((v, i) => {
      out.push([value, i]);
      slots(v, out);
    });
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) {
      out.push([value as Record<string, unknown>, k]);
      slots(v, out);
    }
  return out;
}

export function mutateJson(text: string, rng: Rng): string {
  const doc = JSON.parse(text) as unknown;
  const all = slots(doc);
  if (all.length === 0) return JSON.stringify(WEIRD[rng.below(WEIRD.length)]);
  for (let k = 1 + rng.below(3); k > 0; k--) {
    const [container, key] = all[rng.below(all.length)]!;
    if (rng.below(5) === 0 && !Array.isArray(container)) delete (container as Record<string, unknown>)[key as string];
    else (container as Record<string, unknown>)[key as string] = structuredClone(WEIRD[rng.below(WEIRD.length)]);
  }
  return JSON.stringify(doc, null, 2);
}

export function mutateJsonLines(text: string, rng: Rng): string {
  const lines = text.trim().split("\n");
  const i = rng.below(lines.length);
  lines[i] = rng.below(6) === 0 ? lines[i]!.slice(0, rng.below(lines[i]!.length)) : mutateJson(lines[i]!, rng).replace(/\n\s*/g, "");
  return `${lines.join("\n")}\n`;
}

export const enc = (t: string) => new TextEncoder().encode(t);
export const dec = (b: Uint8Array) => new TextDecoder().decode(b);
