/**
 * A small MNIST-shaped dataset and a quick train for the tests of hostile
 * input (run-directory, bounded-inputs, sweep-config, run-links,
 * run-failure), and the one-line check they share.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { type CliResult, trainOnFixture } from "./cli.js";
import { makeDataset, writeIdxDataset } from "./data.js";

export const tmp = (): string => mkdtempSync(join(tmpdir(), "initdrift-hostile-"));

let made: string | undefined;
/** The data directory (made on first use): mnist, 300 train and 60 test images. */
export function hostileData(): string {
  if (!made) {
    made = tmp();
    writeIdxDataset(join(made, "mnist"), makeDataset({ train: 300, test: 60, side: 28, classes: 10 }));
  }
  return made;
}

/** A 2-epoch width-8 run into `out`. */
export const quick = (out: string, extra: string[] = []): CliResult => trainOnFixture(hostileData(), out, ["--width", "8", "--epochs", "2", ...extra]);

/** A refusal in one line of stderr matching `message`, with a non-zero exit. */
export const oneLine = (r: CliResult, message: RegExp): void => {
  expect(r.status).not.toBe(0);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(message);
};
